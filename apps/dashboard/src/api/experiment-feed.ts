import { io, type Socket } from 'socket.io-client';
import { EventLog, type ClientToServerEvents, type ExperimentEvent, type ServerToClientEvents, type SubscribeAck } from '@trainyard/contracts';

export type FeedStatus = 'connecting' | 'live' | 'reconnecting' | 'unauthorized';
type Listener = (events: readonly ExperimentEvent[]) => void;
type ErrorListener = (error: string) => void;

interface Subscription {
  log: EventLog;
  listeners: Set<Listener>;
  errorListeners: Set<ErrorListener>;
  /** Live events that arrive before the subscribe ack: merged after its history. */
  pending: ExperimentEvent[] | null;
}

/**
 * The dashboard's one socket. Each watched experiment is subscribed on every (re)connect: the
 * ack's history brings whatever happened while disconnected, and EventLog merges it with live
 * events by seq, so a curve continues through an API restart with no gap and no duplicate.
 */
export class ExperimentFeed {
  private readonly socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  private readonly subs = new Map<string, Subscription>();
  private readonly statusListeners = new Set<(s: FeedStatus) => void>();
  status: FeedStatus = 'connecting';

  constructor(token: string) {
    this.socket = io({ auth: { token } });
    // Attached before any subscribe is emitted: a live event can precede the ack.
    this.socket.on('experiment:event', (e) => this.onLive(e));
    this.socket.on('connect', () => {
      this.setStatus('live');
      for (const id of this.subs.keys()) this.subscribe(id);
    });
    this.socket.on('disconnect', (reason) => {
      this.setStatus('reconnecting');
      // socket.io retries by itself except after a server-side disconnect; an API shutting down
      // may end sockets that way, so try again (a revoked token is then refused at the handshake).
      if (reason === 'io server disconnect') setTimeout(() => this.socket.connect(), 1000);
    });
    this.socket.on('connect_error', (err) => {
      // The handshake refuses a bad token, and socket.io does not retry that: the page says so.
      this.setStatus(err.message === 'unauthorized' ? 'unauthorized' : 'reconnecting');
    });
  }

  onStatus(fn: (s: FeedStatus) => void): () => void {
    this.statusListeners.add(fn);
    fn(this.status);
    return () => this.statusListeners.delete(fn);
  }

  /** Calls `onEvents` with the experiment's whole merged log after every change; returns the unwatch. */
  watch(id: string, onEvents: Listener, onError?: ErrorListener): () => void {
    let sub = this.subs.get(id);
    if (!sub) {
      sub = { log: new EventLog(), listeners: new Set(), errorListeners: new Set(), pending: null };
      this.subs.set(id, sub);
      if (this.socket.connected) this.subscribe(id);
    } else if (sub.log.events.length > 0) {
      onEvents(sub.log.events);
    }
    sub.listeners.add(onEvents);
    if (onError) sub.errorListeners.add(onError);
    return () => {
      sub.listeners.delete(onEvents);
      if (onError) sub.errorListeners.delete(onError);
      if (sub.listeners.size === 0 && this.subs.get(id) === sub) {
        this.subs.delete(id);
        if (this.socket.connected) this.socket.emit('unsubscribe', { id });
      }
    };
  }

  close() {
    this.socket.disconnect();
    this.subs.clear();
    this.statusListeners.clear();
  }

  private subscribe(id: string) {
    const sub = this.subs.get(id);
    if (!sub) return;
    sub.pending ??= [];
    this.socket.emit('subscribe', { id }, (ack: SubscribeAck) => {
      if (this.subs.get(id) !== sub) return;
      const buffered = sub.pending ?? [];
      sub.pending = null;
      if (!ack.ok && ack.retryAfterMs !== undefined) {
        // The API is up but its Redis is not: live events still flow once it is back; fetch the history then.
        setTimeout(() => this.socket.connected && this.subscribe(id), ack.retryAfterMs);
        return;
      }
      if (!ack.ok) {
        sub.errorListeners.forEach((fn) => fn(ack.error ?? 'not found'));
        return;
      }
      const before = sub.log.lastSeq;
      sub.log.add(ack.history ?? []);
      const { gap } = sub.log.add(buffered);
      if (gap) return this.subscribe(id);
      if (sub.log.lastSeq !== before || before === 0) this.notify(sub);
    });
  }

  private onLive(event: ExperimentEvent) {
    const sub = this.subs.get(event.id);
    if (!sub) return;
    if (sub.pending) {
      sub.pending.push(event);
      return;
    }
    const { added, gap } = sub.log.add([event]);
    if (added > 0) this.notify(sub);
    // A gap means an event went missing on the way: the history has it.
    if (gap) this.subscribe(event.id);
  }

  private notify(sub: Subscription) {
    const events = sub.log.events;
    sub.listeners.forEach((fn) => fn(events));
  }

  private setStatus(status: FeedStatus) {
    this.status = status;
    this.statusListeners.forEach((fn) => fn(status));
  }
}
