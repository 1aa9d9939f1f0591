import { presetSpec, type ExperimentEvent, type ExperimentView } from '@trainyard/contracts';
import { formatExperiment } from './experiment-summary';
import { terminalWidth } from './wrap-text';

// `trainyard show`: what the API's answer holds is what is printed, readable and whole.
const warning =
  "This server's CIFAR-10 is not the canonical set: 10,000 train / 10,000 test images instead of 50,000 / 10,000, so results are not comparable with the published ones.";
const at = '2026-12-01T03:00:00.000Z';
const started = (seq: number, warnings?: string[]): ExperimentEvent =>
  ({ id: 'r1', seq, at, type: 'started', backend: 'cpu', params: 6422, trainSamples: 10_000, testSamples: 10_000, epochs: 1, batches: 157, ...(warnings ? { warnings } : {}) }) as ExperimentEvent;
const run = (extra: Partial<ExperimentView> = {}): ExperimentView => ({
  id: '04b07343-0000-4000-8000-000000000000',
  owner: 'alice',
  spec: presetSpec('cifar10-cnn', { epochs: 1 }),
  status: 'running',
  createdAt: at,
  lastSeq: 2,
  ...extra,
});
/** The text with its wrapping undone, so a check does not depend on where lines break. */
const unwrapped = (text: string) => text.replace(/\n {10}/g, ' ');

describe('trainyard show', () => {
  it("lists the data set's warning from the started event, once though every attempt sent it, wrapped to the width", () => {
    const events = [{ id: 'r1', seq: 1, at, type: 'queued', position: 1 } as ExperimentEvent, started(2, [warning]), { id: 'r1', seq: 3, at, type: 'queued', position: 1 } as ExperimentEvent, started(4, [warning])];
    const text = formatExperiment(run(), events, 80);
    expect(unwrapped(text).split('\n').filter((l) => l.includes('not the canonical set'))).toEqual([`warning   ${warning}`]);
    for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
  });

  it('names the threads a run trains on, from its latest started event', () => {
    const onWorker = run({ worker: 'w1', backend: 'wasm' } as Partial<ExperimentView>);
    const threads = (n: number, seq = 1) => ({ ...started(seq), backend: 'wasm', threads: n }) as ExperimentEvent;
    expect(unwrapped(formatExperiment(onWorker, [threads(2)], 80))).toMatch(/^worker {4}w1, backend wasm, 2 threads$/m);
    // A retry on a worker with another TRAIN_THREADS: the latest attempt counts.
    expect(unwrapped(formatExperiment(onWorker, [threads(2), threads(1, 2)], 80))).toMatch(/^worker {4}w1, backend wasm, 1 thread$/m);
    // Runs of earlier versions say nothing of threads, and show nothing.
    expect(unwrapped(formatExperiment(onWorker, [started(1)], 80))).toMatch(/^worker {4}w1, backend wasm$/m);
  });

  it('shows no warning line for a canonical set', () => {
    expect(formatExperiment(run(), [started(1)], 80)).not.toMatch(/warning/);
  });

  it("prints the TA's note when the answer has one (the API sends it to admins only), and nothing of it otherwise", () => {
    const note = 'CIFAR-10: /srv/data/cifar-10-batches-bin lacks data_batch_1.bin. To install it, run `trainyard data fetch cifar10 --data-dir /srv/data`.';
    const failed = { status: 'failed' as const, error: 'CIFAR-10 is not installed on this server; ask your TA' };
    const forTa = unwrapped(formatExperiment(run({ ...failed, adminNote: note }), [], 80));
    expect(forTa).toContain(`failed    ${failed.error}`);
    expect(forTa).toContain(`TA note   ${note}`);
    expect(formatExperiment(run(failed), [], 80)).not.toMatch(/TA note/);
  });

  const completed = () =>
    run({
      status: 'completed',
      spec: presetSpec('mnist-cnn-permuted', { seed: 0 }),
      result: { model: 'cnn', params: 6422, testAccuracy: 0.9396, testLoss: 0.203, correct: 1883, testSamples: 2004, trainSamples: 7996, perClassAccuracy: [], confusionMatrix: [], samplesPerSec: 4231, backend: 'wasm', seconds: 13.9, epochs: [] },
    });

  it('does not wrap at all when not printing to a terminal (a pipe or a file gets one line per field)', () => {
    const text = formatExperiment(completed(), [], terminalWidth({ isTTY: false }));
    expect(text).not.toMatch(/\n {10}/);
    expect(text).toMatch(/^training  .*, seed 0$/m);
    expect(text).toMatch(/^result    .*, 13\.9 s$/m);
  });

  it('on a narrow terminal breaks a field between its items only, never inside one (`seed` / `0`, `13.9` / `s`)', () => {
    for (const width of [60, 70, 80, 100]) {
      const text = formatExperiment(completed(), [], width);
      // The first line is the run's name and whole id, which are not wrapped.
      const lines = text.split('\n').slice(1);
      for (const line of lines) expect(line.length).toBeLessThanOrEqual(width);
      // Every line a field continues on ends with its item separator.
      lines.forEach((line, i) => {
        if (lines[i + 1]?.startsWith(' '.repeat(10)) && /^(\S+ {2,}| {10})/.test(line) && !/^(failed|TA note|warning)/.test(line)) expect(line).toMatch(/,$/);
      });
      expect(unwrapped(text)).toContain('seed 0');
      expect(unwrapped(text)).toContain('13.9 s');
    }
  });
});

