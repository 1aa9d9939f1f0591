import { wrapText } from './wrap-text';

describe('wrapText', () => {
  it('keeps every character of a long failure reason, no line wider than the width', () => {
    const reason =
      'ENOENT: no such file or directory, open /home/student/projects/trainyard/.trainyard/data/cifar10/cifar-10-batches-bin/data_batch_1.bin (CIFAR-10 is not installed on this server)';
    const lines = wrapText(reason, 40, '  ');
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(40);
    expect(lines.map((l, i) => (i ? l.slice(2) : l)).join('').replace(/\s+/g, '')).toBe(reason.replace(/\s+/g, ''));
    expect(lines.length).toBeGreaterThan(3);
  });

  it('breaks at spaces when it can', () => {
    expect(wrapText('one two three four', 12)).toEqual(['one two', 'three four']);
  });
});
