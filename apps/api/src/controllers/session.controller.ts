import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser } from '../auth/auth.decorators';
import type { Principal } from '../auth/principal';

@ApiTags('session')
@ApiBearerAuth()
@Controller('api/me')
export class SessionController {
  // The dashboard signs in with a token and needs the name and role behind it (admins get the queue view).
  @Get()
  @ApiOperation({ summary: 'Who this token belongs to: `{name, role}`' })
  me(@CurrentUser() user: Principal): Principal {
    return { name: user.name, role: user.role };
  }
}
