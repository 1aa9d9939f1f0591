import type { Command } from 'commander';
import { newToken } from '@trainyard/config';
import { apiClient, apiOptions, type ApiFlags } from './api-options';
import { writeRosterFile, type NewRosterUser } from './roster-file';

const names = (value: string, previous: string[] = []) => [...previous, ...value.split(',').map((n) => n.trim()).filter(Boolean)];

/**
 * `trainyard roster`: make a CLASS_ROSTER file (offline), and add, rotate or revoke users on a
 * running API as an admin. Tokens are printed once, here, and stored nowhere but as hashes.
 */
export function registerRosterCommands(program: Command): void {
  const roster = program.command('roster').description('the class roster: students and TAs, and their tokens');

  roster
    .command('init')
    .argument('<file>', 'the roster file to create (JSON; CLASS_ROSTER for the API)')
    .description('create a roster file with new tokens: prints each token once, writes only their sha256 hashes')
    .option('--admin <names>', 'TAs, comma-separated (repeatable)', names)
    .option('--student <names>', 'students, comma-separated (repeatable)', names)
    .option('--json', 'print the tokens as JSON')
    .action((file: string, flags: { admin?: string[]; student?: string[]; json?: boolean }) => {
      const users: NewRosterUser[] = [
        ...(flags.admin ?? []).map((name) => ({ name, role: 'admin' as const, token: newToken() })),
        ...(flags.student ?? []).map((name) => ({ name, role: 'student' as const, token: newToken() })),
      ];
      if (!users.some((u) => u.role === 'admin')) throw new Error('give at least one --admin: admins manage the roster and the queue');
      writeRosterFile(file, users);
      if (flags.json) return void process.stdout.write(`${JSON.stringify(users.map(({ name, role, token }) => ({ name, role, token })))}\n`);
      process.stdout.write(`Wrote ${file} (hashes only). Hand out these tokens now; they are not stored anywhere:\n`);
      for (const u of users) process.stdout.write(`  ${u.name.padEnd(16)} ${u.role.padEnd(8)} ${u.token}\n`);
      process.stdout.write(`Start the API with CLASS_ROSTER=${file}\n`);
    });

  apiOptions(roster.command('list').description('everyone on the roster (admins)'))
    .option('--json', 'print JSON')
    .action(async (flags: ApiFlags & { json?: boolean }) => {
      const rows = await apiClient(flags).roster();
      if (flags.json) return void process.stdout.write(`${JSON.stringify(rows)}\n`);
      for (const r of rows) process.stdout.write(`${r.name.padEnd(16)} ${r.role.padEnd(8)} ${r.active ? 'active' : 'revoked'}\n`);
    });

  apiOptions(roster.command('add').argument('<name>').description('add a student (or --admin a TA) and print their token once'))
    .option('--admin', 'a TA rather than a student')
    .action(async (name: string, flags: ApiFlags & { admin?: boolean }) => {
      const added = await apiClient(flags).addUser(name, flags.admin ? 'admin' : 'student');
      process.stdout.write(`${added.name} (${added.role}) token: ${added.token}\n`);
    });

  apiOptions(roster.command('rotate').argument('<name>').description('give a user a new token (printed once); the old one stops working at once'))
    .action(async (name: string, flags: ApiFlags) => {
      const rotated = await apiClient(flags).rotate(name);
      process.stdout.write(`${rotated.name} (${rotated.role}) new token: ${rotated.token}\n`);
    });

  apiOptions(roster.command('revoke').argument('<name>').description("revoke a user's token at once, open sockets included"))
    .action(async (name: string, flags: ApiFlags) => {
      await apiClient(flags).revoke(name);
      process.stdout.write(`${name}: token revoked\n`);
    });
}
