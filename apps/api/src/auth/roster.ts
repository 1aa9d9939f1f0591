import * as fs from 'node:fs';
import { load as loadYaml } from 'js-yaml';
import { z } from 'zod';
import { ROLES, isPlain, type Role } from '@trainyard/contracts';

// CLASS_ROSTER: a JSON or YAML file, either a list of entries or `{ users: [...] }`, each
// `{ name, role, tokenHash }` with tokenHash the sha256 hex of the token. A plain `token` is
// refused: the file would then hold usable credentials (`trainyard roster init` writes hashes).
const SHA256_HEX = /^(sha256:)?[0-9a-f]{64}$/i;
export const USER_NAME = /^[A-Za-z0-9._@-]{1,64}$/;

const RosterEntrySchema = z
  .strictObject({
    name: z.string().trim().regex(USER_NAME, '1 to 64 letters, digits, . _ @ - only'),
    role: z.enum(ROLES),
    tokenHash: z.string().regex(SHA256_HEX, 'expected a sha256 hex digest').optional(),
    // Known only to say why it is refused; its value is never echoed.
    token: z.unknown().optional(),
  })
  .superRefine((e, ctx) => {
    if (e.token !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['token'],
        message: 'plain tokens are not accepted: store its sha256 hex as tokenHash (`npx trainyard roster init` writes such a file)',
      });
    } else if (e.tokenHash === undefined) {
      ctx.addIssue({ code: 'custom', path: ['tokenHash'], message: 'required' });
    }
  });

// `{ users: [...] }` is unwrapped first, so that an issue is reported at its entry, not as "no union matched".
const RosterSchema = z
  .preprocess((raw) => (isPlain(raw) && Object.keys(raw).join() === 'users' ? (raw as { users: unknown }).users : raw), z.array(RosterEntrySchema))
  .superRefine((entries, ctx) => {
    const seen = new Set<string>();
    for (const e of entries) {
      if (seen.has(e.name)) ctx.addIssue({ code: 'custom', message: `duplicate name ${e.name}` });
      seen.add(e.name);
    }
  });

/** A roster entry as read from the file: the digest only (lower-case hex), never the token. */
export interface RosterFileUser {
  name: string;
  role: Role;
  tokenHash: string;
}

export class RosterError extends Error {}


export function parseRoster(text: string, file: string): RosterFileUser[] {
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
  return parsed.data.map((e) => ({ name: e.name, role: e.role, tokenHash: e.tokenHash!.replace(/^sha256:/i, '').toLowerCase() }));
}

export function readRosterFile(file: string): RosterFileUser[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new RosterError(`Cannot read roster ${file}: ${(err as Error).message}`);
  }
  return parseRoster(text, file);
}

/** Why the API will not start without CLASS_ROSTER, and how to make one. */
export const NO_ROSTER_MESSAGE =
  'CLASS_ROSTER is not set. Create a roster (it stores only token hashes and prints each token once): ' +
  '`npx trainyard roster init roster.json --admin ta --student alice,bob`, then start the API with CLASS_ROSTER=roster.json. ' +
  '`npm run demo` makes its own.';
