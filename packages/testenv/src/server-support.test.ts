import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnServer } from './process-group.js';
import {
  createServerDir,
  FREE_PORT_RANGE,
  freePort,
  logErrors,
  removeServerDir,
  waitUntilReady,
} from './server-support.js';
import { startWithRetry } from './test-env.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) removeServerDir(dir);
});

function tempDir(): string {
  const dir = createServerDir('support-test');
  dirs.push(dir);
  return dir;
}

describe('freePort', () => {
  it('hands out distinct ports below the kernel ephemeral range', async () => {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    expect(FREE_PORT_RANGE.high).toBeLessThan(low);
    const ports = await Promise.all(Array.from({ length: 40 }, () => freePort()));
    expect(new Set(ports).size).toBe(40);
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(FREE_PORT_RANGE.low);
      expect(port).toBeLessThanOrEqual(FREE_PORT_RANGE.high);
    }
  });
});

describe('waitUntilReady', () => {
  it('names the first error lines of a server that exits, not only its shutdown tail', async () => {
    const dir = tempDir();
    const logFile = join(dir, 'server.log');
    const script = [
      'echo "INFO starting"',
      'echo "ERROR Socket server failed to bind to 127.0.0.1:1234: Address already in use"',
      ...Array.from({ length: 60 }, (_, i) => `echo "INFO shutting down part ${i}"`),
      'exit 1',
    ].join('; ');
    const proc = spawnServer({ command: 'sh', args: ['-c', script], logFile });
    const failure = await waitUntilReady({
      what: 'fake-server',
      proc,
      logFile,
      check: () => Promise.resolve(false),
      timeoutMs: 10_000,
      intervalMs: 20,
    }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(Error);
    const message = (failure as Error).message;
    expect(message).toMatch(/^fake-server exited \(1\) before it was ready; first error lines:/);
    expect(message).toContain('Address already in use');
    expect(message).toContain('INFO shutting down part 59');
  });
});

describe('logErrors', () => {
  it('keeps error, fatal and exception lines in order, at most max', () => {
    const dir = tempDir();
    const file = join(dir, 'x.log');
    writeFileSync(
      file,
      [
        '[t] INFO ok',
        '[t] ERROR [BrokerServer id=1] Fatal error during broker startup',
        'java.net.BindException: Address already in use',
        '[t] WARN meh',
        '[t] FATAL gone',
      ].join('\n'),
    );
    expect(logErrors(file)).toEqual([
      '[t] ERROR [BrokerServer id=1] Fatal error during broker startup',
      'java.net.BindException: Address already in use',
      '[t] FATAL gone',
    ]);
    expect(logErrors(file, 1)).toHaveLength(1);
    expect(logErrors(join(dir, 'missing.log'))).toEqual([]);
  });
});

describe('startWithRetry', () => {
  it('starts again once after a failure and reports the first failure', async () => {
    const warnings: string[] = [];
    let calls = 0;
    const value = await startWithRetry(
      'kafka',
      () => {
        calls++;
        return calls === 1 ? Promise.reject(new Error('kafka exited (1) before it was ready')) : Promise.resolve(42);
      },
      (line) => warnings.push(line),
    );
    expect(value).toBe(42);
    expect(calls).toBe(2);
    expect(warnings).toEqual([
      '[testenv] kafka failed to start, trying once more: kafka exited (1) before it was ready',
    ]);
  });

  it('throws both messages when the second start fails too', async () => {
    let calls = 0;
    const attempt = startWithRetry(
      'redis',
      () => Promise.reject(new Error(`failure ${++calls}`)),
      () => undefined,
    );
    await expect(attempt).rejects.toThrow('redis failed to start twice.\nfirst: failure 1\nsecond: failure 2');
    expect(calls).toBe(2);
  });
});
