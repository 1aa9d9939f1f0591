import { availableCores, threadOversubscription, type AppConfig } from '@trainyard/config';
import { FILE_DATASETS, type BackendChoice, type ExperimentEventBody, type ExperimentSpec, type FileDatasetName, type TrainingResult } from '@trainyard/contracts';
import { DATA_PARALLEL_BACKENDS, datasetStatus, initBackend, trainExperiment, type BackendSelection } from '@trainyard/training';
import { TrainingInterruptedError } from './interrupted';

let selection: BackendSelection | undefined;

/** Picks the backend once per process and says which one and why on stderr. */
export async function ensureBackend(choice: BackendChoice, quiet = false): Promise<BackendSelection> {
  selection ??= await initBackend(choice, quiet ? undefined : (msg: string) => void process.stderr.write(`${msg}\n`));
  return selection;
}

/** Whether this process has checked TRAIN_THREADS against its cores (once: `report --local` trains several runs). */
let threadsChecked = false;

/**
 * Warns on stderr (never stdout, which --json keeps for events) when TRAIN_THREADS is more than
 * the cores, by the worker's rule (threadOversubscription, one run at a time); only on a backend
 * that trains on TRAIN_THREADS threads (the native ones ignore it).
 */
function warnIfOversubscribed(backend: string, threads: number): void {
  if (threadsChecked || !DATA_PARALLEL_BACKENDS.includes(backend)) return;
  threadsChecked = true;
  const warning = threadOversubscription(1, threads, availableCores());
  if (warning) process.stderr.write(`warning: ${warning}\n`);
}

/**
 * Trains a spec in this process, with Ctrl-C (or SIGTERM) cancelling between batches; `onEvent`
 * gets every event, ending with `completed`. Throws TrainingInterruptedError once a signal stopped
 * it (main.ts exits 130 / 143), or what training threw.
 */
export async function trainLocally(
  spec: ExperimentSpec,
  config: AppConfig,
  backend: BackendChoice,
  onEvent: (e: ExperimentEventBody) => void,
  opts: { quiet?: boolean; saveTo?: string; download?: boolean } = {},
): Promise<TrainingResult> {
  const sel = await ensureBackend(backend, opts.quiet);
  warnIfOversubscribed(sel.backend, config.trainThreads);
  const controller = new AbortController();
  let interruptedBy: NodeJS.Signals | undefined;
  const onSigint = (signal: NodeJS.Signals) => {
    interruptedBy = signal;
    controller.abort(new Error('interrupted'));
  };
  process.once('SIGINT', onSigint);
  process.once('SIGTERM', onSigint);
  try {
    const result = await trainExperiment(spec, {
      dataDir: config.dataDir,
      download: opts.download,
      signal: controller.signal,
      backend: sel.backend,
      // As a worker trains: data-parallel on TRAIN_THREADS (the cores, by default) on wasm/cpu.
      threads: config.trainThreads,
      saveTo: opts.saveTo,
      onEvent,
      log: opts.quiet ? undefined : (msg) => void (isDatasetWarning(msg) ? undefined : process.stderr.write(`${msg}\n`)),
    });
    // The trainer returns its result and reports no `completed`: this adapter reports it, as the worker does.
    onEvent({ type: 'completed', result });
    return result;
  } catch (err) {
    // Whatever the abort made training throw (a cancellation between batches, an aborted
    // download), the user's signal is why it stopped.
    throw interruptedBy ? new TrainingInterruptedError(interruptedBy) : err;
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
  }
}

/**
 * A loader's data-set warning (`warning: …`, see libs/training's loaders). The loader logs it and
 * also puts it in the run's `started` event, which every caller that is not quiet shows through
 * its progress view; printing the log line too showed it twice.
 */
const isDatasetWarning = (msg: string) => msg.startsWith('warning: ');

/**
 * The training images `spec` will load from `dataDir` (after its `limit`), read from the files'
 * headers without parsing them; undefined for a set that is not on disk here (the bundled digits,
 * generated data, or a set still to download, which is the canonical one).
 */
export async function trainSamplesOnDisk(spec: Pick<ExperimentSpec, 'dataset' | 'limit'>, dataDir: string): Promise<number | undefined> {
  if (!(FILE_DATASETS as readonly string[]).includes(spec.dataset)) return undefined;
  const train = (await datasetStatus(spec.dataset as FileDatasetName, dataDir)).counts?.train;
  return train === undefined ? undefined : Math.min(spec.limit ?? train, train);
}
