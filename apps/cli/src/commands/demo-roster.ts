import * as path from 'node:path';
import { newToken } from '@trainyard/config';
import { writeRosterFile, type NewRosterUser } from './roster-file';

export type DemoUser = NewRosterUser;

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
  writeRosterFile(file, users, { replace: true });
  return { file, users };
}
