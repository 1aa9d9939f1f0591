import { Body, ConflictException, Controller, Get, Header, HttpCode, HttpStatus, NotFoundException, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { ROLES, SpecValidationError, describeIssues, formatIssues } from '@trainyard/contracts';
import { AdminOnly } from '../auth/auth.decorators';
import { AuthService, RosterChangeError } from '../auth/auth.service';
import { USER_NAME } from '../auth/roster';

const NewUserSchema = z.strictObject({
  name: z.string().regex(USER_NAME, '1 to 64 letters, digits, . _ @ - only'),
  role: z.enum(ROLES).default('student'),
});

/**
 * The class roster, for admins: add a student (or TA), rotate a token, revoke one. A new token is
 * in the answer once and nowhere else (only its sha256 is stored). Every change applies at once
 * on every API instance: requests with the old token get 401, its open sockets are disconnected.
 */
@ApiTags('admin')
@ApiBearerAuth()
@AdminOnly()
@ApiResponse({ status: 403, description: 'Not an admin' })
@Controller('api/admin/roster')
export class RosterController {
  constructor(private readonly auth: AuthService) {}

  @Get()
  @ApiOperation({ summary: 'Everyone on the roster: `[{name, role, active, source, updatedAt, revokedAt?}]` (no tokens, no hashes)' })
  list() {
    return this.auth.list();
  }

  @Post()
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Add a user `{name, role?: student|admin}` → 201 `{name, role, token}` (the token is shown this once)' })
  @ApiBody({ schema: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, role: { type: 'string', enum: [...ROLES] } } } })
  @ApiResponse({ status: 409, description: 'The name is taken' })
  async add(@Body() body: unknown) {
    const parsed = NewUserSchema.safeParse(body ?? {});
    if (!parsed.success) {
      const issues = describeIssues(parsed.error);
      throw new SpecValidationError(`Invalid user: ${formatIssues(issues)}`, issues);
    }
    return this.apply(() => this.auth.addUser(parsed.data.name, parsed.data.role));
  }

  @Post(':name/rotate')
  @HttpCode(HttpStatus.OK)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'A new token for the user (shown this once); the old one stops working at once' })
  @ApiResponse({ status: 404, description: 'Not on the roster' })
  rotate(@Param('name') name: string) {
    return this.apply(() => this.auth.rotate(name));
  }

  @Post(':name/revoke')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'The user’s token stops working at once (rotate gives a new one); their experiments stay' })
  @ApiResponse({ status: 404, description: 'Not on the roster' })
  @ApiResponse({ status: 409, description: 'The last admin who can sign in' })
  revoke(@Param('name') name: string) {
    return this.apply(() => this.auth.revoke(name));
  }

  private async apply<T>(change: () => Promise<T>): Promise<T> {
    try {
      return await change();
    } catch (err) {
      if (!(err instanceof RosterChangeError)) throw err;
      throw err.reason === 'missing' ? new NotFoundException(err.message) : new ConflictException(err.message);
    }
  }
}
