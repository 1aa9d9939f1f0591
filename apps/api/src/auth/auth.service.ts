import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import crypto from 'node:crypto';
import { hashToken, newToken, runDetached, type AppConfig } from '@trainyard/config';
import type { Principal, Role } from '@trainyard/contracts';
import { InjectConfig, RedisClients } from '@trainyard/core';
import { NO_ROSTER_MESSAGE, readRosterFile, RosterError } from './roster';
import { RosterStore, type RosterChangeResult, type StoredUser } from './roster.store';

/** A user as kept in memory: the digest only, never the token; none once revoked. */
interface CachedUser {
  name: string;
  role: Role;
  tokenHash?: Buffer;
}

/** Who a token belongs to, and the digest it matched: a socket keeps both to be re-checked later. */
export interface Identity {
  user: Principal;
  credential: string;
}

// Compared in place of a revoked user's digest, so every user costs one comparison.
const NO_DIGEST = Buffer.alloc(32);
/** A backstop for a missed pub/sub message (a Redis reconnect): every instance re-checks this often. */
const RESYNC_EVERY_MS = 10_000;

export class RosterChangeError extends Error {
  constructor(readonly reason: Exclude<RosterChangeResult, 'ok'>, message: string) {
    super(message);
  }
}

/**
 * The class roster (CLASS_ROSTER, seeded into Redis) and token checks.
 * - Every check first compares the roster's version in Redis with the one cached here (one GET),
 *   so a token revoked on any instance stops working on every instance from the next request.
 * - Each change is also published with the user's name; `onChange` listeners (the socket
 *   gateway) then drop that user's sockets whose token no longer holds.
 * - Tokens are compared in constant time and never kept, logged or stored: only sha256 digests.
 */
