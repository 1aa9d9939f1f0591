import { formatTrainingBench, type TrainingBenchResult } from './training-bench-format';

const machine = { date: '2026-12-01T06:00:00.000Z', cpus: 2, cpuModel: 'AMD EPYC', memoryGiB: 24, node: 'v20.20.2', loadavg: [1.2, 1.1, 1] };
const run = (samplesPerSec: number, threads?: number) => ({ requestedThreads: threads ?? 2, threads, samples: 640, epochs: 1, samplesPerSec, wholeRunSamplesPerSec: samplesPerSec, seconds: 1 });

function result(overrides: Partial<TrainingBenchResult> = {}): TrainingBenchResult {
  return {
    before: machine,
    loadavgAfter: [1.5, 1.2, 1],
    threads: 2,
    primary: 'wasm',
    backends: [{ backend: 'wasm', reason: 'wasm with Trainyard kernels' }],
    pytorch: { torch: '1.13.0', threads: [1, 2] },
    rows: [
      {
        model: 'cnn',
        batch: 64,
        tfjs: { wasm: { steps: 5, medianMs: 12.8, imgPerSec: 5000 } },
        train: { one: run(4600, 1), all: run(8000, 2) },
        profile: { steps: 5, dataMs: 0.5, forwardMs: 3, backwardMs: 7.25, optimizerMs: 1, totalMs: 11.75 },
        pytorch: { one: { steps: 5, medianMs: 5, imgPerSec: 12800 }, all: { steps: 5, medianMs: 4, imgPerSec: 16000 } },
      },
      {
        model: 'vgg16',
        batch: 128,
        tfjs: { wasm: { steps: 3, medianMs: 6400, imgPerSec: 20 } },
        train: { one: run(19), all: run(21) },
        profile: { failed: 'out of memory' },
        pytorch: { one: { steps: 3, medianMs: 1280, imgPerSec: 100 }, all: { steps: 3, medianMs: 800, imgPerSec: 160 } },
      },
    ],
    queueOverhead: queueOverhead([
      [8000, 8168],
      [8000, 7760],
      [7900, 7821],
    ]),
    ...overrides,
  };
}

/** A queue-overhead result from [bare, queued] samples/s per round, summarised as summarizeQueueRounds would (odd counts); each test's comment works its figures out by hand. */
function queueOverhead(pairs: [number, number][], threads: (number | undefined)[] = [2, 2]) {
  const fractions = pairs.map(([bare, queued]) => queued / bare);
  const sorted = [...fractions].sort((a, b) => a - b);
  const mid = (xs: number[]) => [...xs].sort((a, b) => a - b)[(xs.length - 1) / 2];
  return {
    model: 'cnn' as const,
    backend: 'wasm' as const,
    limit: 50048,
    epochs: 2,
    requestedThreads: 2,
    rounds: pairs.map(([bare, queued], i) => ({
      order: (i % 2 ? ['queued', 'bare'] : ['bare', 'queued']) as ['queued', 'bare'] | ['bare', 'queued'],
      bare: { samplesPerSec: bare, seconds: 13, threads: threads[0] },
      queued: { samplesPerSec: queued, seconds: 13, threads: threads[1] },
      fraction: queued / bare,
    })),
    // Odd counts only here: the middle value.
    fraction: { median: mid(fractions), min: sorted[0], max: sorted.at(-1)! },
    samplesPerSec: { bare: mid(pairs.map((p) => p[0])), queued: mid(pairs.map((p) => p[1])) },
  };
}

const line = (text: string, start: string) => text.split('\n').find((l) => l.startsWith(start));
// The profile table comes after the throughput table, whose rows start alike.
const lastLine = (text: string, start: string) => text.split('\n').filter((l) => l.startsWith(start)).at(-1);

