import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Redis from 'ioredis';
import { Server } from 'socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import { io as connect, type Socket } from 'socket.io-client';
import { EXPERIMENT_EVENT, experimentRoom, presetSpec, socketIoRedisKey, type ExperimentEvent, type ServerToClientEvents } from '@trainyard/contracts';
import { deleteKeys, startTestRedis, testPrefix, type TestRedis } from '@trainyard/testing';
import { ExperimentEventPublisher } from './experiment-event.publisher';
import { ExperimentStore } from './experiment.store';

// What the API does with the adapter, reduced to the part this package must agree with: the key.
describe('ExperimentEventPublisher', () => {
  let server: TestRedis;
  let redis: Redis;
  let pub: Redis;
  let sub: Redis;
  let http: HttpServer;
  let io: Server;
  let client: Socket<ServerToClientEvents>;
  const prefix = testPrefix();

  beforeAll(async () => {
    server = await startTestRedis();
    [redis, pub, sub] = [new Redis(server.url), new Redis(server.url), new Redis(server.url)];
    http = createServer();
    io = new Server(http, { adapter: createAdapter(pub, sub, { key: socketIoRedisKey(prefix) }) });
    io.on('connection', (socket) => socket.on('join', (id: string, ack: () => void) => (socket.join(experimentRoom(id)), ack())));
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    client = connect(`http://127.0.0.1:${(http.address() as AddressInfo).port}`, { transports: ['websocket'] });
    await new Promise<void>((r) => client.once('connect', () => r()));
  });
  afterAll(async () => {
    client.close();
    await new Promise<void>((r) => io.close(() => r()));
    await deleteKeys(redis, prefix);
    await Promise.all([redis.quit(), pub.quit(), sub.quit()]);
    await server.stop();
  });

  it('delivers every appended event to sockets in the experiment room, and only there', async () => {
    const publisher = new ExperimentEventPublisher(redis, { key: socketIoRedisKey(prefix) });
    const store = new ExperimentStore(redis, { prefix, publisher });
    const watched = await store.create({ owner: 'alice', spec: presetSpec('mnist-fc') });
    const other = await store.create({ owner: 'alice', spec: presetSpec('mnist-fc') });
    await new Promise<void>((r) => (client as unknown as Socket).emit('join', watched.id, r));

    const received: ExperimentEvent[] = [];
    client.on(EXPERIMENT_EVENT, (e) => received.push(e));
    await store.appendEvent(other.id, { type: 'queued', position: 1 });
    await store.appendEvent(watched.id, { type: 'queued', position: 2 });
    await store.appendEvent(watched.id, { type: 'cancelled', reason: 'test' });

    const deadline = Date.now() + 3000;
    while (received.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(received).toEqual(await store.events(watched.id));
    expect(received.map((e) => [e.seq, e.type])).toEqual([[1, 'queued'], [2, 'cancelled']]);
  });
});
