import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { shortId, WHOLE_EXPERIMENT_ID_SOURCE, type ExperimentView } from '@trainyard/contracts';
import { ThroughputStore } from '@trainyard/training-queue';
import { until } from '@trainyard/testing';
import { TOKENS, type Harness, type TestUser } from '../apps/api/testing/api-harness';
import { startApiWithWorker, type ApiWithWorker } from './support/api-with-worker';
import { waitForStatus } from './support/experiments';
import { runTrainyard, TRAINYARD_BIN as BIN } from './support/trainyard-cli';

// The CLI's queue tools as a student meets them on a terminal: Ctrl-C while
// watching, failure reasons, short ids, show and list, variants from flags, flags that cannot
// apply, and model downloads. A real API, Redis and worker; a real pseudo-terminal (util-linux
// `script`) where what matters is what a terminal shows.
const TINY = ['--dataset', 'synthetic', '--limit', '64', '--test-limit', '32', '--epochs', '1'];
/** A whole id at the start of a line of the screen, as `trainyard submit --watch` prints it. */
const ID_LINE = new RegExp(`^(${WHOLE_EXPERIMENT_ID_SOURCE}) `, 'mi');
// eslint-disable-next-line no-control-regex
const plain = (text: string) => text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');

jest.setTimeout(180_000);

