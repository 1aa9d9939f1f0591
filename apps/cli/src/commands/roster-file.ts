import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface NewRosterUser {
  name: string;
  role: 'student' | 'admin';
  token: string;
}

/** 192 random bits, the same shape as the tokens the API makes. */
export const newToken = () => `ty_${randomBytes(24).toString('base64url')}`;

/**
 * Writes a CLASS_ROSTER file holding only sha256 digests (mode 0600, atomically), so the file
 * never holds a usable token: the caller shows each token once to whoever hands them out.
 * Refuses to replace an existing file unless `replace`.
 */
export function writeRosterFile(file: string, users: NewRosterUser[], opts: { replace?: boolean } = {}): void {
  if (!opts.replace && fs.existsSync(file)) throw new Error(`${file} exists; choose another file (or add users through the API: trainyard roster add)`);
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const body = { users: users.map(({ name, role, token }) => ({ name, role, tokenHash: createHash('sha256').update(token, 'utf8').digest('hex') })) };
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(body, null, 2)}\n`, { mode: 0o600 });
  fs.renameSync(tmp, file);
}
