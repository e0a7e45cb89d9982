import { execFile } from 'node:child_process';
import { chownSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { requireFile, testenvPaths } from './paths.js';
import { spawnServer } from './process-group.js';
import { createServerDir, freePort, logTail, orCleanup, removeServerDir, waitUntilReady } from './server-support.js';

const run = promisify(execFile);

/** A running PostgreSQL server; `stop()` ends it and removes its data folder. */
export interface PostgresServer {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly database: string;
  /** `postgres://postgres@127.0.0.1:<port>/postgres` (trust auth, no password). */
  readonly url: string;
  readonly pid: number;
  readonly dir: string;
  stop(): Promise<void>;
}

/**
 * The user PostgreSQL must run as: initdb and postgres refuse root, so as root we
 * switch to Debian's `postgres` account (spawn's uid/gid, the same as `runuser -u
 * postgres` without an extra process in between); as anyone else, ourselves.
 */
async function serverUser(): Promise<{ uid?: number; gid?: number }> {
  if (process.getuid?.() !== 0) return {};
  const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

async function isAccepting(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Creates a fresh cluster (initdb, trust auth, UTF8, C.UTF-8) in a temp folder and
 * starts Debian's PostgreSQL on a free 127.0.0.1 port with its socket in that folder
 * and durability off (fsync, synchronous_commit: test data is throwaway). Resolves
 * once `SELECT 1` answers.
 */
export async function startPostgres(): Promise<PostgresServer> {
  const paths = testenvPaths();
  const initdb = requireFile('initdb', join(paths.postgresBin, 'initdb'));
  const postgres = requireFile('postgres', join(paths.postgresBin, 'postgres'));
  const dir = createServerDir('postgres');
  const dataDir = join(dir, 'data');
  const logFile = join(dir, 'postgres.log');
  const env = { ...process.env, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8', HOME: dir };
  return orCleanup(
    async () => {
      const user = await serverUser();
      if (user.uid !== undefined && user.gid !== undefined) chownSync(dir, user.uid, user.gid);
      const initArgs = ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8', '-N'];
      await run(initdb, initArgs, { ...user, cwd: dir, env }).catch((error: Error & { stderr?: string }) => {
        throw new Error(`initdb failed: ${error.stderr ?? error.message}`, { cause: error });
      });
      const host = '127.0.0.1';
      const port = await freePort();
      const settings = ['listen_addresses=127.0.0.1', 'fsync=off', 'synchronous_commit=off', 'full_page_writes=off'];
      const args = ['-D', dataDir, '-p', String(port), '-k', dir, ...settings.flatMap((s) => ['-c', s])];
      const proc = spawnServer({ command: postgres, args, logFile, cwd: dir, env, orphanDir: dir, ...user });
      const url = `postgres://postgres@${host}:${port}/postgres`;
      await waitUntilReady({ what: 'postgres', proc, logFile, check: () => isAccepting(url), timeoutMs: 30_000 });
      return {
        host,
        port,
        user: 'postgres',
        database: 'postgres',
        url,
        pid: proc.pid,
        dir,
        async stop() {
          // SIGINT is PostgreSQL's "fast" shutdown: roll back sessions, then exit.
          await proc.kill('SIGINT', 10_000).catch((error: Error) => {
            throw new Error(`${error.message}\n${logTail(logFile)}`, { cause: error });
          });
          removeServerDir(dir);
        },
      };
    },
    () => removeServerDir(dir),
  );
}

/**
 * Creates database `name` (an SQL identifier: letters, digits, `_`) on the
 * server at `serverUrl` and returns its URL, so a test or benchmark part never
 * sees another's rows.
 */
export async function createDatabase(serverUrl: string, name: string): Promise<string> {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
    throw new Error(`createDatabase: ${JSON.stringify(name)} is not a plain SQL identifier`);
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  return u.toString();
}
