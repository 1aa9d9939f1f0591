import { exitWithParent } from '@trainyard/config';
import type { BackendName, ExperimentSpec } from '@trainyard/contracts';
import { initBackend } from '@trainyard/training';
import { trainForThroughput, type ExperimentRun } from './experiment-throughput';

/** What queue-overhead.ts passes (argv[2], JSON) and gets back (the last stdout line, JSON). */
export interface BareTrainingRequest {
  spec: ExperimentSpec;
  threads: number;
  backend: BackendName;
}
export type BareTrainingAnswer = Pick<ExperimentRun, 'samplesPerSec' | 'seconds' | 'threads'>;

/**
 * The queue-overhead's bare run: the spec trained by trainExperiment in a fresh process, as the
 * worker's training process does it but with no queue, worker or API around it. Logs to stderr.
 */
async function main(): Promise<void> {
  exitWithParent();
  // The channel is only there to notice the bench's death: it must not keep this process alive.
  process.channel?.unref();
  const request = JSON.parse(process.argv[2]) as BareTrainingRequest;
  const log = (line: string) => void process.stderr.write(`[bare] ${line}\n`);
  await initBackend(request.backend, log);
  const run = await trainForThroughput(request.spec, request, log);
  // The result's own rate, as the queued run reports it (its `completed` result): like with like.
  const answer: BareTrainingAnswer = { samplesPerSec: run.wholeRunSamplesPerSec, seconds: run.seconds, threads: run.threads };
  // Exits once the answer is out, as the worker's training process does: the bench waits on this
  // process's exit, and nothing else it may have started (a timer, a socket) may hold that up.
  process.stdout.write(`${JSON.stringify(answer)}\n`, () => process.exit(0));
}

main().catch((err) => {
  process.stderr.write(`[bare] ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
