import { SocketQuota } from './socket-quota';

describe('SocketQuota', () => {
  it('admits up to the cap per key, and refuses the next', () => {
    const quota = new SocketQuota(2);
    expect(quota.tryAcquire('a')).toBeInstanceOf(Function);
    expect(quota.tryAcquire('a')).toBeInstanceOf(Function);
    expect(quota.tryAcquire('a')).toBeUndefined();
    expect(quota.tryAcquire('b')).toBeInstanceOf(Function);
    expect(quota.count('a')).toBe(2);
  });

  it('frees a place on release, once however often release is called', () => {
    const quota = new SocketQuota(2);
    const first = quota.tryAcquire('a')!;
    quota.tryAcquire('a');
    first();
    first();
    expect(quota.count('a')).toBe(1);
    expect(quota.tryAcquire('a')).toBeInstanceOf(Function);
    expect(quota.tryAcquire('a')).toBeUndefined();
  });

  it('forgets a key with no open sockets', () => {
    const quota = new SocketQuota(1);
    quota.tryAcquire('a')!();
    expect(quota.count('a')).toBe(0);
    expect((quota as unknown as { open: Map<string, number> }).open.size).toBe(0);
  });
});
