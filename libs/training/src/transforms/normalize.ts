import { IncompatibleSpecError } from '../incompatible-spec.error';
import { assertImage, type ImageShape } from './image-shape';

export interface NormalizeSettings {
  mean: readonly number[];
  std: readonly number[];
}

/**
 * A 256-entry table per channel: table[c·256 + byte] = (byte/255 - mean[c]) / std[c], i.e.
 * ToTensor then Normalize. Each step is rounded to float32 as PyTorch computes it, so values
 * match torchvision bit for bit. Without `normalize` the table is plain ToTensor (byte/255).
 */
export function normalizationTable(channels: number, normalize?: NormalizeSettings): Float32Array {
  const table = new Float32Array(256 * channels);
  const f = Math.fround;
  for (let c = 0; c < channels; c++) {
    const { mean, std } = normalize ? channelStats(normalize, channels, c) : { mean: 0, std: 1 };
    for (let b = 0; b < 256; b++) {
      const x = f(b / 255);
      table[c * 256 + b] = normalize ? f(f(x - f(mean)) / f(std)) : x;
    }
  }
  return table;
}

function channelStats(n: NormalizeSettings, channels: number, c: number): { mean: number; std: number } {
  // One value broadcasts to every channel, as torchvision's Normalize((0.1307,), (0.3081,)) does.
  for (const [name, values] of [['mean', n.mean], ['std', n.std]] as const) {
    if (values.length !== 1 && values.length !== channels) {
      throw new IncompatibleSpecError(`normalize ${name} has ${values.length} values; the images have ${channels} channel(s) (give 1 or ${channels})`);
    }
  }
  const std = n.std.length === 1 ? n.std[0] : n.std[c];
  if (!(std > 0)) throw new IncompatibleSpecError(`normalize std must be positive, got ${std}`);
  return { mean: n.mean.length === 1 ? n.mean[0] : n.mean[c], std };
}

/** ToTensor + Normalize of one NHWC byte image into floats. */
export function normalize(image: Uint8Array, shape: ImageShape, settings?: NormalizeSettings): Float32Array {
  assertImage(image, shape);
  const c = shape.channels;
  const table = normalizationTable(c, settings);
  const out = new Float32Array(image.length);
  for (let i = 0; i < image.length; i++) out[i] = table[(i % c) * 256 + image[i]];
  return out;
}
