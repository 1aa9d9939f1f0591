import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { resolveExperimentRequest } from '@trainyard/contracts';
import { trainExperiment } from './train-experiment';

// A wasm trap while the model is built ("memory access out of bounds", as a class met it): the
// backend's failure, which must reach the worker as what it is, never as an incompatible spec
// (that label fails the run for good, and once failed every later job on a broken worker).
jest.mock('../models/build-model', () => ({
  ...jest.requireActual('../models/build-model'),
  buildModel: () => {
    throw new WebAssembly.RuntimeError('memory access out of bounds');
  },
}));

let dataDir: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'trainyard-trainer-'));
});
afterAll(() => fs.rm(dataDir, { recursive: true, force: true }));

it('a backend failure while the model is built goes up unchanged, not as IncompatibleSpecError', async () => {
  const spec = resolveExperimentRequest({ preset: 'mnist-fc', dataset: 'synthetic', epochs: 1, limit: 64, testLimit: 16 });
  const run = trainExperiment(spec, { dataDir });
  await expect(run).rejects.toBeInstanceOf(WebAssembly.RuntimeError);
  await expect(run).rejects.not.toMatchObject({ name: 'IncompatibleSpecError' });
});
