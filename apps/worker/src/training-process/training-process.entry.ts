// The training process: forked by ForkedTrainer for one job (or one backend probe), it loads
// TF.js, runs libs/training and reports back over IPC, then exits. Its own process, so that
// - a long synchronous stretch of TF.js (a step, a test batch, parsing data, saving a model)
//   never blocks the worker's event loop, which renews BullMQ's job locks and hears cancels;
// - a broken backend (wasm "memory access out of bounds", out of memory, a native crash) dies
//   with its job and cannot poison the next one.
import * as tf from '@tensorflow/tfjs';
import type { BackendChoice, TrainingEvent } from '@trainyard/contracts';
import type { Trainer } from '../trainer.port';
import { reviveError, serializeError, type FromTrainingProcess, type ToTrainingProcess } from './training-process.protocol';

// The worker is gone (killed outright, or closed the channel): nothing can use our results.
process.on('disconnect', () => process.exit(0));

const send = (message: FromTrainingProcess) =>
  new Promise<void>((resolve, reject) => process.send!(message, undefined, {}, (err) => (err ? reject(err) : resolve())));

const loadTrainer = (trainerModule: string | undefined): Trainer =>
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require(trainerModule ?? '@trainyard/training') as Trainer;

const log = (message: string) => void send({ type: 'log', message }).catch(() => undefined);

/** A tiny real computation: the backend can still compute, not merely load. */
async function probe(trainer: Trainer, backend: BackendChoice) {
  const selection = await trainer.initBackend(backend, log);
  const product = tf.tidy(() => tf.matMul(tf.tensor2d([1, 2, 3, 4], [2, 2]), tf.tensor2d([5, 6], [2, 1])));
  const values = Array.from(await product.data());
  product.dispose();
  if (values[0] !== 17 || values[1] !== 39) throw new Error(`backend ${selection.backend} computed [1 2; 3 4]·[5; 6] = [${values.join(', ')}], not [17, 39]`);
  return selection;
}

async function run(request: ToTrainingProcess): Promise<FromTrainingProcess> {
  if (request.type === 'probe') return { type: 'probe-result', selection: await probe(loadTrainer(request.trainerModule), request.backend) };
  if (request.type !== 'train') throw new Error(`training process: unexpected first message ${request.type}`);
  const trainer = loadTrainer(request.trainerModule);
  await trainer.initBackend(request.backend, log);

  const abort = new AbortController();
  // Events wait for the worker's acknowledgement (it stored them), as the trainer awaits onEvent
  // in-process: a slow store slows training rather than losing events.
  const pending = new Map<number, { resolve: () => void; reject: (err: Error) => void }>();
  let n = 0;
  process.on('message', (message: ToTrainingProcess) => {
    if (message.type === 'abort') abort.abort(message.reason);
    if (message.type === 'event-ack') {
      const waiter = pending.get(message.n);
      pending.delete(message.n);
      if (message.error) waiter?.reject(reviveError(message.error));
      else waiter?.resolve();
    }
  });
  const onEvent = (event: TrainingEvent) =>
    new Promise<void>((resolve, reject) => {
      const id = ++n;
      pending.set(id, { resolve, reject });
      send({ type: 'event', n: id, event }).catch(reject);
    });
  const result = await trainer.trainExperiment(request.spec, { ...request.options, signal: abort.signal, onEvent, log });
  return { type: 'result', result };
}

process.once('message', (request: ToTrainingProcess) => {
  run(request)
    .catch((err: unknown): FromTrainingProcess => ({ type: 'error', error: serializeError(err) }))
    .then(send)
    // Exit once the answer is sent: no TF.js state outlives the job.
    .then(() => process.exit(0), () => process.exit(1));
});
