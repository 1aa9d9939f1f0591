import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { load as loadYaml } from 'js-yaml';
import { z } from 'zod';
import { ROLES } from './principal';

// CLASS_ROSTER: a JSON or YAML file, either a list of entries or `{ users: [...] }`.
// Each entry carries a plain `token` (dev rosters) or its `tokenHash` (sha256, hex).
const SHA256_HEX = /^(sha256:)?[0-9a-f]{64}$/i;

const RosterEntrySchema = z
  .strictObject({
    name: z.string().trim().min(1).max(64).regex(/^[A-Za-z0-9._@-]+$/, 'letters, digits, . _ @ - only'),
    role: z.enum(ROLES),
    token: z.string().min(16, 'tokens must be at least 16 characters').max(256).optional(),
    tokenHash: z.string().regex(SHA256_HEX, 'expected a sha256 hex digest').optional(),
  })
  .refine((e) => (e.token === undefined) !== (e.tokenHash === undefined), {
    message: 'give exactly one of token or tokenHash',
  });

const RosterSchema = z
  .union([z.array(RosterEntrySchema), z.strictObject({ users: z.array(RosterEntrySchema) }).transform((r) => r.users)])
  .superRefine((entries, ctx) => {
    const seen = new Set<string>();
    for (const e of entries) {
      if (seen.has(e.name)) ctx.addIssue({ code: 'custom', message: `duplicate name ${e.name}` });
      seen.add(e.name);
    }
  });

export type RosterEntry = z.infer<typeof RosterEntrySchema>;

/** A roster entry as kept in memory: the digest only, never the token. */
export interface RosterUser {
  name: string;
  role: (typeof ROLES)[number];
  tokenHash: Buffer;
}

export class RosterError extends Error {}

export const hashToken = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();
export const hashTokenHex = (token: string): string => hashToken(token).toString('hex');

export function parseRoster(text: string, file: string): RosterUser[] {
  let raw: unknown;
  try {
    raw = /\.ya?ml$/i.test(file) ? loadYaml(text) : JSON.parse(text);
  } catch (err) {
    throw new RosterError(`Cannot parse roster ${file}: ${(err as Error).message}`);
  }
  const parsed = RosterSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new RosterError(`Invalid roster ${file}: ${lines.join('; ')}`);
  }
  return parsed.data.map((e) => ({
    name: e.name,
    role: e.role,
    tokenHash: e.token !== undefined ? hashToken(e.token) : Buffer.from(e.tokenHash!.replace(/^sha256:/i, ''), 'hex'),
  }));
}

export function readRosterFile(file: string): RosterUser[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new RosterError(`Cannot read roster ${file}: ${(err as Error).message}`);
  }
  return parseRoster(text, file);
}

export const DEV_ROSTER_FILE = 'roster.json';
export const newToken = () => `ty_${randomBytes(24).toString('base64url')}`;

/**
 * The roster used when CLASS_ROSTER is unset: `<home>/roster.json`, created once with a random
 * admin and student token (plain, mode 0600, so the demo can print them). Created with link() so
 * that two API instances starting together agree on one file.
 */
export function ensureDevRoster(home: string): { file: string; created: boolean } {
  const file = path.join(home, DEV_ROSTER_FILE);
  if (fs.existsSync(file)) return { file, created: false };
  fs.mkdirSync(home, { recursive: true });
  const roster = {
    users: [
      { name: 'admin', role: 'admin', token: newToken() },
      { name: 'student', role: 'student', token: newToken() },
    ],
  };
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(roster, null, 2) + '\n', { mode: 0o600 });
  try {
    fs.linkSync(tmp, file);
    return { file, created: true };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return { file, created: false };
    throw err;
  } finally {
    fs.unlinkSync(tmp);
  }
}
