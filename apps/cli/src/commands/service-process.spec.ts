import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MAX_RESTARTS, startService, superviseServices, type ServiceProcess } from './service-process';

let dir: string;
beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trainyard-supervise-'))));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A script that exits with code 1 the first `crashes` times it runs (counted in a file), then stays up. */
function flakyScript(crashes: number): string {
  const file = path.join(dir, 'flaky.js');
  const counter = path.join(dir, 'runs');
  fs.writeFileSync(
    file,
    `const fs = require('fs'); const n = fs.existsSync(${JSON.stringify(counter)}) ? Number(fs.readFileSync(${JSON.stringify(counter)}, 'utf8')) : 0;
     fs.writeFileSync(${JSON.stringify(counter)}, String(n + 1));
     if (n < ${crashes}) process.exit(1); else setInterval(() => {}, 1000);`,
  );
  return file;
}

describe('superviseServices', () => {
  it('starts a service that died again, says which, and returns once stopping', async () => {
    const services: ServiceProcess[] = [startService('worker', flakyScript(2), process.env, dir)];
    const said: string[] = [];
    let stopping = false;
    const supervised = superviseServices(services, () => stopping, (line) => said.push(line));
    // Two crashes, then a process that stays up.
    while (said.length < 2) await new Promise((r) => setTimeout(r, 50));
    expect(said[0]).toMatch(/^The worker exited \(code 1\); starting it again \(log: .*worker\.log\)\.$/);
    expect(services[0].child.exitCode).toBeNull();
    stopping = true;
    await services[0].stop();
    await supervised;
    expect(said).toHaveLength(2);
  });

  it('gives up on a crash loop, naming the service and its log', async () => {
    const services: ServiceProcess[] = [startService('api', flakyScript(1000), process.env, dir)];
    await expect(superviseServices(services, () => false, () => undefined)).rejects.toThrow(
      new RegExp(`^the api exited \\(code 1\\) ${MAX_RESTARTS + 1} times within 60 s; see .*api\\.log$`),
    );
  });
});
