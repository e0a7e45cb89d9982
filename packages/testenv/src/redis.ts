import { connect } from 'node:net';
import { join } from 'node:path';
import { requireFile, testenvPaths } from './paths.js';
import { spawnServer } from './process-group.js';
import { createServerDir, freePort, orCleanup, removeServerDir, waitUntilReady } from './server-support.js';

/** A running Redis server; `stop()` ends it and removes its folder. */
export interface RedisServer {
  readonly host: string;
  readonly port: number;
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  readonly pid: number;
  readonly dir: string;
  stop(): Promise<void>;
}

/** Resolves true when a RESP `PING` on host:port answers `+PONG`. */
export function pingRedis(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    let reply = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (data) => {
      reply += data.toString('latin1');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

/**
 * Starts Debian's redis-server on a free 127.0.0.1 port with persistence off
 * (`--save '' --appendonly no`); resolves once it answers PING.
 */
export async function startRedis(): Promise<RedisServer> {
  const paths = testenvPaths();
  const binary = requireFile('redis-server', paths.redisServer);
  const dir = createServerDir('redis');
  const host = '127.0.0.1';
  const logFile = join(dir, 'redis.log');
  return orCleanup(
    async () => {
      const port = await freePort();
      const args = [
        '--port',
        String(port),
        '--bind',
        host,
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
        '--daemonize',
        'no',
      ];
      const proc = spawnServer({ command: binary, args, logFile, cwd: dir, orphanDir: dir });
      await waitUntilReady({
        what: 'redis-server',
        proc,
        logFile,
        check: () => pingRedis(host, port),
        timeoutMs: 20_000,
      });
      return {
        host,
        port,
        url: `redis://${host}:${port}`,
        pid: proc.pid,
        dir,
        async stop() {
          await proc.kill('SIGTERM', 5_000);
          removeServerDir(dir);
        },
      };
    },
    () => removeServerDir(dir),
  );
}
