import { Injectable } from '@nestjs/common';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { AppConfig } from '@trainyard/config';
import { InjectConfig } from '@trainyard/core';

// The worker saves each trained model as `<artifactsDir>/<id>/model.json` + its weight files
// (TF.js layers format). Only files the manifest lists are ever served.
const MODEL_JSON = 'model.json';

export interface ModelJson {
  weightsManifest?: { paths: string[] }[];
  [key: string]: unknown;
}

@Injectable()
export class ModelArtifactsService {
  constructor(@InjectConfig() private readonly config: AppConfig) {}

  private dir(id: string) {
    return path.join(this.config.artifactsDir, id);
  }

  /** model.json as saved, or undefined when the experiment has no saved model (yet). */
  async modelJson(id: string): Promise<ModelJson | undefined> {
    try {
      return JSON.parse(await fs.readFile(path.join(this.dir(id), MODEL_JSON), 'utf8')) as ModelJson;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  /**
   * model.json with every weight path prefixed, e.g. by `model/`: tf.loadLayersModel resolves
   * weight paths against the model URL's directory, so `/api/experiments/ID/model` + `model/weights.bin`
   * becomes `/api/experiments/ID/model/weights.bin`.
   */
  withWeightPrefix(json: ModelJson, prefix: string): ModelJson {
    return {
      ...json,
      weightsManifest: (json.weightsManifest ?? []).map((group) => ({
        ...group,
        paths: group.paths.map((p) => prefix + path.posix.basename(p)),
      })),
    };
  }

  /** Absolute path of a weights file the manifest lists; undefined for anything else. */
  async weightsFile(id: string, file: string): Promise<string | undefined> {
    const json = await this.modelJson(id);
    const listed = (json?.weightsManifest ?? []).flatMap((g) => g.paths.map((p) => path.posix.basename(p)));
    if (!listed.includes(file) || file !== path.basename(file)) return undefined;
    const full = path.join(this.dir(id), file);
    try {
      await fs.access(full);
      return full;
    } catch {
      return undefined;
    }
  }
}
