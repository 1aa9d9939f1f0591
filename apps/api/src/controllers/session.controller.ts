import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser } from '../auth/auth.decorators';
import type { AppConfig } from '@trainyard/config';
import type { Principal, SessionBody } from '@trainyard/contracts';
import { InjectConfig } from '@trainyard/core';
import { isAdmin } from '../auth/principal';
import { jobLimits } from '../limits/job-bounds';

@ApiTags('session')
@ApiBearerAuth()
@Controller('api/me')
export class SessionController {
  constructor(@InjectConfig() private readonly config: AppConfig) {}

  // The dashboard signs in with a token and needs the name and role behind it (admins get the queue
  // view), and a student's form hints the class's job bounds rather than the schema's wider ones.
  @Get()
  @ApiOperation({ summary: 'Who this token belongs to: `{name, role}`, and for a student `jobLimits` (admins are exempt)' })
  me(@CurrentUser() user: Principal): SessionBody {
    return { name: user.name, role: user.role, ...(isAdmin(user) ? {} : { jobLimits: jobLimits(this.config.limits) }) };
  }
}
