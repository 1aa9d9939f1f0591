import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface DemoUser {
  name: string;
  role: 'student' | 'admin';
  token: string;
}

/**
 * A fresh roster for each demo run: tokens are printed once and only their sha256 digests are
 * written, so the file on disk never holds a usable token.
 */
export function writeDemoRoster(home: string): { file: string; users: DemoUser[] } {
  const users: DemoUser[] = [
    { name: 'ta', role: 'admin', token: newToken() },
    { name: 'student1', role: 'student', token: newToken() },
    { name: 'student2', role: 'student', token: newToken() },
  ];
  const file = path.join(home, 'demo-roster.json');
  fs.mkdirSync(home, { recursive: true });
  const body = { users: users.map(({ name, role, token }) => ({ name, role, tokenHash: createHash('sha256').update(token).digest('hex') })) };
  fs.writeFileSync(`${file}.tmp`, `${JSON.stringify(body, null, 2)}\n`, { mode: 0o600 });
  fs.renameSync(`${file}.tmp`, file);
  return { file, users };
}

const newToken = () => randomBytes(24).toString('base64url');