describe('formatTrainingBench', () => {
  it('prints img/s with 1 thread and with every thread, TF.js and PyTorch, and the threads each trainer used', () => {
    const text = formatTrainingBench(result());
    expect(line(text, '| model ')).toMatch(
      /\| TF\.js wasm step, 1 thread \| TF\.js wasm train, 1 thread \| TF\.js wasm train, 2 threads \| +threads used \| PyTorch step, 1 thread \| PyTorch step, 2 threads \|$/,
    );
    expect(line(text, '| cnn ')).toMatch(/\| +5,000 \| +4,600 \| +8,000 \| +2 \| +12,800 \| +16,000 \|$/);
    // The trainer did not report its threads: the count asked for is not passed off as the one used.
    expect(line(text, '| vgg16 ')).toMatch(/\| +20\.0 \| +19\.0 \| +21\.0 \| +not reported \(2 asked\) \| +100 \| +160 \|$/);
  });

  it('gives TF.js ÷ PyTorch per thread count and judges the all-threads ratio against the goal', () => {
    const text = formatTrainingBench(result());
    expect(line(text, '| model (batch) ')).toBe('| model (batch) | TF.js ÷ PyTorch, 1 thread | TF.js ÷ PyTorch, 2 threads | goal (2 threads) |');
    expect(line(text, '| cnn (64) ')).toBe('| cnn (64)      |                     0.39× |                      0.50× | ≥ 0.5×: met      |');
    expect(line(text, '| vgg16 (128) ')).toBe('| vgg16 (128)   |                     0.20× |                      0.13× | ≥ 0.25×: not met |');
  });

  it('breaks a step down into data, forward, backward and optimizer, in ms, beside the step itself', () => {
    const text = formatTrainingBench(result());
    expect(line(text, '| model | batch | data ')).toMatch(/\| data \| forward \| backward \| optimizer \| +sum \| step \|$/);
    expect(lastLine(text, '| cnn   |')).toMatch(/\| +0\.50 \| +3\.00 \| +7\.25 \| +1\.00 \| +11\.8 \| +12\.8 \|$/);
    expect(text).toContain('- profile vgg16: failed: out of memory');
  });

  it('reports every interleaved pair, in the order it ran, and judges only their median against 98%', () => {
    const text = formatTrainingBench(result());
    expect(text).toContain('Queue overhead: cnn, 2 × 50,048 synthetic samples, bare (trainExperiment in a child process) and inside a worker on the queue (TF.js wasm), in 3 interleaved pairs; the goal is judged on the median:');
    expect(line(text, '| round ')).toMatch(/^\| round +\| order +\| threads used \(bare \/ queued\) \| bare samples\/s \| queued samples\/s \| queued ÷ bare +\| goal +\|$/);
    // One row per round; a single round's fraction is not judged (97.0% here would read "not met").
    expect(line(text, '| 1 ')).toMatch(/^\| 1 +\| bare → queued \| +2 \/ 2 \| +8,000 \| +8,168 \| 102\.1% +\| +\|$/);
    expect(line(text, '| 2 ')).toMatch(/^\| 2 +\| queued → bare \| +2 \/ 2 \| +8,000 \| +7,760 \| 97\.0% +\| +\|$/);
    expect(line(text, '| 3 ')).toMatch(/^\| 3 +\| bare → queued \| +2 \/ 2 \| +7,900 \| +7,821 \| 99\.0% +\| +\|$/);
    // The median of 102.1%, 97.0%, 99.0% is 99.0%, with the spread beside it; each side's own median.
    expect(line(text, '| median of 3 ')).toMatch(/^\| median of 3 \| +\| +\| +8,000 \| +7,821 \| 99\.0% \(97\.0%–102\.1%\) \| ≥ 98%: met +\|$/);
  });

  it('judges the median, not the best round: one pair above 98% does not meet the goal', () => {
    // 99.0%, 97.0%, 96.5% → median 97.0%.
    const text = formatTrainingBench(result({ queueOverhead: queueOverhead([[8000, 7920], [8000, 7760], [8000, 7720]]) }));
    expect(line(text, '| median of 3 ')).toMatch(/\| 97\.0% \(96\.5%–99\.0%\) \| ≥ 98%: not met \|$/);
  });

  it("says when a run's trainer did not report its threads, rather than passing the count asked for off as used", () => {
    const text = formatTrainingBench(result({ queueOverhead: queueOverhead([[8000, 7920]], [2, undefined]) }));
    expect(line(text, '| 1 ')).toMatch(/\| +2 \/ not reported \(2 asked\) \|/);
    expect(text).toContain('in 1 interleaved pair; the goal');
  });

  it('says why a section is missing rather than printing an empty one', () => {
    const text = formatTrainingBench(result({ pytorch: { unavailable: '/usr/bin/python3 has no torch' }, queueOverhead: { skipped: 'not asked for (--no-queue-overhead)' } }));
    expect(text).toContain('- PyTorch: /usr/bin/python3 has no torch');
    expect(text).toContain('- queue overhead: not asked for (--no-queue-overhead)');
    expect(text).not.toContain('TF.js ÷ PyTorch, 1 thread');
    expect(text).not.toContain('queued ÷ bare');
  });

  it('ends with the machine and its load average before and after', () => {
    expect(formatTrainingBench(result()).split('\n').at(-1)).toBe(
      '- machine: 2 × AMD EPYC, 24 GiB, Node v20.20.2; load average 1.2 1.1 1; load average after: 1.5 1.2 1',
    );
  });
});
