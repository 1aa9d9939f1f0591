import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';

// `trainyard` starts fast because only the commands that train load TF.js, and only those that
// start services or follow runs live load ioredis or socket.io-client. This checks which modules a
// real start loaded (require.cache at exit); times belong in the README's measurements, not here.
const BIN = path.resolve(__dirname, '..', 'apps', 'cli', 'bin', 'trainyard.js');
const run = promisify(execFile);
const HEAVY = ['@tensorflow', 'ioredis', 'socket.io-client'];

async function loadedHeavyModules(args: string[]): Promise<string[]> {
  const probe = `process.on('exit', () => {
    const heavy = ${JSON.stringify(HEAVY)}.filter((m) => Object.keys(require.cache).some((p) => p.includes('/node_modules/' + m + '/')));
    process.stderr.write('\\nHEAVY=' + JSON.stringify(heavy) + '\\n');
  });
  process.argv = [process.argv[0], ${JSON.stringify(BIN)}, ...${JSON.stringify(args)}];
  require(${JSON.stringify(BIN)});`;
  const res = await run(process.execPath, ['-e', probe], { env: { ...process.env, TRAINYARD_TOKEN: '', TRAINYARD_API: 'http://127.0.0.1:9' }, timeout: 60_000 }).catch(
    (err: { stderr?: string }) => ({ stderr: err.stderr ?? '' }),
  );
  const line = /HEAVY=(.*)/.exec(res.stderr);
  if (!line) throw new Error(`no probe output; stderr: ${res.stderr}`);
  return JSON.parse(line[1]) as string[];
}

jest.setTimeout(120_000);

describe('trainyard start-up (e2e)', () => {
  it.each([[['--help']], [['list']], [['show', '04b07343']], [['submit', '--help']], [['models', '--help']], [['bench', '--help']]])(
    '`trainyard %s` loads none of TF.js, ioredis, socket.io-client',
    async (args) => {
      expect(await loadedHeavyModules(args)).toEqual([]);
    },
  );

  it('`trainyard models` does load TF.js (the probe sees a lazy load)', async () => {
    expect(await loadedHeavyModules(['models', '--json'])).toContain('@tensorflow');
  });
});
