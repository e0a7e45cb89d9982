/**
 * Traces leave the process over OTLP/HTTP when an endpoint is configured: a
 * local HTTP receiver stands in for the collector and must see the sample
 * service's server span after a call.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { createClient } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import { EchoService } from '@nightglow/contracts/sample/v1';
import { startService } from '../run.js';
import { sampleService } from '../sample/sample-service.js';

describe('OTLP trace export', () => {
  const received: { url: string; body: string }[] = [];
  const receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString('latin1')));
    req.on('end', () => {
      received.push({ url: req.url ?? '', body });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  afterAll(() => new Promise<void>((r) => receiver.close(() => r())));

  it('exports the server span of a call to the configured endpoint', async () => {
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    const { port } = receiver.address() as AddressInfo;
    const svc = await startService(sampleService, {
      LOG_LEVEL: 'silent',
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
    });
    const client = createClient(
      EchoService,
      createConnectTransport({ baseUrl: `http://127.0.0.1:${svc.server.httpPort}`, httpVersion: '1.1' }),
    );
    const res = await client.echo({ message: 'traced' });
    expect(res.traceId).toMatch(/^[0-9a-f]{32}$/);
    await svc.stop(); // flushes the batch processor
    const traces = received.filter((r) => r.url === '/v1/traces');
    expect(traces.length).toBeGreaterThan(0);
    const body = traces.map((t) => t.body).join('');
    expect(body).toContain('nightglow.sample.v1.EchoService/Echo');
    expect(body).toContain('sample-echo');
  });
});
