import { Logger } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  SubscribeMessage,
  WebSocketGateway,
  WebSocketServer,
  type OnGatewayConnection,
  type OnGatewayInit,
} from '@nestjs/websockets';
import type { Server, Socket } from 'socket.io';
import { experimentRoom, isExperimentId, type ClientToServerEvents, type Principal, type ServerToClientEvents, type SubscribeAck } from '@trainyard/contracts';
import { runDetached, type AppConfig } from '@trainyard/config';
import { ExperimentStore } from '@trainyard/experiment-store';
import { InjectConfig } from '@trainyard/core';
import { REDIS_RETRY_AFTER_S } from '../middleware/redis-unavailable.filter';
import { AuthService } from '../auth/auth.service';
import { canAccess } from '../auth/principal';
import { SocketQuota } from './socket-quota';

interface SocketData {
  user: Principal;
  /** The digest of the token the socket signed in with: re-checked on every roster change. */
  credential: string;
}
type EventsServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
type EventsSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

/** Every socket of one user joins this room, so access changes (a revoked token, a student removed from the roster) can reach them all. */
export const userRoom = (name: string) => `user:${name}`;
export const UNAUTHORIZED = 'unauthorized';

const NOT_FOUND: SubscribeAck = { ok: false, error: 'not found' };

/** The `connect_error` message over the cap (config `MAX_SOCKETS_PER_TOKEN`). */
export const tooManySockets = (cap: number) => `too many sockets for this token (at most ${cap}); close another tab or client first`;

/**
 * The events this gateway handles (one @SubscribeMessage each); typed against the contract so a
 * new client event cannot be added to it without this list. Any other event gets an error ack.
 */
const CLIENT_EVENTS: Record<keyof ClientToServerEvents, true> = { subscribe: true, unsubscribe: true };
const isClientEvent = (event: string) => Object.hasOwn(CLIENT_EVENTS, event);

/**
 * Live experiment events. Workers and the API append events to the store, whose redis-emitter
 * publishes them to room `experimentRoom(id)`; the Redis adapter delivers them to the sockets in
 * that room on every API instance. This gateway only admits sockets and manages room membership:
 * it never re-emits, so each event reaches a socket once however often it subscribes.
 */
@WebSocketGateway({ serveClient: false })
export class ExperimentEventsGateway implements OnGatewayInit, OnGatewayConnection {
  private readonly logger = new Logger(ExperimentEventsGateway.name);

  @WebSocketServer() server!: EventsServer;

  private readonly quota: SocketQuota;

  constructor(
    private readonly auth: AuthService,
    private readonly store: ExperimentStore,
    @InjectConfig() config: AppConfig,
  ) {
    this.quota = new SocketQuota(config.limits.maxSocketsPerToken);
  }

  afterInit(server: EventsServer) {
    // Checked in the handshake middleware rather than after connecting, so a bad or revoked token
    // is refused before the socket exists: the client gets `connect_error` ("unauthorized").
    server.use((socket, next) => {
      const token = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
      this.auth.identify(typeof token === 'string' ? token : undefined).then(
        (identity) => {
          if (!identity) return next(new Error(UNAUTHORIZED));
          // Counted here, in the same tick as the check, so that concurrent handshakes cannot all
          // pass it; released when the socket ends, or its connection closes before it connects
          // (then socket.io emits no 'disconnect' for it).
          const release = this.quota.tryAcquire(identity.credential);
          if (!release) return next(new Error(tooManySockets(this.quota.cap)));
          socket.once('disconnect', release);
          socket.conn.once('close', release);
          socket.data.user = identity.user;
          socket.data.credential = identity.credential;
          next();
        },
        () => next(new Error('unavailable, try again')),
      );
    });
    // A rotated or revoked token loses its open sockets on every instance: each instance hears
    // the change and drops its own sockets whose token no longer holds.
    this.auth.onChange((names) =>
      runDetached(() => this.dropRevoked(names), (err) => this.logger.warn(`Roster change not applied to sockets: ${(err as Error).message}`)),
    );
  }

  /** Disconnects this instance's sockets whose token is no longer on the roster (names: only theirs). */
  private async dropRevoked(names?: string[]) {
    const sockets = names
      ? (await Promise.all(names.map((n) => this.server.local.in(userRoom(n)).fetchSockets()))).flat()
      : await this.server.local.fetchSockets();
    for (const socket of sockets) {
      if (!this.auth.isCurrent(socket.data.user.name, socket.data.credential)) {
        this.logger.log(`Disconnecting a socket of ${socket.data.user.name}: token rotated or revoked`);
        socket.disconnect(true);
      }
    }
  }

  handleConnection(client: EventsSocket) {
    const user = client.data.user;
    if (!user) {
      client.disconnect(true);
      return;
    }
    void client.join(userRoom(user.name));
    // socket.io sends no reply for an event nobody handles, so a client waiting on an ack would
    // time out; onAny sees every event, with the ack function (when the client asked for one) last.
    client.onAny((event: string, ...args: unknown[]) => {
      const ack = args.at(-1);
      if (!isClientEvent(event) && typeof ack === 'function') ack({ ok: false, error: `unknown event ${event}` });
    });
    // Revoked between its handshake and joining its room: no change event would find it there.
    if (!this.auth.isCurrent(user.name, client.data.credential)) client.disconnect(true);
  }

  /**
   * Joins the room first, then reads the history: an event appended in between is both in the
   * history and delivered live, never in neither. Clients keep live events that arrive before
   * the ack and drop every live event with `seq <= last history seq`.
   */
  @SubscribeMessage('subscribe')
  async subscribe(@ConnectedSocket() client: EventsSocket, @MessageBody() body: unknown): Promise<SubscribeAck> {
    const id = (body as { id?: unknown } | null)?.id;
    if (!isExperimentId(id)) return NOT_FOUND;
    try {
      // A socket that slipped in as its token was revoked gets nothing more.
      await this.auth.refreshIfStale();
      if (!this.auth.isCurrent(client.data.user.name, client.data.credential)) {
        client.disconnect(true);
        return { ok: false, error: UNAUTHORIZED };
      }
      const record = await this.store.get(id);
      if (!record || !canAccess(client.data.user, record)) return NOT_FOUND;
      await client.join(experimentRoom(id));
      const history = await this.store.events(id);
      return { ok: true, history };
    } catch (err) {
      this.logger.warn(`subscribe ${id} failed: ${(err as Error).message}`);
      await client.leave(experimentRoom(id));
      return { ok: false, error: 'unavailable, try again', retryAfterMs: REDIS_RETRY_AFTER_S * 1000 };
    }
  }

  @SubscribeMessage('unsubscribe')
  async unsubscribe(@ConnectedSocket() client: EventsSocket, @MessageBody() body: unknown): Promise<{ ok: boolean }> {
    const id = (body as { id?: unknown } | null)?.id;
    if (typeof id !== 'string') return { ok: false };
    await client.leave(experimentRoom(id));
    return { ok: true };
  }
}
