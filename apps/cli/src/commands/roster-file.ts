import * as fs from 'node:fs';
import * as path from 'node:path';
import { hashTokenHex } from '@trainyard/config';
import type { Role } from '@trainyard/contracts';

export interface NewRosterUser {
  name: string;
  role: Role;
  token: string;
}

/**
 * Writes a CLASS_ROSTER file holding only sha256 digests (mode 0600, atomically), so the file
 * never holds a usable token: the caller shows each token once to whoever hands them out.
 * Refuses to replace an existing file unless `replace`.
 */
export function writeRosterFile(file: string, users: NewRosterUser[], opts: { replace?: boolean } = {}): void {
  if (!opts.replace && fs.existsSync(file)) throw new Error(`${file} exists; choose another file (or add users through the API: trainyard roster add)`);
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const body = { users: users.map(({ name, role, token }) => ({ name, role, tokenHash: hashTokenHex(token) })) };
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(body, null, 2)}\n`, { mode: 0o600 });
  fs.renameSync(tmp, file);
}
