import { attemptsTrainingMs } from './attempt-time';
import type { ExperimentEvent, ExperimentEventBody } from './experiment-events';

const T0 = Date.parse('2026-12-01T10:00:00.000Z');
let seq = 0;
const at = (seconds: number, body: ExperimentEventBody): ExperimentEvent =>
  ({ id: 'run', seq: ++seq, at: new Date(T0 + seconds * 1000).toISOString(), ...body }) as ExperimentEvent;
const started = { type: 'started', backend: 'wasm', params: 1, trainSamples: 1, testSamples: 1, epochs: 2, batches: 10 } as const;
const progress = (batch: number) => ({ type: 'progress', epoch: 1, epochs: 2, batch, batches: 10, loss: 1, batchAccuracy: 0.5, runningAccuracy: 0.5, samplesPerSec: 1 }) as const;

describe('attemptsTrainingMs', () => {
  it('is 0 before any attempt started', () => {
    expect(attemptsTrainingMs([at(0, { type: 'queued', position: 1 })])).toBe(0);
  });

  it("adds each attempt's span from its started to its last training event, not the time queued between them", () => {
    const events = [
      at(0, { type: 'queued', position: 1 }),
      // Attempt 1: killed (kill -9) after its progress event at 26 s; nothing more from it.
      at(5, started),
      at(31, progress(7)),
      // Attempt 2, a minute later in the queue: resumed, trained 12 s, handed back on SIGTERM.
      at(100, started),
      at(100.5, { type: 'resumed', fromEpoch: 1, fromBatch: 0, trainedSeconds: 0 }),
      at(112, progress(8)),
      at(113, { type: 'queued', position: 1 }),
      // Attempt 3, still running: 4 s so far.
      at(200, started),
      at(204, progress(9)),
    ];
    expect(attemptsTrainingMs(events)).toBe(26_000 + 12_000 + 4_000);
  });

  it('counts an attempt that stopped before any progress as nothing, and an epoch event as training', () => {
    expect(attemptsTrainingMs([at(0, started), at(50, started), at(70, { type: 'epoch', epochs: 2, epoch: 1, trainLoss: 1, trainAccuracy: 0.5, testLoss: 1, testAccuracy: 0.5, seconds: 20, samplesPerSec: 1 })])).toBe(20_000);
  });
});
