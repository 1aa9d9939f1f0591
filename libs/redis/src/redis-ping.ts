import * as net from 'node:net';

/**
 * True when a Redis server answers PING on host:port (after AUTH when a password is given).
 * A raw socket rather than ioredis: no reconnect loop to tame, and a server still loading its
 * AOF answers `-LOADING`, which correctly counts as not ready.
 */
export function pingRedis(port: number, opts: { host?: string; password?: string; timeoutMs?: number } = {}): Promise<boolean> {
  const { host = '127.0.0.1', password, timeoutMs = 1000 } = opts;
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => {
      const auth = password ? resp(['AUTH', password]) : '';
      socket.write(auth + resp(['PING']));
    });
    socket.on('data', (chunk) => {
      reply += chunk.toString('utf8');
      const lines = reply.split('\r\n');
      if (lines.some((l) => l.startsWith('-'))) done(false);
      else if (lines.includes('+PONG')) done(true);
    });
  });
}

function resp(args: string[]): string {
  return `*${args.length}\r\n` + args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('');
}
