import type { ExperimentEvent, TrainingResult } from '@trainyard/contracts';
import { foldEvents } from './run-state';

let seq = 0;
const at = '2026-01-01T00:00:00Z';
const ev = (body: Record<string, unknown>) => ({ id: 'r', seq: ++seq, at, ...body }) as ExperimentEvent;
const progress = (epoch: number, batch: number, loss: number, batchAccuracy = 0.5, runningAccuracy = 0.5) =>
  ev({ type: 'progress', epoch, epochs: 2, batch, batches: 4, loss, batchAccuracy, runningAccuracy, samplesPerSec: 100 });
const started = () => ev({ type: 'started', backend: 'cpu', worker: 'w1', params: 6422, trainSamples: 256, testSamples: 128, epochs: 2, batches: 4 });

describe('foldEvents', () => {
  beforeEach(() => (seq = 0));

  it('follows a run from queued to completed, with curves per batch and per epoch', () => {
    const result = { testAccuracy: 0.9, backend: 'cpu', params: 6422 } as TrainingResult;
    const events = [
      ev({ type: 'queued', position: 3 }),
      started(),
      progress(1, 2, 2.0),
      progress(1, 4, 1.5),
      ev({ type: 'epoch', epochs: 2, epoch: 1, trainLoss: 1.6, trainAccuracy: 0.4, testLoss: 1.4, testAccuracy: 0.6, seconds: 1, samplesPerSec: 100 }),
      progress(2, 2, 1.0),
    ];
    const running = foldEvents(events);
    expect(running.status).toBe('running');
    expect(running.position).toBeUndefined();
    expect(running.progress).toMatchObject({ epoch: 2, batch: 2, loss: 1.0, fraction: 6 / 8 });
    expect(running.curves.batchLoss).toEqual({ x: [0.5, 1, 1.5], y: [2.0, 1.5, 1.0] });
    expect(running.curves.testAccuracy).toEqual({ x: [1], y: [0.6] });

    const done = foldEvents([...events, ev({ type: 'completed', result })]);
    expect(done).toMatchObject({ status: 'completed', result, backend: 'cpu', params: 6422, count: 7, lastSeq: 7 });
    expect(done.progress?.fraction).toBe(1);
  });

  // The data set warning lives only in the `started` event; the run page shows it, and judges the
  // run on the counts that event carries until a result replaces them.
  it("keeps the started event's data set warnings and the counts it loaded", () => {
    const warning = 'This server\'s MNIST is not the canonical set: 2,000 train / 500 test';
    const state = foldEvents([ev({ type: 'started', backend: 'cpu', params: 6422, trainSamples: 2000, testSamples: 500, epochs: 1, batches: 32, warnings: [warning] })]);
    expect(state).toMatchObject({ warnings: [warning], loaded: { trainSamples: 2000, testSamples: 500 } });
    expect(foldEvents([started()]).warnings).toBeUndefined();
  });

  it("plots the batch's own accuracy and the epoch's running mean as two curves", () => {
    const state = foldEvents([started(), progress(1, 2, 2.0, 0.25, 0.3), progress(1, 4, 1.5, 0.75, 0.5), progress(2, 2, 1.0, 0.5, 0.8)]);
    expect(state.curves.batchAccuracy).toEqual({ x: [0.5, 1, 1.5], y: [0.25, 0.75, 0.5] });
    expect(state.curves.runningAccuracy).toEqual({ x: [0.5, 1, 1.5], y: [0.3, 0.5, 0.8] });
    expect(state.progress).toMatchObject({ batchAccuracy: 0.5, runningAccuracy: 0.8 });
  });

  it("reads a stored event's old `accuracy` as what it was, the running mean, with no batch accuracy", () => {
    const legacy = ev({ type: 'progress', epoch: 1, epochs: 1, batch: 2, batches: 4, loss: 1, accuracy: 0.6, samplesPerSec: 10 });
    const state = foldEvents([started(), legacy]);
    expect(state.curves.runningAccuracy).toEqual({ x: [0.5], y: [0.6] });
    expect(state.curves.batchAccuracy).toEqual({ x: [], y: [] });
  });

  it('keeps the queue position while queued', () => {
    expect(foldEvents([ev({ type: 'queued', position: 2 })])).toMatchObject({ status: 'queued', position: 2 });
  });

  it('continues the curves when a run resumes on another worker: the history holds each batch once', () => {
    // What the store keeps of a run whose worker died after batch 2: the new worker resumed from
    // the checkpoint, and only what comes after batch 2 was added.
    const state = foldEvents([
      started(),
      progress(1, 1, 2),
      progress(1, 2, 1.8),
      started(),
      ev({ type: 'resumed', fromEpoch: 1, fromBatch: 1 }),
      progress(1, 3, 1.6),
    ]);
    expect(state.curves.batchLoss).toEqual({ x: [0.25, 0.5, 0.75], y: [2, 1.8, 1.6] });
    expect(state).toMatchObject({ status: 'running', progress: { epoch: 1, batch: 3 } });
  });

  it('reports failures and cancellations with their reason', () => {
    expect(foldEvents([started(), ev({ type: 'failed', error: 'boom' })])).toMatchObject({ status: 'failed', error: 'boom' });
    expect(foldEvents([ev({ type: 'cancelled', reason: 'cancelled by alice' })])).toMatchObject({ status: 'cancelled', error: 'cancelled by alice' });
  });
});
