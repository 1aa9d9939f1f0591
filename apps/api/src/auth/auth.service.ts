import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import crypto from 'node:crypto';
import type { AppConfig } from '@trainyard/config';
import { InjectConfig } from '../app-config.token';
import type { Principal } from './principal';
import { ensureDevRoster, hashToken, readRosterFile, type RosterUser } from './roster';

@Injectable()
export class AuthService implements OnModuleInit {
  private readonly logger = new Logger(AuthService.name);
  private users: RosterUser[] = [];
  private rosterFile?: string;

  constructor(@InjectConfig() private readonly config: AppConfig) {}

  onModuleInit() {
    if (this.config.rosterFile) {
      this.rosterFile = this.config.rosterFile;
    } else {
      const dev = ensureDevRoster(this.config.home);
      this.rosterFile = dev.file;
      // Only the location: the tokens themselves are never logged.
      this.logger.warn(`CLASS_ROSTER is not set: using the development roster ${dev.file}${dev.created ? ' (created now)' : ''}`);
    }
    this.reload();
  }

  /** Re-reads the roster file; a token missing from it stops working at once. */
  reload() {
    this.users = readRosterFile(this.rosterFile!);
    this.logger.log(`Roster ${this.rosterFile}: ${this.users.length} users`);
  }

  /**
   * Compares the token's digest with every user's in constant time, without stopping at the first
   * match, so response time says nothing about which or how many digests were close.
   */
  authenticate(token: string | undefined | null): Principal | undefined {
    if (typeof token !== 'string' || token.length === 0 || token.length > 1024) return undefined;
    const digest = hashToken(token);
    let found: RosterUser | undefined;
    for (const user of this.users) {
      if (crypto.timingSafeEqual(digest, user.tokenHash) && !found) found = user;
    }
    return found && { name: found.name, role: found.role };
  }

  /** `Bearer <token>`, or `Basic` with the token as password (what a browser prompt sends). */
  authenticateHeader(header: string | undefined): Principal | undefined {
    if (!header) return undefined;
    const [scheme, value] = header.trim().split(/\s+/, 2);
    if (!value) return undefined;
    if (/^bearer$/i.test(scheme)) return this.authenticate(value);
    if (/^basic$/i.test(scheme)) {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      return colon < 0 ? undefined : this.authenticate(decoded.slice(colon + 1));
    }
    return undefined;
  }
}
