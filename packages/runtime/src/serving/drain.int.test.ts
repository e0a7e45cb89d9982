/**
 * Graceful drain of a real service process on SIGTERM: health flips to
 * NOT_SERVING (grpc_health_probe) and /readyz to 503 during the drain delay,
 * in-flight calls finish, open streams end with UNAVAILABLE, and the process
 * exits 0 — or 1 once the shutdown timeout cuts a call that would not finish.
 * Bad config stops the process with exit 78 naming the variable.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type * as grpc from '@grpc/grpc-js';
import { EchoService } from '@nightglow/contracts/sample/v1';
import { tools } from '@nightglow/testenv';
import {
  createGrpcJsClient,
  eventually,
  grpcUnary,
  runServiceExpectingFailure,
  scrapeMetric,
  startServiceProcess,
} from '../testing/index.js';

const run = promisify(execFile);
const main = fileURLToPath(new URL('../../dist/sample/main.js', import.meta.url));

async function probe(addr: string): Promise<{ code: number; out: string }> {
  return run(tools().grpcHealthProbe, ['-addr', addr]).then(
    (r) => ({ code: 0, out: r.stdout + r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout + e.stderr }),
  );
}

/** Resolves once the server counts a call of `method` as in flight (grpc-js connects lazily). */
const callReachedServer = (httpPort: number, method: string): Promise<true> =>
  eventually(
    `${method} in flight`,
    async () =>
      (await scrapeMetric(httpPort, 'nightglow_rpc_server_in_flight', { rpc_method: method })) >= 1 ? true : undefined,
    {
      timeoutMs: 10_000,
    },
  );

describe('graceful drain of a service process', () => {
  it('flips health, finishes in-flight calls, ends streams and exits 0', async () => {
    // 3 s of drain delay: room for polling grpc_health_probe (a process spawn) on a loaded machine.
    const p = await startServiceProcess(main, { DRAIN_DELAY: '3s', SHUTDOWN_TIMEOUT: '10s' });
    const addr = `127.0.0.1:${p.grpcPort}`;
    const client = createGrpcJsClient(EchoService, addr);
    try {
      expect((await probe(addr)).out).toContain('status: SERVING');
      const stream = (client['EchoStream'] as unknown as (r: unknown) => grpc.ClientReadableStream<unknown>)({
        message: 'tick',
        count: 0,
        interval: { nanos: 50_000_000 },
      });
      let received = 0;
      stream.on('data', () => received++);
      const streamEnd = new Promise<number>((resolve) => {
        stream.on('error', (e: grpc.ServiceError) => resolve(e.code));
        stream.on('end', () => resolve(0));
      });
      // Outlives the drain delay, so the process must wait for it after the delay, not just during it.
      const pending = grpcUnary<{ message: string }>(client, 'Echo', { message: 'finish me', delay: { seconds: 5n } });
      await callReachedServer(p.httpPort, 'Echo');
      await eventually('the stream to deliver', () => (received > 0 ? true : undefined), { timeoutMs: 10_000 });
      const signalledAt = Date.now();
      p.child.kill('SIGTERM');
      // Only during the drain delay does the server answer NOT_SERVING; after it, the probe cannot connect.
      const draining = await eventually(
        'grpc_health_probe to report NOT_SERVING',
        async () => {
          const r = await probe(addr);
          return r.out.includes('NOT_SERVING') ? r : undefined;
        },
        { timeoutMs: 3_000 },
      );
      expect(draining.code).not.toBe(0);
      expect((await fetch(`http://127.0.0.1:${p.httpPort}/readyz`)).status).toBe(503);
      expect((await pending).message).toBe('finish me');
      expect(await streamEnd).toBe(14); // UNAVAILABLE: reconnect elsewhere
      expect(received).toBeGreaterThan(3);
      expect(await p.exited).toBe(0);
      expect(Date.now() - signalledAt).toBeLessThan(10_000);
    } finally {
      client.close();
      p.child.kill('SIGKILL');
    }
  });

  it('cuts calls that outlive SHUTDOWN_TIMEOUT and exits 1', async () => {
    const p = await startServiceProcess(main, { SHUTDOWN_TIMEOUT: '500ms' });
    const client = createGrpcJsClient(EchoService, `127.0.0.1:${p.grpcPort}`);
    try {
      const stuck = grpcUnary(client, 'Echo', { delay: { seconds: 30n } }).catch((e: grpc.ServiceError) => e);
      await callReachedServer(p.httpPort, 'Echo');
      const signalledAt = Date.now();
      p.child.kill('SIGTERM');
      expect(await p.exited).toBe(1);
      expect(Date.now() - signalledAt).toBeLessThan(5000);
      expect(await stuck).toHaveProperty('code');
    } finally {
      client.close();
      p.child.kill('SIGKILL');
    }
  });

  it('refuses to start on a bad variable, naming it, with exit code 78', async () => {
    const result = await runServiceExpectingFailure(main, { GRPC_PORT: 'fifty', MAX_MESSAGE_BYTES: 'lots' });
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('GRPC_PORT: "fifty" is not a port');
    expect(result.stderr).toContain('MAX_MESSAGE_BYTES: "lots" is not a byte size');
  });
});
