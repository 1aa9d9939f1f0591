import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { idxImages, idxLabels } from '../libs/training/src/data/__tests__/fixtures';
import { runTrainyard } from './support/trainyard-cli';

// What the built `trainyard` prints when a user gets something wrong, or trains locally: one clear
// line per mistake, in the words the README uses, and nothing printed twice or by TF.js. No API is
// needed: every spec is checked before anything is sent.

// An address where no API listens: a command that reached it would fail with "cannot reach".
const env = { ...process.env, TRAINYARD_API: 'http://127.0.0.1:9', TRAINYARD_TOKEN: 'ty_not_used' };

const trainyard = (args: string[], cwd = os.tmpdir()) => runTrainyard(args, { timeout: 150_000, env, cwd });

jest.setTimeout(240_000);

describe('trainyard messages (e2e)', () => {
  it.each([
    [['--batch-size', '1.5'], `trainyard: option '--batch-size <n>' argument '1.5' is invalid. expected a whole number, got "1.5"`],
    [['--lr', 'abc'], `trainyard: option '--lr <x>' argument 'abc' is invalid. expected a number, got "abc"`],
  ])('a value of the wrong kind (%j) gets one line, not the whole help, and exit 2', async (args, line) => {
    const res = await trainyard(['submit', '--preset', 'mnist-fc', ...args]);
    expect(res.stderr).toBe(`${line}\n`);
    expect(res.code).toBe(2);
  });

  it('an unknown command or option is one line too, with exit 1 as commander gives', async () => {
    const res = await trainyard(['submit', '--presett', 'mnist-fc']);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(res.stderr).toMatch(/^trainyard: unknown option '--presett'/);
    expect(res.code).toBe(1);
  });

  it('a change of optimizer without --lr says it needs one', async () => {
    const res = await trainyard(['submit', '--preset', 'mnist-cnn', '--optimizer', 'adam']);
    expect(res.stderr).toBe('trainyard: Invalid experiment: optimizer.lr: missing: a change of optimizer needs its own learning rate (lr; --lr in the CLI)\n');
    expect(res.code).toBe(2);
  });

  it('--head on the FC net says the FC net has no head to choose', async () => {
    const res = await trainyard(['submit', '--preset', 'mnist-fc', '--head', 'conv1x1']);
    expect(res.stderr).toBe('trainyard: Invalid experiment: model.head: not a setting of the fc2layer model (only cnn and vgg16 have a head)\n');
    expect(res.code).toBe(2);
  });

  it('`models` prints its table and nothing on stderr (no TF.js "Hi, looks like you are running" banner)', async () => {
    const res = await trainyard(['models']);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^cnn\s+6,422$/m);
    expect(res.stderr).toBe('');
  });

  it('local `train` on a set that is not the canonical one prints its warning once', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trainyard-cli-messages-'));
    try {
      // 40 train / 20 test digits in MNIST's IDX format: a subset, so not canonical.
      const labels = (n: number) => Array.from({ length: n }, (_, i) => i % 10);
      const pixel = (i: number, p: number) => ((i % 10) * 25 + p) % 256;
      fs.mkdirSync(path.join(dir, 'mnist'));
      fs.writeFileSync(path.join(dir, 'mnist', 'train-images-idx3-ubyte'), idxImages(40, 28, 28, pixel));
      fs.writeFileSync(path.join(dir, 'mnist', 'train-labels-idx1-ubyte'), idxLabels(labels(40)));
      fs.writeFileSync(path.join(dir, 'mnist', 't10k-images-idx3-ubyte'), idxImages(20, 28, 28, pixel));
      fs.writeFileSync(path.join(dir, 'mnist', 't10k-labels-idx1-ubyte'), idxLabels(labels(20)));
      const res = await trainyard(['train', '--preset', 'mnist-fc', '--dataset', 'mnist', '--data-dir', dir, '--epochs', '1', '--backend', 'cpu', '--no-download'], dir);
      expect(res.code).toBe(0);
      expect(res.stderr.match(/not the canonical set/g)).toHaveLength(1);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
