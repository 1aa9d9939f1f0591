import { InvalidArgumentError } from 'commander';
import { instanceList, listOf, positive, queueRounds, threadCount } from './bench-args';

describe('bench arguments', () => {
  it('listOf takes a comma-separated subset, trimmed and without repeats, and refuses anything else', () => {
    const models = listOf(['cnn', 'vgg16'] as const);
    expect(models(' cnn ,vgg16,cnn')).toEqual(['cnn', 'vgg16']);
    expect(() => models('cnn,resnet')).toThrow(InvalidArgumentError);
    expect(() => models(' , ')).toThrow('expected a comma-separated list of cnn, vgg16');
  });

  it('positive takes whole numbers from 1', () => {
    expect(positive('3')).toBe(3);
    expect(() => positive('0')).toThrow('expected a whole number ≥ 1, got "0"');
    expect(() => positive('2.5')).toThrow(InvalidArgumentError);
  });

  it('instanceList takes 1, 2 or both, ascending', () => {
    expect(instanceList('2,1')).toEqual([1, 2]);
    expect(instanceList('2')).toEqual([2]);
    expect(() => instanceList('3')).toThrow('expected 1, 2 or 1,2');
  });

  it('threadCount takes 1 up to the cores there are, and "all" for every core', () => {
    const parse = threadCount(4);
    expect(parse('1')).toBe(1);
    expect(parse('4')).toBe(4);
    expect(parse('all')).toBe(4);
    // More threads than cores measures contention, not the hardware: refused, with the count.
    expect(() => parse('5')).toThrow('expected 1..4 (the cores available) or "all", got "5"');
    expect(() => parse('0')).toThrow(InvalidArgumentError);
    expect(() => parse('two')).toThrow(InvalidArgumentError);
  });

  it('queueRounds takes 1 to 10 bare/queued pairs, and refuses anything else with the range', () => {
    expect(queueRounds('1')).toBe(1);
    expect(queueRounds('3')).toBe(3);
    expect(queueRounds('10')).toBe(10);
    expect(() => queueRounds('0')).toThrow('expected a whole number of bare/queued pairs, 1..10, got "0"');
    // A typo for 3 would add twenty minutes to the bench.
    expect(() => queueRounds('30')).toThrow('expected a whole number of bare/queued pairs, 1..10, got "30"');
    expect(() => queueRounds('2.5')).toThrow(InvalidArgumentError);
    expect(() => queueRounds('three')).toThrow(InvalidArgumentError);
    expect(() => queueRounds('')).toThrow(InvalidArgumentError);
  });
});
