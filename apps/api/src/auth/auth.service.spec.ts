import crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Logger } from '@nestjs/common';
import type { AppConfig } from '@trainyard/config';
import { AuthService } from './auth.service';
import { hashTokenHex } from './roster';

const ADMIN_TOKEN = 'admin-token-0123456789';
const ALICE_TOKEN = 'alice-token-0123456789';
const BOB_TOKEN = 'bob-token-0123456789ab';

const tempDirs: string[] = [];
function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}
afterAll(() => tempDirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function serviceWith(rosterText: string, ext = 'json') {
  const dir = tempDir('auth-spec-');
  const rosterFile = path.join(dir, `roster.${ext}`);
  fs.writeFileSync(rosterFile, rosterText);
  const service = new AuthService({ home: dir, rosterFile } as AppConfig);
  service.onModuleInit();
  return { service, dir, rosterFile };
}

describe('AuthService', () => {
  beforeAll(() => Logger.overrideLogger(false));
  const roster = JSON.stringify({
    users: [
      { name: 'ta', role: 'admin', token: ADMIN_TOKEN },
      { name: 'alice', role: 'student', tokenHash: hashTokenHex(ALICE_TOKEN) },
      { name: 'bob', role: 'student', tokenHash: `sha256:${hashTokenHex(BOB_TOKEN)}` },
    ],
  });

  it('maps plain and hashed tokens to their user and role', () => {
    const { service } = serviceWith(roster);
    expect(service.authenticate(ADMIN_TOKEN)).toEqual({ name: 'ta', role: 'admin' });
    expect(service.authenticate(ALICE_TOKEN)).toEqual({ name: 'alice', role: 'student' });
    expect(service.authenticate(BOB_TOKEN)).toEqual({ name: 'bob', role: 'student' });
  });

  it('refuses unknown, empty, near-miss and hash-as-token values', () => {
    const { service } = serviceWith(roster);
    for (const bad of ['', undefined, null, ALICE_TOKEN + 'x', ALICE_TOKEN.slice(0, -1), hashTokenHex(ALICE_TOKEN), 'x'.repeat(5000)]) {
      expect(service.authenticate(bad as string)).toBeUndefined();
    }
  });

  it('compares every digest with timingSafeEqual, without stopping at the first match', () => {
    const { service } = serviceWith(roster);
    const spy = jest.spyOn(crypto, 'timingSafeEqual');
    try {
      service.authenticate(ADMIN_TOKEN); // first user in the roster
      expect(spy).toHaveBeenCalledTimes(3);
      spy.mockClear();
      service.authenticate('nobody-has-this-token');
      expect(spy).toHaveBeenCalledTimes(3);
    } finally {
      spy.mockRestore();
    }
  });

  it('never keeps a plain token in memory', () => {
    const { service } = serviceWith(roster);
    expect(JSON.stringify((service as unknown as { users: unknown }).users)).not.toContain(ADMIN_TOKEN);
  });

  it('reads Bearer headers and Basic headers with the token as password', () => {
    const { service } = serviceWith(roster);
    expect(service.authenticateHeader(`Bearer ${ALICE_TOKEN}`)?.name).toBe('alice');
    expect(service.authenticateHeader(`bearer   ${ALICE_TOKEN}`)?.name).toBe('alice');
    const basic = Buffer.from(`anything:${ADMIN_TOKEN}`).toString('base64');
    expect(service.authenticateHeader(`Basic ${basic}`)?.role).toBe('admin');
    expect(service.authenticateHeader(ALICE_TOKEN)).toBeUndefined();
    expect(service.authenticateHeader(`Token ${ALICE_TOKEN}`)).toBeUndefined();
    expect(service.authenticateHeader(`Basic ${Buffer.from(ADMIN_TOKEN).toString('base64')}`)).toBeUndefined();
  });

  it('reads YAML rosters', () => {
    const { service } = serviceWith(`users:\n  - name: ta\n    role: admin\n    tokenHash: ${hashTokenHex(ADMIN_TOKEN)}\n`, 'yaml');
    expect(service.authenticate(ADMIN_TOKEN)?.role).toBe('admin');
  });

  it.each([
    ['unknown role', [{ name: 'x', role: 'root', token: ADMIN_TOKEN }]],
    ['both token and hash', [{ name: 'x', role: 'admin', token: ADMIN_TOKEN, tokenHash: hashTokenHex(ADMIN_TOKEN) }]],
    ['neither', [{ name: 'x', role: 'admin' }]],
    ['short token', [{ name: 'x', role: 'admin', token: 'short' }]],
    ['bad hash', [{ name: 'x', role: 'admin', tokenHash: 'abc' }]],
    ['duplicate names', [{ name: 'x', role: 'admin', token: ADMIN_TOKEN }, { name: 'x', role: 'student', token: ALICE_TOKEN }]],
    ['unknown field', [{ name: 'x', role: 'admin', token: ADMIN_TOKEN, password: 'p' }]],
  ])('rejects a roster with %s, naming the file and never echoing tokens', (_, users) => {
    const attempt = () => serviceWith(JSON.stringify({ users }));
    expect(attempt).toThrow(/Invalid roster .*roster\.json/);
    try {
      attempt();
    } catch (err) {
      expect((err as Error).message).not.toContain(ADMIN_TOKEN);
    }
  });

  it('reload() drops a token removed from the file', () => {
    const { service, rosterFile } = serviceWith(roster);
    expect(service.authenticate(BOB_TOKEN)).toBeDefined();
    fs.writeFileSync(rosterFile, JSON.stringify([{ name: 'ta', role: 'admin', token: ADMIN_TOKEN }]));
    service.reload();
    expect(service.authenticate(BOB_TOKEN)).toBeUndefined();
  });

  it('without CLASS_ROSTER creates one development roster (mode 0600) and reuses it', () => {
    const home = tempDir('auth-home-');
    const first = new AuthService({ home } as AppConfig);
    first.onModuleInit();
    const file = path.join(home, 'roster.json');
    const { users } = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(users.map((u: { role: string }) => u.role).sort()).toEqual(['admin', 'student']);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const admin = users.find((u: { role: string }) => u.role === 'admin');
    expect(first.authenticate(admin.token)?.role).toBe('admin');

    const second = new AuthService({ home } as AppConfig);
    second.onModuleInit();
    expect(second.authenticate(admin.token)?.role).toBe('admin');
    expect(fs.readdirSync(home)).toEqual(['roster.json']);
  });
});
