import { parseImageCount } from './image-count';

// The course button's "first N training images": typing `2,000` once gave the full set.
describe('parseImageCount', () => {
  it('reads a count as people type it, and empty as the whole set', () => {
    for (const text of ['2000', '2,000', ' 2 000 ', '2_000']) expect(parseImageCount(text)).toEqual({ ok: true, value: 2000 });
    expect(parseImageCount('1,000,000')).toEqual({ ok: true, value: 1_000_000 });
    expect(parseImageCount('')).toEqual({ ok: true });
    expect(parseImageCount('   ')).toEqual({ ok: true });
  });

  it('refuses what is not a positive whole number of images, with a message, never as "all"', () => {
    for (const text of ['0', 'abc', '-5', '1.5', '2,00', '2,000.5', '1e3', '1,000,001']) {
      const parsed = parseImageCount(text);
      expect({ text, ok: parsed.ok }).toEqual({ text, ok: false });
      expect(parsed.ok || parsed.message.length > 0).toBe(true);
    }
    expect(parseImageCount('0')).toEqual({ ok: false, message: 'at least 1 image (leave it empty for the whole set)' });
    expect(parseImageCount('abc')).toEqual({ ok: false, message: '"abc" is not a whole number of images' });
  });
});