@Injectable()
export class AuthService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(AuthService.name);
  private readonly events = new EventEmitter();
  private users: CachedUser[] = [];
  private version = '';
  private refreshing?: Promise<boolean>;
  private store!: RosterStore;
  private timer?: NodeJS.Timeout;

  constructor(
    @InjectConfig() private readonly config: AppConfig,
    private readonly clients: RedisClients,
  ) {}

  async onModuleInit() {
    if (!this.config.rosterFile) throw new RosterError(NO_ROSTER_MESSAGE);
    const file = readRosterFile(this.config.rosterFile);
    this.store = new RosterStore(this.clients.commands, this.config.queuePrefix);
    const changed = await this.store.seed(file);
    await this.refresh();
    // Names and counts only: tokens and digests are never logged.
    this.logger.log(
      `Roster ${this.config.rosterFile}: ${file.length} in the file, ${changed.length} changed in Redis; ` +
        `${this.users.filter((u) => u.tokenHash).length} users can sign in`,
    );
    const subscriber = this.clients.subscriber;
    const warn = (what: string) => (err: unknown) => this.logger.warn(`${what}: ${(err as Error).message}`);
    subscriber.on('message', (channel: string, name: string) => {
      if (channel === this.store.channel) runDetached(() => this.afterChange([name]), warn('Roster change not applied'));
    });
    // After a reconnect, messages sent meanwhile are lost: re-check everything.
    subscriber.on('ready', () => runDetached(() => this.afterChange(), warn('Roster re-check after reconnect failed')));
    await subscriber.subscribe(this.store.channel);
    // While Redis is away this fails every time; the next tick tries again.
    const resync = async () => (await this.refreshIfStale()) && this.emit();
    this.timer = setInterval(() => runDetached(resync, warn('Roster re-sync failed')), RESYNC_EVERY_MS).unref();
  }

  onModuleDestroy() {
    clearInterval(this.timer);
  }

  /** `listener(names)` after a roster change; names undefined: anyone may have changed. */
  onChange(listener: (names?: string[]) => void): void {
    this.events.on('change', listener);
  }

  async authenticate(token: string | undefined | null): Promise<Principal | undefined> {
    return (await this.identify(token))?.user;
  }

  /**
   * Compares the token's digest with every user's in constant time, without stopping at the first
   * match, so response time says nothing about which or how many digests were close.
   */
  async identify(token: string | undefined | null): Promise<Identity | undefined> {
    if (typeof token !== 'string' || token.length === 0 || token.length > 1024) return undefined;
    await this.refreshIfStale();
    const digest = hashToken(token);
    let found: CachedUser | undefined;
    for (const user of this.users) {
      if (crypto.timingSafeEqual(digest, user.tokenHash ?? NO_DIGEST) && user.tokenHash && !found) found = user;
    }
    return found && { user: { name: found.name, role: found.role }, credential: digest.toString('hex') };
  }

  /** `Bearer <token>`, or `Basic` with the token as password (what a browser prompt sends). */
  authenticateHeader(header: string | undefined): Promise<Principal | undefined> {
    return this.authenticate(tokenFromHeader(header));
  }

  /** Whether this digest is still the user's token, on the roster as last read (see refreshIfStale). */
  isCurrent(name: string, credential: string): boolean {
    const user = this.users.find((u) => u.name === name);
    const digest = Buffer.from(credential, 'hex');
    return !!user?.tokenHash && digest.length === user.tokenHash.length && crypto.timingSafeEqual(user.tokenHash, digest);
  }

  hasUser(name: string): boolean {
    return this.users.some((u) => u.name === name);
  }

  /** Re-reads the roster when its version in Redis moved; true when it did. */
  async refreshIfStale(): Promise<boolean> {
    if ((await this.store.version()) === this.version) return false;
    return this.refresh();
  }

  // ----- admin changes: each returns a new token once, or throws RosterChangeError -----

  /** Everyone on the roster, without digests. */
  async list(): Promise<(Omit<StoredUser, 'tokenHash'> & { active: boolean })[]> {
    const { users } = await this.store.load();
    return users
      .map((u) => ({
        name: u.name,
        role: u.role,
        active: u.tokenHash !== '',
        source: u.source,
        ...(u.updatedAt ? { updatedAt: u.updatedAt } : {}),
        ...(u.revokedAt ? { revokedAt: u.revokedAt } : {}),
      }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  async addUser(name: string, role: Role): Promise<{ name: string; role: Role; token: string }> {
    const token = newToken();
    await this.change('add', name, { role, tokenHash: hashToken(token).toString('hex') });
    return { name, role, token };
  }

  async rotate(name: string): Promise<{ name: string; role: Role; token: string }> {
    const token = newToken();
    await this.change('rotate', name, { tokenHash: hashToken(token).toString('hex') });
    return { name, role: this.users.find((u) => u.name === name)!.role, token };
  }

  async revoke(name: string): Promise<{ name: string; role: Role; revoked: true }> {
    await this.change('revoke', name);
    return { name, role: this.users.find((u) => u.name === name)!.role, revoked: true };
  }

  private async change(op: 'add' | 'rotate' | 'revoke', name: string, opts: { role?: Role; tokenHash?: string } = {}) {
    const result = await this.store.change(op, name, opts);
    if (result === 'exists') throw new RosterChangeError(result, `${name} is already on the roster`);
    if (result === 'missing') throw new RosterChangeError(result, `${name} is not on the roster`);
    if (result === 'last-admin') throw new RosterChangeError(result, `${name} is the only admin who can sign in; add or rotate another admin first`);
    // This instance applies it before answering; the others on their next request, or on the message.
    await this.afterChange([name]);
    this.logger.log(`Roster: ${op} ${name}`);
  }

  private async afterChange(names?: string[]) {
    try {
      await this.refresh();
    } catch (err) {
      this.logger.warn(`Roster refresh failed: ${(err as Error).message}`);
    }
    this.emit(names);
  }

  private emit(names?: string[]) {
    this.events.emit('change', names);
  }

  private refresh(): Promise<boolean> {
    // Concurrent requests that all saw a new version share one reload.
    this.refreshing ??= this.store
      .load()
      .then(({ version, users }) => {
        const moved = version !== this.version;
        this.version = version;
        this.users = users.map((u) => ({ name: u.name, role: u.role, ...(u.tokenHash ? { tokenHash: Buffer.from(u.tokenHash, 'hex') } : {}) }));
        return moved;
      })
      .finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }
}

function tokenFromHeader(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const [scheme, value] = header.trim().split(/\s+/, 2);
  if (!value) return undefined;
  if (/^bearer$/i.test(scheme)) return value;
  if (/^basic$/i.test(scheme)) {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon < 0 ? undefined : decoded.slice(colon + 1);
  }
  return undefined;
}
