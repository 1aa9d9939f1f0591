import { createRng, type Rng } from '../random';
import type { ImageShape } from '../transforms/image-shape';
import { DatasetError, type Dataset, type ImageSet, type LoadOptions } from './dataset.types';

export const SYNTHETIC_DEFAULTS = {
  shape: { height: 28, width: 28, channels: 1 },
  train: 1000,
  test: 200,
  classes: 10,
} as const;
/** Caps so a request cannot ask for gigabytes of generated data (MNIST's sizes). */
export const SYNTHETIC_MAX = { train: 60_000, test: 10_000, side: 256, channels: 4 } as const;

/** Template cells per side, share of cells lit, and the per-pixel Gaussian noise (in byte units). */
const CELLS = 7;
const ON = 0.25;
const NOISE_SD = 40;
// Module-local: a global lookup per pixel is ~40× slower inside a vm context (Jest).
const { sqrt, log, cos, sin, round, PI } = Math;

/**
 * Ten classes, each a fixed random template (see blockTemplate); a sample is its class's template
 * plus Gaussian noise, clipped to bytes. Labels go round-robin (0,1,…,9,0,…), so any first N are
 * balanced, and each split's samples come from one stream, so a larger limit keeps the same first
 * N. Deterministic from `seed`; sizes above SYNTHETIC_MAX are capped.
 */
export function generateSynthetic(options: Pick<LoadOptions, 'shape' | 'limit' | 'testLimit' | 'seed' | 'log'> = {}): Dataset {
  const shape = options.shape ?? SYNTHETIC_DEFAULTS.shape;
  checkShape(shape);
  const seed = options.seed ?? 0;
  const trainCount = Math.min(options.limit ?? SYNTHETIC_DEFAULTS.train, SYNTHETIC_MAX.train);
  const testCount = Math.min(options.testLimit ?? SYNTHETIC_DEFAULTS.test, SYNTHETIC_MAX.test);
  const classes = SYNTHETIC_DEFAULTS.classes;
  const templateRng = createRng(`synthetic:${seed}:templates`);
  const templates = Array.from({ length: classes }, () => blockTemplate(shape, templateRng));
  options.log?.(`synthetic: ${trainCount} train / ${testCount} test images of ${shape.height}×${shape.width}×${shape.channels}, seed ${seed}`);
  return {
    name: 'synthetic',
    height: shape.height,
    width: shape.width,
    channels: shape.channels,
    classNames: templates.map((_, c) => `class ${c}`),
    train: samples(templates, trainCount, createRng(`synthetic:${seed}:train`)),
    test: samples(templates, testCount, createRng(`synthetic:${seed}:test`)),
  };
}

function checkShape(shape: ImageShape): void {
  const side = (v: number, max: number) => Number.isInteger(v) && v >= 1 && v <= max;
  if (!side(shape.height, SYNTHETIC_MAX.side) || !side(shape.width, SYNTHETIC_MAX.side) || !side(shape.channels, SYNTHETIC_MAX.channels)) {
    throw new DatasetError(
      'synthetic',
      `shape ${shape.height}×${shape.width}×${shape.channels} out of range (sides 1..${SYNTHETIC_MAX.side}, channels 1..${SYNTHETIC_MAX.channels})`,
    );
  }
}

/**
 * Binary blocks on a dark background, like MNIST's strokes: the image is cut into about CELLS×CELLS
 * cells and each cell of each channel is on (255) with probability ON. Sparse, high-contrast
 * templates give each class its own input directions, so a small net learns them in an epoch or
 * two (see README.md); blocks several pixels wide stay recognisable under a padded random crop.
 */
function blockTemplate({ height: h, width: w, channels: c }: ImageShape, rng: Rng): Float32Array {
  const cellH = Math.ceil(h / CELLS);
  const cellW = Math.ceil(w / CELLS);
  const rows = Math.ceil(h / cellH);
  const cols = Math.ceil(w / cellW);
  const on = Array.from({ length: rows * cols * c }, () => rng() < ON);
  const out = new Float32Array(h * w * c);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const cell = (Math.floor(y / cellH) * cols + Math.floor(x / cellW)) * c;
      for (let ch = 0; ch < c; ch++) out[(y * w + x) * c + ch] = on[cell + ch] ? 255 : 0;
    }
  }
  return out;
}

function samples(templates: Float32Array[], count: number, rng: Rng): ImageSet {
  const size = templates[0].length;
  const images = new Uint8Array(count * size);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const label = i % templates.length;
    labels[i] = label;
    const template = templates[label];
    const base = i * size;
    for (let p = 0; p < size; p += 2) {
      // Box–Muller: two independent normals from two uniforms.
      const r = NOISE_SD * sqrt(-2 * log(1 - rng()));
      const t = 2 * PI * rng();
      images[base + p] = clampByte(template[p] + r * cos(t));
      if (p + 1 < size) images[base + p + 1] = clampByte(template[p + 1] + r * sin(t));
    }
  }
  return { images, labels, count };
}

const clampByte = (v: number) => (v <= 0 ? 0 : v >= 255 ? 255 : round(v));
