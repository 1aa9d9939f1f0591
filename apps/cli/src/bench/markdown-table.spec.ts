import { formatRate, markdownTable } from './markdown-table';

describe('markdownTable', () => {
  it('pads every column to its widest cell and marks right-aligned ones', () => {
    expect(markdownTable(['model', 'img/s'], [['cnn', '5,897'], ['vgg16', '22.4']], ['left', 'right'])).toBe(
      ['| model | img/s |', '|-------|------:|', '| cnn   | 5,897 |', '| vgg16 |  22.4 |'].join('\n'),
    );
  });
});

describe('formatRate', () => {
  it('keeps the digits that matter at each magnitude', () => {
    expect(formatRate(91580.4)).toBe('91,580');
    expect(formatRate(41.43)).toBe('41.4');
    expect(formatRate(2.345)).toBe('2.35');
    expect(formatRate(undefined)).toBe('-');
    expect(formatRate(Infinity)).toBe('-');
  });
});
