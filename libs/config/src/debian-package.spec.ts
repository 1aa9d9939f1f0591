import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensureDebianBinary, findOnPath } from './debian-package';

describe('ensureDebianBinary', () => {
  const savedPath = process.env.PATH;
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trainyard-debian-'));
    // Only this directory is searched: no apt-get, so nothing is ever installed by this test.
    process.env.PATH = dir;
  });
  afterEach(() => {
    process.env.PATH = savedPath;
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const missing = (detail?: string) => new Error(`missing${detail ? `: ${detail}` : ''}`);

  it('answers the binary found on PATH, executable files only', async () => {
    fs.writeFileSync(path.join(dir, 'not-executable'), '', { mode: 0o644 });
    fs.writeFileSync(path.join(dir, 'tool'), '#!/bin/sh\n', { mode: 0o755 });
    expect(findOnPath('not-executable')).toBeUndefined();
    await expect(ensureDebianBinary({ binary: 'tool', debianPackage: 'tool', missing })).resolves.toBe(path.join(dir, 'tool'));
  });

  it('throws the caller\'s error when the binary is missing and apt-get is not there to install it', async () => {
    await expect(ensureDebianBinary({ binary: 'tool', debianPackage: 'tool', missing })).rejects.toThrow(/^missing$/);
  });
});
