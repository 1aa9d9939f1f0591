// The socket.io gateway's guards against one misbehaving client, with a real Redis and real
// sockets: a cap on sockets per token (300 were once accepted from one token), and an error ack
// for events the gateway does not know (they used to get no ack, so the client timed out).
import { startHarness, type Harness, type TypedSocket } from '../apps/api/testing/api-harness';
import { until } from '@trainyard/testing';

jest.setTimeout(60_000);

const CAP = 3;
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ env: { MAX_SOCKETS_PER_TOKEN: String(CAP) } });
});
afterAll(async () => {
  await h?.close();
});


describe('sockets per token', () => {
  it(`admits ${CAP} sockets of one token and refuses the next with a connect_error naming the cap`, async () => {
    const admitted = [];
    for (let i = 0; i < CAP; i++) admitted.push(await h.connect('alice'));
    expect(admitted.every((s) => s.connected)).toBe(true);
    await expect(h.connect('alice')).rejects.toThrow(`too many sockets for this token (at most ${CAP}); close another tab or client first`);
    // The cap is per token: a classmate is not affected.
    expect((await h.connect('bob')).connected).toBe(true);
  });

  it('a closed socket frees its place', async () => {
    const socket = await h.connect('admin');
    for (let i = 1; i < CAP; i++) await h.connect('admin');
    await expect(h.connect('admin')).rejects.toThrow(/too many sockets/);
    socket.disconnect();
    // The server learns of the close asynchronously: retry until it has, within a generous bound.
    let again: TypedSocket | undefined;
    await until(async () => (again = await h.connect('admin').catch(() => undefined)) !== undefined, 'a place to free up', 20_000);
    expect(again!.connected).toBe(true);
  });

  it(`admits exactly ${CAP} of many concurrent handshakes of one token`, async () => {
    // bob holds one socket from the first test.
    const results = await Promise.allSettled(Array.from({ length: 12 }, () => h.connect('bob')));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(CAP - 1);
    for (const r of results) if (r.status === 'rejected') expect(String(r.reason)).toMatch(/too many sockets/);
  });
});

describe('unknown events', () => {
  let socket: TypedSocket;
  beforeAll(async () => {
    // A fresh harness user would go over the cap here; a separate instance has its own count.
    socket = await h.connect('alice', await h.startApi());
  });

  it('acks an event the gateway does not know with {ok: false, error: "unknown event <name>"}', async () => {
    const ack = await (socket as any).timeout(20_000).emitWithAck('frobnicate', { id: 'x' });
    expect(ack).toEqual({ ok: false, error: 'unknown event frobnicate' });
  });

  it('with any number of arguments, or none, the last one being the ack', async () => {
    expect(await (socket as any).timeout(20_000).emitWithAck('nope')).toEqual({ ok: false, error: 'unknown event nope' });
    expect(await (socket as any).timeout(20_000).emitWithAck('nope', 1, 2, 3)).toEqual({ ok: false, error: 'unknown event nope' });
  });

  it('ignores an unknown event without an ack, and the socket keeps working', async () => {
    (socket as any).emit('frobnicate', { id: 'x' });
    const ack = await socket.timeout(20_000).emitWithAck('subscribe', { id: 'no-such-experiment' });
    expect(ack).toEqual({ ok: false, error: 'not found' });
    expect(socket.connected).toBe(true);
  });

  it('still answers the known events as before', async () => {
    expect(await socket.timeout(20_000).emitWithAck('unsubscribe', { id: 'x' })).toEqual({ ok: true });
  });
});

