import { describe, expect, it } from 'vitest';
import { Code, ConnectError, createClient, createRouterTransport } from '@connectrpc/connect';
import { EchoService, FailureMode } from '@nightglow/contracts/sample/v1';
import { createEchoService } from '../sample/echo-service.js';
import { createLogger } from '../logging.js';
import { createMetrics } from '../telemetry/metrics.js';
import { createTracing } from '../telemetry/tracing.js';
import { instrumentService, type AnyServiceImpl } from './instrument.js';

function setup(impl: AnyServiceImpl, drain = new AbortController()) {
  const lines: string[] = [];
  const logger = createLogger({
    service: 't',
    level: 'debug',
    destination: { write: (l: string) => void lines.push(l) },
  });
  const metrics = createMetrics('t');
  const deps = { logger, metrics, tracing: createTracing({ serviceName: 't' }), drainSignal: drain.signal };
  const wrapped = instrumentService(EchoService, impl, deps);
  const transport = createRouterTransport(({ service }) => service(EchoService, wrapped as never));
  return { client: createClient(EchoService, transport), lines, metrics, drain };
}

async function codeOf(p: Promise<unknown>): Promise<Code | 'OK'> {
  return p.then(
    () => 'OK' as const,
    (e: unknown) => ConnectError.from(e).code,
  );
}

describe('instrumented handlers (in memory)', () => {
  it('answers unexpected exceptions with INTERNAL, logs them in full, and counts them', async () => {
    const { client, lines, metrics } = setup(createEchoService() as unknown as AnyServiceImpl);
    const err = await client.echo({ fail: FailureMode.UNEXPECTED }).catch((e: unknown) => ConnectError.from(e));
    expect(err).toMatchObject({ code: Code.Internal, rawMessage: 'internal error' });
    expect(lines.join('')).toContain('/var/lib/secret');
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/nightglow_rpc_server_handled_total\{[^}]*code="Internal"[^}]*\} 1/);
  });

  it('lets domain errors map themselves and passes ConnectErrors through', async () => {
    class Gone extends Error {
      toConnectError(): ConnectError {
        return new ConnectError('session is gone', Code.NotFound);
      }
    }
    const { client } = setup({
      echo: async (req: unknown) => {
        if ((req as { message: string }).message === 'gone') throw new Gone('x');
        throw new ConnectError('slow down', Code.ResourceExhausted);
      },
    });
    expect(await codeOf(client.echo({ message: 'gone' }))).toBe(Code.NotFound);
    expect(await codeOf(client.echo({ message: 'other' }))).toBe(Code.ResourceExhausted);
  });

  it('gives every call a request id, honouring the caller’s', async () => {
    const { client } = setup(createEchoService() as unknown as AnyServiceImpl);
    const own = await client.echo({ message: 'a' }, { headers: { 'x-request-id': 'req-123' } });
    expect(own.requestId).toBe('req-123');
    const generated = await client.echo({ message: 'b' });
    expect(generated.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('ends open streams with UNAVAILABLE when the server drains', async () => {
    const { client, drain } = setup(createEchoService() as unknown as AnyServiceImpl);
    const seen: number[] = [];
    const consume = (async () => {
      for await (const m of client.echoStream({ message: 'x', count: 0, interval: { nanos: 5_000_000 } })) {
        seen.push(m.sequence);
        if (seen.length === 3) drain.abort();
      }
    })();
    expect(await codeOf(consume)).toBe(Code.Unavailable);
    expect(seen.length).toBeGreaterThanOrEqual(3);
  });
});
