import * as fs from 'node:fs';
import * as path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import { ApiError, shortId } from '@trainyard/contracts';
import { resolveExperimentId } from '../api/resolve-experiment-id';
import { apiClient, apiOptions, type ApiFlags } from './api-options';

/** Files at least this big get a progress bar on a terminal (1 MiB: a second or more on a slow link). */
const BAR_FROM_BYTES = 2 ** 20;

/**
 * `trainyard download ID [--out DIR]`: the run's trained model in TF.js layers format, from
 * `GET /api/experiments/{id}/model/model.json` and the weight files its manifest lists
 * (`…/model/{file}`), written to DIR/model.json and DIR/<file>.
 */
export function registerDownloadCommand(program: Command): void {
  apiOptions(program.command('download').argument('<id>', 'the run (any unique start of its id)').description('save a completed run’s trained model (TF.js layers format)'))
    .option('--out <dir>', 'where to write model.json and its weights (default: ./trainyard-model-<short id>)')
    .action(async (typed: string, flags: ApiFlags & { out?: string }) => {
      const client = apiClient(flags);
      const id = await resolveExperimentId(typed, () => client.list());
      let manifest: Awaited<ReturnType<typeof client.modelJson>>;
      try {
        manifest = await client.modelJson(id);
      } catch (err) {
        if (!(err instanceof ApiError) || err.status !== 404) throw err;
        const run = await client.get(id);
        throw new Error(
          run.status === 'completed'
            ? `${shortId(id)} completed but has no saved model on the server (its artifacts may have been removed)`
            : `${shortId(id)} is ${run.status}: only a completed run has a trained model to download`,
        );
      }
      const out = path.resolve(flags.out ?? `trainyard-model-${shortId(id)}`);
      fs.mkdirSync(out, { recursive: true });
      const files = [...new Set((manifest.weightsManifest ?? []).flatMap((g) => g.paths.map((p) => path.posix.basename(p))))];
      let bytes = 0;
      for (const file of files) bytes += await saveFile(await client.modelFile(id, file), path.join(out, file), file);
      fs.writeFileSync(path.join(out, 'model.json'), `${JSON.stringify(manifest)}\n`);
      process.stdout.write(
        `Saved ${shortId(id)}'s model to ${out} (model.json + ${files.length} weight file(s), ${(bytes / 2 ** 20).toFixed(2)} MiB).\n` +
          `Load it with tf.loadLayersModel('file://${path.join(out, 'model.json')}') (@tensorflow/tfjs-node).\n` +
          // Trained inputs were scaled, maybe normalised and permuted: without that, predictions are noise.
          (Object.hasOwn(manifest, 'userDefinedMetadata')
            ? `Prepare its inputs as model.json's userDefinedMetadata.trainyard says (input shape, normalisation, pixel permutation; README: "Using a downloaded model").\n`
            : `This model predates Trainyard's preprocessing metadata: see \`trainyard show ${shortId(id)}\` for its transforms.\n`),
      );
    });
}

/** Streams one response body to `dest` (via a temporary file, so a broken download leaves nothing); returns its size. */
async function saveFile(res: Response, dest: string, label: string): Promise<number> {
  const total = Number(res.headers.get('content-length') ?? 0);
  const tty = process.stderr.isTTY;
  const { SingleBar, Presets } = await import('cli-progress');
  const bar = tty && total >= BAR_FROM_BYTES ? new SingleBar({ stream: process.stderr, format: `${label} |{bar}| {percentage}% {value}/{total} bytes` }, Presets.shades_classic) : undefined;
  bar?.start(total, 0);
  let written = 0;
  const count = new Transform({
    transform(chunk: Buffer, _enc, done) {
      written += chunk.length;
      bar?.update(written);
      done(null, chunk);
    },
  });
  const partial = `${dest}.part`;
  try {
    await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), count, fs.createWriteStream(partial));
    fs.renameSync(partial, dest);
  } catch (err) {
    fs.rmSync(partial, { force: true });
    throw err;
  } finally {
    bar?.stop();
  }
  return written;
}
