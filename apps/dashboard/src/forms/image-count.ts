import { LIMITS } from '@trainyard/contracts';

/** What parseImageCount makes of a field: a count (undefined: empty, the whole set), or why not. */
export type ImageCount = { ok: true; value?: number } | { ok: false; message: string };

/**
 * A count of images typed by a person: `2000`, `2,000`, `2 000` or `2_000` are 2000; empty is
 * the whole set. Anything else (0, a fraction, a negative, `abc`, more than the schema's
 * LIMITS.maxSamples) is refused with a message for beside the field, never read as "all".
 */
export function parseImageCount(text: string): ImageCount {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: true };
  // Thousands separators as people type them; a decimal point or sign is left in and refused below.
  const digits = trimmed.replace(/(?<=\d)[,\s_'](?=\d{3}(\D|$))/g, '');
  if (!/^\d+$/.test(digits)) return { ok: false, message: `"${trimmed}" is not a whole number of images` };
  const value = Number(digits);
  if (value < 1) return { ok: false, message: 'at least 1 image (leave it empty for the whole set)' };
  if (value > LIMITS.maxSamples) return { ok: false, message: `at most ${LIMITS.maxSamples.toLocaleString('en-US')} images` };
  return { ok: true, value };
}
