import type Redis from 'ioredis';
import type { Role } from '@trainyard/contracts';
import type { RosterFileUser } from './roster';
import { CHANGE_USER_LUA, SEED_ROSTER_LUA } from './roster.scripts';

/** A user as stored in Redis: a token digest (hex), never a token; '' once revoked. */
export interface StoredUser {
  name: string;
  role: Role;
  tokenHash: string;
  source: 'file' | 'api';
  updatedAt?: string;
  revokedAt?: string;
}

export type RosterChange = 'add' | 'rotate' | 'revoke';
export type RosterChangeResult = 'ok' | 'exists' | 'missing' | 'last-admin';

type RosterRedis = Redis & {
  trainyardSeedRoster(hash: string, version: string, channel: string, users: string, now: string): Promise<string[]>;
  trainyardChangeUser(hash: string, version: string, channel: string, op: RosterChange, name: string, role: string, tokenHash: string, now: string): Promise<RosterChangeResult>;
};

/**
 * The class roster in Redis, shared by every API instance: seeded from CLASS_ROSTER at start,
 * changed by admins through the API (see roster.scripts.ts for the merge rule).
 */
export class RosterStore {
  readonly channel: string;
  private readonly hashKey: string;
  private readonly versionKey: string;
  private readonly redis: RosterRedis;

  constructor(redis: Redis, prefix: string) {
    this.hashKey = `${prefix}:roster`;
    this.versionKey = `${prefix}:roster:version`;
    this.channel = `${prefix}:roster:changed`;
    if (!('trainyardSeedRoster' in redis)) {
      redis.defineCommand('trainyardSeedRoster', { numberOfKeys: 2, lua: SEED_ROSTER_LUA });
      redis.defineCommand('trainyardChangeUser', { numberOfKeys: 2, lua: CHANGE_USER_LUA });
    }
    this.redis = redis as RosterRedis;
  }

  /** Merges the file into Redis; returns the names whose entry changed. */
  seed(users: RosterFileUser[]): Promise<string[]> {
    return this.redis.trainyardSeedRoster(this.hashKey, this.versionKey, this.channel, JSON.stringify(users), new Date().toISOString());
  }

  async version(): Promise<string> {
    return (await this.redis.get(this.versionKey)) ?? '0';
  }

  /** The version and every user, read together. */
  async load(): Promise<{ version: string; users: StoredUser[] }> {
    const [[e1, version], [e2, hash]] = (await this.redis.multi().get(this.versionKey).hgetall(this.hashKey).exec()) ?? [[null], [null]];
    if (e1 || e2) throw e1 ?? e2;
    const users = Object.entries((hash ?? {}) as Record<string, string>).map(([name, json]) => ({ name, ...(JSON.parse(json) as Omit<StoredUser, 'name'>) }));
    return { version: (version as string | null) ?? '0', users };
  }

  change(op: RosterChange, name: string, opts: { role?: Role; tokenHash?: string } = {}): Promise<RosterChangeResult> {
    return this.redis.trainyardChangeUser(this.hashKey, this.versionKey, this.channel, op, name, opts.role ?? '', opts.tokenHash ?? '', new Date().toISOString());
  }
}
