import type { AppConfig } from '@trainyard/config';
import type { BackendChoice, ExperimentEventBody, ExperimentSpec, TrainingResult } from '@trainyard/contracts';
import { initBackend, trainExperiment, type BackendSelection } from '@trainyard/training';

let selection: BackendSelection | undefined;

/** Picks the backend once per process and says which one and why on stderr. */
export async function ensureBackend(choice: BackendChoice, quiet = false): Promise<BackendSelection> {
  selection ??= await initBackend(choice, quiet ? undefined : (msg: string) => void process.stderr.write(`${msg}\n`));
  return selection;
}

/** Trains a spec in this process, with Ctrl-C cancelling between batches. */
export async function trainLocally(
  spec: ExperimentSpec,
  config: AppConfig,
  backend: BackendChoice,
  onEvent: (e: ExperimentEventBody) => void,
  opts: { quiet?: boolean; saveTo?: string; download?: boolean } = {},
): Promise<TrainingResult> {
  const sel = await ensureBackend(backend, opts.quiet);
  const controller = new AbortController();
  const onSigint = () => controller.abort(new Error('interrupted'));
  process.once('SIGINT', onSigint);
  process.once('SIGTERM', onSigint);
  try {
    return await trainExperiment(spec, {
      dataDir: config.dataDir,
      download: opts.download,
      signal: controller.signal,
      backend: sel.backend,
      saveTo: opts.saveTo,
      onEvent,
      log: opts.quiet ? undefined : (msg) => process.stderr.write(`${msg}\n`),
    });
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
  }
}
