import { DeliveryTally } from './class-fanout';

describe('DeliveryTally', () => {
  const last = new Map([
    ['a', 3],
    ['b', 2],
  ]);

  it('passes a watcher that got seq 1..N of each experiment it watches once, in order', () => {
    const t = new DeliveryTally();
    t.watch(0, 'a');
    t.watch(0, 'b');
    t.watch(1, 'a');
    for (const seq of [1, 2, 3]) t.receive(0, 'a', seq);
    for (const seq of [1, 2]) t.receive(0, 'b', seq);
    for (const seq of [1, 2, 3]) t.receive(1, 'a', seq);
    expect(t.finish(last)).toBe(0);
    expect({ missing: t.missing, dup: t.duplicatesOrOutOfOrder, unexpected: t.unexpected }).toEqual({ missing: 0, dup: 0, unexpected: 0 });
  });

  it('counts a gap, a never-delivered tail, a duplicate and an event nobody subscribed to', () => {
    const t = new DeliveryTally();
    t.watch(0, 'a');
    t.watch(1, 'a');
    t.watch(2, 'b');
    t.receive(0, 'a', 1);
    t.receive(0, 'a', 3); // 2 skipped
    t.receive(1, 'a', 1);
    t.receive(1, 'a', 2); // 3 never comes
    t.receive(2, 'b', 1);
    t.receive(2, 'b', 2);
    t.receive(2, 'b', 2); // twice
    t.receive(2, 'a', 1); // socket 2 never asked for a
    expect(t.finish(last)).toBe(3);
    expect({ missing: t.missing, dup: t.duplicatesOrOutOfOrder, unexpected: t.unexpected }).toEqual({ missing: 2, dup: 1, unexpected: 1 });
  });

  it('fails a watcher that got nothing', () => {
    const t = new DeliveryTally();
    t.watch(0, 'a');
    expect(t.finish(last)).toBe(1);
    expect(t.missing).toBe(3);
  });
});
