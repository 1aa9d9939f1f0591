import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';

// The pure-JS/wasm backends have no `file://` handler (that ships with tfjs-node), so models are
// written in the standard TF.js layers format by hand: model.json + one weights.bin shard.
export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';

/**
 * Writes `model` to `dir` as model.json + weights.bin, atomically. `userDefinedMetadata` (a JSON
 * object) goes into model.json under that key, where TF.js's loaders read it back.
 */
export async function saveModel(model: tf.LayersModel, dir: string, userDefinedMetadata?: object): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = Buffer.from(artifacts.weightData as ArrayBuffer);
      const modelJson = {
        format: 'layers-model',
        generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
        convertedBy: null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs }],
        ...(userDefinedMetadata ? { userDefinedMetadata } : {}),
      };
      // Write to temporary names then rename, so a crash never leaves a half-written model.
      await fs.writeFile(path.join(dir, `${WEIGHTS_BIN}.tmp`), weights);
      await fs.writeFile(path.join(dir, `${MODEL_JSON}.tmp`), JSON.stringify(modelJson));
      await fs.rename(path.join(dir, `${WEIGHTS_BIN}.tmp`), path.join(dir, WEIGHTS_BIN));
      await fs.rename(path.join(dir, `${MODEL_JSON}.tmp`), path.join(dir, MODEL_JSON));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: weights.byteLength } };
    }),
  );
}

export async function loadModel(dir: string): Promise<tf.LayersModel> {
  const modelJson = JSON.parse(await fs.readFile(path.join(dir, MODEL_JSON), 'utf8'));
  const weights = await fs.readFile(path.join(dir, WEIGHTS_BIN));
  const weightData = weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength);
  return tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: modelJson.modelTopology,
      weightSpecs: modelJson.weightsManifest[0].weights,
      weightData,
    }),
  );
}