describe('trainyard queue tools (e2e)', () => {
  let h: Harness;
  let home: string;
  const env = (user: TestUser) => ({ ...process.env, TRAINYARD_API: h.api.url, TRAINYARD_TOKEN: TOKENS[user] });

  const trainyard = (user: TestUser, args: string[]) => runTrainyard(args, { timeout: 120_000, env: env(user), cwd: home });

  /**
   * `trainyard args` on a pseudo-terminal 60 columns wide. `until(screen)` is polled on the
   * output; when it holds, `then` runs (e.g. type Ctrl-C). Resolves with the exit code and the
   * screen's text once the process exits, or rejects after `withinMs`.
   */
  function onTerminal(user: TestUser, args: string[], steps: { until: (screen: string) => boolean; then: (typeCtrlC: () => void, screen: string) => void | Promise<void> }[], withinMs: number) {
    const quoted = [process.execPath, BIN, ...args].map((a) => `'${a}'`).join(' ');
    const child = spawn('script', ['-qec', `stty cols 60 rows 40; exec ${quoted}`, '/dev/null'], { env: env(user), cwd: home, stdio: ['pipe', 'pipe', 'pipe'] });
    let screen = '';
    let step = 0;
    const typeCtrlC = () => child.stdin.write('\x03');
    child.stdout.on('data', (d: Buffer) => {
      screen += d.toString();
      while (step < steps.length && steps[step].until(plain(screen))) void steps[step++].then(typeCtrlC, plain(screen));
    });
    return new Promise<{ code: number | null; screen: string }>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`trainyard ${args.join(' ')} still running after ${withinMs} ms; screen:\n${plain(screen)}`));
      }, withinMs);
      child.on('exit', (code) => {
        clearTimeout(timer);
        resolve({ code, screen: plain(screen) });
      });
    });
  }

  let stack: ApiWithWorker;
  beforeAll(async () => {
    stack = await startApiWithWorker('cli-tools-worker');
    ({ h } = stack);
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'trainyard-cli-tools-'));
  });

  afterAll(async () => {
    await stack?.close();
    if (home) fs.rmSync(home, { recursive: true, force: true });
  });

  // Cost before queueing, end to end: the worker measures a completed run's FLOP/s, and the next
  // submit of that model prints its estimate from it. First, while no run has completed yet.
  it('submit prints the estimate the workers measured: none before any run, then "about … (measured on <backend>)"', async () => {
    const throughput = new ThroughputStore(h.client, { prefix: h.config.queuePrefix });
    const measuredFc = async () => (await throughput.all()).find((m) => m.model === 'fc2layer');
    // Submitted while the queue is paused, and cancelled: measured or not, nothing trains.
    const submitQueued = async (args: string[]) => {
      await h.queue.pause();
      try {
        const res = await trainyard('bob', ['submit', '--preset', 'mnist-fc', ...TINY, ...args]);
        expect(res.code).toBe(0);
        expect((await trainyard('bob', ['cancel', res.stdout.match(/[0-9a-f-]{36}/)![0]])).code).toBe(0);
        return res.stdout;
      } finally {
        await h.queue.resume();
      }
    };
    expect(await throughput.all()).toEqual([]);
    expect(await submitQueued([])).toMatch(/^estimate: no worker has measured this yet \(so the class’s time limit was not applied\)$/m);

    // 200 steps at the preset's batch of 64: a shorter run is not measured (the worker's MIN_MEASURED_STEPS).
    expect((await trainyard('bob', ['submit', '--preset', 'mnist-fc', ...TINY, '--limit', '12800', '--watch'])).code).toBe(0);
    // Recorded by the worker just after it stores `completed`, which ends the watch.
    const measured = await until(measuredFc, 'the worker to record fc2layer’s throughput', 30_000);
    expect(measured).toMatchObject({ runs: 1, flopsPerSec: expect.any(Number) });
    const created = JSON.parse(await submitQueued(['--json'])) as ExperimentView;
    expect(created.estimate).toMatchObject({ basis: 'measured', backend: measured.backend, flopsPerSec: measured.flopsPerSec, runs: 1 });
    expect(await submitQueued([])).toMatch(new RegExp(`^estimate: about \\d+ (s|min) \\(measured on ${measured.backend}\\)$`, 'm'));
  });

  it('one Ctrl-C during `submit --watch` stops watching, exits 130 and says how to watch again; the run goes on', async () => {
    await h.queue.pause();
    let id = '';
    try {
      const res = await onTerminal(
        'alice',
        ['submit', '--preset', 'mnist-fc', ...TINY, '--watch'],
        // Ctrl-C once the live bar shows (its `|…|`), as a student would after seeing it.
        [{ until: (s) => ID_LINE.test(s) && /\|[░█]+\|/.test(s), then: (ctrlC) => ctrlC() }],
        30_000,
      );
      id = ID_LINE.exec(res.screen)![1];
      expect(res.code).toBe(130);
      expect(res.screen.replace(/\s+/g, ' ')).toContain(`the run goes on on the class servers. Follow it again with \`trainyard watch ${shortId(id)}\``);
      expect((await h.store.get(id))!.status).toBe('queued');
    } finally {
      await h.queue.resume();
    }
    // Watching again by its short id follows it to the end.
    const again = await trainyard('alice', ['watch', shortId(id)]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/test accuracy \d+\.\d+% \(\d+\/32\), 6442 params/);
  });

  it('a failed run’s reason is printed whole, wrapped to the terminal', async () => {
    await h.queue.pause();
    const reason = `Data set files missing: ${'/srv/trainyard/.trainyard/data/cifar10/cifar-10-batches-bin/'}data_batch_1.bin; ask your TA to install CIFAR-10 on this server`;
    try {
      const res = await onTerminal(
        'alice',
        ['submit', '--preset', 'mnist-cnn', ...TINY, '--watch'],
        [
          {
            until: (s) => ID_LINE.test(s),
            then: async (_ctrlC, screen) => void (await h.store.appendEvent(ID_LINE.exec(screen)![1], { type: 'failed', error: reason })),
          },
        ],
        30_000,
      );
      expect(res.code).toBe(1);
      const tail = res.screen.slice(res.screen.lastIndexOf('failed:') - 20);
      expect(tail.replace(/\s+/g, '')).toContain(reason.replace(/\s+/g, ''));
      for (const line of tail.split('\n')) expect(line.length).toBeLessThanOrEqual(60);
    } finally {
      await h.queue.resume();
    }
  });

  it('show, list and cancel take the short id; show is a summary (--json for scripts); another student learns nothing', async () => {
    const done = await trainyard('alice', ['submit', '--preset', 'mnist-cnn', ...TINY, '--watch']);
    expect(done.code).toBe(0);
    const id = done.stdout.split(/\s+/)[0];

    const shown = await trainyard('alice', ['show', shortId(id)]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/^status\s+completed/m);
    expect(shown.stdout).toMatch(/^model\s+cnn \(features 6, head fc\)/m);
    expect(shown.stdout).toMatch(/^data\s+synthetic, first 64 training images, first 32 test images/m);
    expect(shown.stdout).toMatch(/epoch\s+train loss\s+train acc\s+test loss\s+test acc/);
    expect(shown.stdout).toMatch(/^\s*1\/1\s+\d/m);
    expect(shown.stdout).toMatch(/^result\s+test accuracy \d+\.\d+% \(\d+\/32\)/m);
    expect(shown.stdout.split('\n').length).toBeLessThan(30);
    expect((JSON.parse((await trainyard('alice', ['show', shortId(id), '--json'])).stdout) as ExperimentView).id).toBe(id);

    const list = await trainyard('alice', ['list']);
    expect(list.stdout.split('\n')[0]).toMatch(/^ID\s+CREATED\s+STATUS\s+PROGRESS\s+RUN\s+DATA\s+RESULT$/);
    expect(list.stdout).toMatch(new RegExp(`^${shortId(id)}\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d\\s+completed\\s+1/1 100%\\s+CNN\\s+synthetic \\(64\\)\\s+\\d+\\.\\d+%`, 'm'));
    expect((JSON.parse((await trainyard('alice', ['list', '--json'])).stdout) as ExperimentView[]).map((e) => e.id)).toContain(id);
    // A TA sees the class: an OWNER column, and filters.
    const ta = await trainyard('admin', ['list', '--owner', 'alice', '--status', 'completed', '--model', 'cnn']);
    expect(ta.stdout.split('\n')[0]).toMatch(/^ID\s+OWNER\s+CREATED\s+STATUS/);
    expect(ta.stdout).toMatch(new RegExp(`^${shortId(id)}\\s+alice\\s+`, 'm'));
    expect(ta.stdout.trim().split('\n').slice(1).every((l) => /\salice\s.*\scompleted\s.*\sCNN/.test(l))).toBe(true);
    expect((await trainyard('admin', ['list', '--owner', 'nobody'])).stdout).toMatch(/^none of the \d+ experiment\(s\) you can see match these filters$/m);

    // Bob is told nothing of alice's run: her prefix matches none of his, and her whole id answers
    // as an id that does not exist.
    const bobPrefix = await trainyard('bob', ['show', shortId(id)]);
    expect(bobPrefix.code).not.toBe(0);
    expect(bobPrefix.stderr).toBe(`trainyard: no experiment of yours has an id starting with "${shortId(id)}" (see \`trainyard list\`)\n`);
    const bobWhole = await trainyard('bob', ['show', id]);
    expect(bobWhole.stderr).toBe(`trainyard: Experiment ${id} not found\n`);

    await h.queue.pause();
    try {
      const queued = JSON.parse((await trainyard('alice', ['submit', '--preset', 'mnist-fc', ...TINY, '--json'])).stdout) as ExperimentView;
      expect(await trainyard('alice', ['cancel', shortId(queued.id)])).toMatchObject({ code: 0, stdout: `${queued.id}: cancelled\n` });
      const noModel = await trainyard('alice', ['download', shortId(queued.id)]);
      expect(noModel.code).toBe(1);
      expect(noModel.stderr).toContain(`${shortId(queued.id)} is cancelled: only a completed run has a trained model to download`);
    } finally {
      await h.queue.resume();
    }

    const out = path.join(home, 'model-out');
    const dl = await trainyard('alice', ['download', shortId(id), '--out', out]);
    expect(dl.code).toBe(0);
    const manifest = JSON.parse(fs.readFileSync(path.join(out, 'model.json'), 'utf8')) as { weightsManifest: { paths: string[] }[] };
    const files = manifest.weightsManifest.flatMap((g) => g.paths);
    expect(files.length).toBeGreaterThan(0);
    // 6,422 float32 parameters.
    expect(files.reduce((n, f) => n + fs.statSync(path.join(out, f)).size, 0)).toBe(6422 * 4);
  });

  it('refuses flags a queued run cannot honour, naming them; nothing is queued', async () => {
    const before = await h.queue.count();
    for (const [flag, value] of [['--backend', 'cpu'], ['--data-dir', '/tmp'], ['--no-download']] as const) {
      const res = await trainyard('alice', ['submit', '--preset', 'mnist-cnn', ...TINY, flag, ...(value ? [value] : [])]);
      expect(res.code).not.toBe(0);
      expect(res.stderr).toContain(`${flag}: settings of the workers that train queued runs`);
    }
    expect(await h.queue.count()).toBe(before);
  });

  it('variants from flags and from --spec map onto the one spec schema, with its messages for bad values', async () => {
    const variant = await trainyard('alice', [
      'submit', '--preset', 'mnist-cnn', ...TINY, '--no-shuffle', '--no-normalize', '--head', 'conv1x1', '--lr', '0.05', '--batch-size', '32', '--optimizer', 'sgd', '--json',
    ]);
    expect(variant.code).toBe(0);
    const spec = (await h.store.get((JSON.parse(variant.stdout) as ExperimentView).id))!.spec;
    expect(spec).toMatchObject({ shuffle: false, batchSize: 32, model: { type: 'cnn', head: 'conv1x1' }, optimizer: { type: 'sgd', lr: 0.05, momentum: 0.5 } });
    expect(spec.transforms.normalize).toBeUndefined();

    const file = path.join(home, 'spec.json');
    fs.writeFileSync(file, JSON.stringify({ dataset: 'synthetic', model: { type: 'fc2layer' }, optimizer: { type: 'adam', lr: 0.001 }, epochs: 1, batchSize: 16, testBatchSize: 32, limit: 64, testLimit: 32, transforms: { normalize: { mean: [0.5], std: [0.5] } } }));
    const fromFile = await trainyard('alice', ['submit', '--spec', file, '--lr', '0.002', '--no-normalize', '--json']);
    expect(fromFile.code).toBe(0);
    const fileSpec = (await h.store.get((JSON.parse(fromFile.stdout) as ExperimentView).id))!.spec;
    expect(fileSpec).toMatchObject({ model: { type: 'fc2layer', hidden: 8 }, optimizer: { type: 'adam', lr: 0.002 }, batchSize: 16 });
    expect(fileSpec.transforms.normalize).toBeUndefined();

    const before = await h.queue.count();
    for (const [args, field] of [
      [['--lr', '0'], /optimizer\.lr: Too small/],
      [['--head', 'wide'], /model\.head: Invalid option/],
      [['--optimizer', 'adam'], /optimizer\.lr: missing: a change of optimizer needs its own learning rate/],
      [['--batch-size', '0'], /batchSize: Too small/],
    ] as const) {
      const bad = await trainyard('alice', ['submit', '--preset', 'mnist-cnn', ...TINY, ...args]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(field);
    }
    expect((await trainyard('alice', ['submit', '--preset', 'mnist-fc', '--head', 'conv1x1'])).stderr).toMatch(/model\.head: not a setting of the fc2layer model/);
    expect(await h.queue.count()).toBe(before);
    await Promise.all((await h.store.list({ owner: 'alice' })).filter((e) => e.status === 'queued' || e.status === 'running').map((e) => waitForStatus(h.store, e.id, 'completed', 120_000)));
  });
});