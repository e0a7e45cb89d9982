/**
 * The runtime's serving stack end to end, through real ports and real clients:
 * grpcurl (reflection v1), Python grpcio (reflection v1alpha), grpc-js, curl
 * with Connect JSON, gRPC-Web, grpc_health_probe; error mapping, deadlines,
 * message limits, metrics, probes, CORS, and a trace crossing two services.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromBinary, type MessageShape } from '@bufbuild/protobuf';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { createGrpcWebTransport } from '@connectrpc/connect-node';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type * as grpc from '@grpc/grpc-js';
import { EchoService, FailureMode, type EchoResponseSchema } from '@nightglow/contracts/sample/v1';
import { StatusSchema } from '@nightglow/contracts/google/rpc/status';
import { BadRequestSchema } from '@nightglow/contracts/google/rpc';
import { tools } from '@nightglow/testenv';
import { startService, type StartedService } from '../index.js';
import { createGrpcJsClient, grpcUnary } from '../testing/index.js';
import { sampleService, type SampleConfig } from '../sample/index.js';

const run = promisify(execFile);
type EchoResponse = MessageShape<typeof EchoResponseSchema>;

describe('runtime serving (real ports, real clients)', () => {
  const t = tools();
  const exporter = new InMemorySpanExporter();
  let svc: StartedService<SampleConfig>;
  let downstream: StartedService<SampleConfig>;
  let relay: StartedService<SampleConfig>;
  let grpcAddr: string;
  let httpUrl: string;

  beforeAll(async () => {
    const spanProcessors = [new SimpleSpanProcessor(exporter)];
    svc = await startService(sampleService, { LOG_LEVEL: 'silent', CORS_ALLOWED_ORIGINS: 'https://console.example' });
    downstream = await startService(sampleService, { LOG_LEVEL: 'silent' }, { spanProcessors });
    relay = await startService(
      sampleService,
      { LOG_LEVEL: 'silent', ECHO_FORWARD_URL: `http://127.0.0.1:${downstream.server.grpcPort}` },
      { spanProcessors },
    );
    grpcAddr = `127.0.0.1:${svc.server.grpcPort}`;
    httpUrl = `http://127.0.0.1:${svc.server.httpPort}`;
  });

  afterAll(async () => {
    await Promise.all([svc?.stop(), downstream?.stop(), relay?.stop()]);
  });

  it('answers grpcurl list, describe and a call by name through reflection', async () => {
    const list = await run(t.grpcurl, ['-plaintext', grpcAddr, 'list']);
    expect(list.stdout.split('\n')).toEqual(
      expect.arrayContaining(['nightglow.sample.v1.EchoService', 'grpc.health.v1.Health']),
    );
    const describe = await run(t.grpcurl, ['-plaintext', grpcAddr, 'describe', 'nightglow.sample.v1.EchoService']);
    expect(describe.stdout).toContain(
      'rpc Echo ( .nightglow.sample.v1.EchoRequest ) returns ( .nightglow.sample.v1.EchoResponse )',
    );
    expect(describe.stdout).toContain(
      'rpc EchoStream ( .nightglow.sample.v1.EchoStreamRequest ) returns ( stream .nightglow.sample.v1.EchoStreamResponse )',
    );
    const call = await run(t.grpcurl, [
      '-plaintext',
      '-d',
      '{"message":"hello grpcurl"}',
      grpcAddr,
      'nightglow.sample.v1.EchoService/Echo',
    ]);
    expect(JSON.parse(call.stdout)).toMatchObject({ message: 'hello grpcurl' });
  });

  it('shows grpcurl the BadRequest details of INVALID_ARGUMENT', async () => {
    const failed = await run(t.grpcurl, [
      '-plaintext',
      '-d',
      '{"message":"x","fail":"FAILURE_MODE_INVALID_ARGUMENT"}',
      grpcAddr,
      'nightglow.sample.v1.EchoService/Echo',
    ]).catch((e: { stdout: string; stderr: string; code: number }) => e);
    expect('code' in failed && failed.code).not.toBe(0);
    const out = `${failed.stdout}${failed.stderr}`;
    expect(out).toContain('Code: InvalidArgument');
    expect(out).toContain('google.rpc.BadRequest');
    expect(out).toContain('"field": "message"');
  });

  it('serves a grpc-js client: unary, stream, errors, deadline, size limit', async () => {
    const client = createGrpcJsClient(EchoService, grpcAddr);
    try {
      const ok = await grpcUnary<EchoResponse>(client, 'Echo', { message: 'hi' }, { deadlineMs: 5000 });
      expect(ok.message).toBe('hi');
      expect(Number(ok.deadlineMs)).toBeGreaterThan(3000);
      expect(ok.requestId).toMatch(/^[0-9a-f-]{36}$/);

      const internal = await grpcUnary(client, 'Echo', { fail: FailureMode.UNEXPECTED }).catch(
        (e: grpc.ServiceError) => e,
      );
      expect(internal).toMatchObject({ code: Code.Internal, details: 'internal error' });
      expect(JSON.stringify(internal)).not.toContain('secret');

      const late = await grpcUnary(client, 'Echo', { delay: { seconds: 5n } }, { deadlineMs: 200 }).catch(
        (e: grpc.ServiceError) => e,
      );
      expect((late as grpc.ServiceError).code).toBe(Code.DeadlineExceeded);

      const bad = (await grpcUnary(client, 'Echo', { fail: FailureMode.INVALID_ARGUMENT }).catch(
        (e: unknown) => e,
      )) as grpc.ServiceError;
      expect(bad.code).toBe(Code.InvalidArgument);
      expect(String(bad.metadata.get('x-request-id')[0])).toMatch(/^[0-9a-f-]{36}$/);
      const [statusBin] = bad.metadata.get('grpc-status-details-bin') as Buffer[];
      const status = fromBinary(StatusSchema, statusBin as Buffer);
      expect(status.details[0]?.typeUrl).toBe('type.googleapis.com/google.rpc.BadRequest');
      const badRequest = fromBinary(BadRequestSchema, status.details[0]?.value ?? new Uint8Array());
      expect(badRequest.fieldViolations[0]?.field).toBe('message');

      const huge = await grpcUnary(client, 'Echo', { payload: new Uint8Array(5 * 1024 * 1024) }).catch(
        (e: grpc.ServiceError) => e,
      );
      expect((huge as grpc.ServiceError).code).toBe(Code.ResourceExhausted);

      const stream = (
        client['EchoStream'] as unknown as (r: unknown) => grpc.ClientReadableStream<{ sequence: number }>
      )({ message: 's', count: 3 });
      const seqs: number[] = [];
      for await (const m of stream) seqs.push((m as { sequence: number }).sequence);
      expect(seqs).toEqual([1, 2, 3]);
    } finally {
      client.close();
    }
  });

  it('serves Python grpcio through reflection', async () => {
    const script = fileURLToPath(new URL('./testdata/python_echo.py', import.meta.url));
    const { stdout } = await run(t.python, [script, grpcAddr]);
    const [ok, failed] = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(ok).toMatchObject({ message: 'from python' });
    expect(ok?.['services']).toContain('nightglow.sample.v1.EchoService');
    expect(failed).toMatchObject({ code: 'INVALID_ARGUMENT', details: 'message: was asked to be refused' });
  });

  it('answers curl with Connect JSON, including errors without internal detail', async () => {
    const curl = (body: string): Promise<{ stdout: string }> =>
      run('curl', [
        '-s',
        '-X',
        'POST',
        '-H',
        'content-type: application/json',
        '-d',
        body,
        `${httpUrl}/nightglow.sample.v1.EchoService/Echo`,
      ]);
    expect(JSON.parse((await curl('{"message":"from curl"}')).stdout)).toMatchObject({ message: 'from curl' });
    const internal = JSON.parse((await curl('{"fail":"FAILURE_MODE_UNEXPECTED"}')).stdout) as Record<string, unknown>;
    expect(internal).toEqual({ code: 'internal', message: 'internal error' });
    const notFound = JSON.parse((await curl('{"message":"m1","fail":"FAILURE_MODE_NOT_FOUND"}')).stdout) as {
      code: string;
      details: { type: string }[];
    };
    expect(notFound.code).toBe('not_found');
    expect(notFound.details[0]?.type).toBe('google.rpc.ResourceInfo');
  });

  it('serves gRPC-Web over HTTP/1.1', async () => {
    const client = createClient(EchoService, createGrpcWebTransport({ baseUrl: httpUrl, httpVersion: '1.1' }));
    expect((await client.echo({ message: 'web' })).message).toBe('web');
    const seqs: number[] = [];
    for await (const m of client.echoStream({ message: 'w', count: 2 })) seqs.push(m.sequence);
    expect(seqs).toEqual([1, 2]);
    const err = await client.echo({ fail: FailureMode.NOT_FOUND, message: 'gone' }).then(
      () => undefined,
      (e: unknown) => ConnectError.from(e),
    );
    expect(err?.code).toBe(Code.NotFound);
  });

  it('reports SERVING to grpc_health_probe and serves probes, metrics and CORS', async () => {
    const probe = await run(t.grpcHealthProbe, ['-addr', grpcAddr]);
    expect(`${probe.stdout}${probe.stderr}`).toContain('status: SERVING');
    const svcProbe = await run(t.grpcHealthProbe, ['-addr', grpcAddr, '-service', 'nightglow.sample.v1.EchoService']);
    expect(`${svcProbe.stdout}${svcProbe.stderr}`).toContain('status: SERVING');
    expect((await fetch(`${httpUrl}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${httpUrl}/readyz`)).json()).toEqual({ status: 'ready' });
    const metrics = await (await fetch(`${httpUrl}/metrics`)).text();
    expect(metrics).toMatch(/nightglow_rpc_server_handled_total\{[^}]*rpc_method="Echo",code="OK",protocol="grpc"/);
    expect(metrics).toMatch(/nightglow_rpc_server_duration_seconds_bucket/);
    const preflight = await fetch(`${httpUrl}/nightglow.sample.v1.EchoService/Echo`, {
      method: 'OPTIONS',
      headers: { origin: 'https://console.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://console.example');
    const denied = await fetch(`${httpUrl}/nightglow.sample.v1.EchoService/Echo`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(denied.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('carries one trace id, the request id and the deadline across two services', async () => {
    exporter.reset();
    const client = createGrpcJsClient(EchoService, `127.0.0.1:${relay.server.grpcPort}`);
    try {
      const res = await grpcUnary<EchoResponse>(client, 'Echo', { message: 'relayed' }, { deadlineMs: 4000 });
      expect(res.message).toBe('relayed');
      // The downstream answered: its deadline is what was left of ours, and it saw the relay's trace.
      expect(Number(res.deadlineMs)).toBeGreaterThan(0);
      expect(Number(res.deadlineMs)).toBeLessThanOrEqual(4000);
      const spans = exporter.getFinishedSpans();
      const names = spans.map((s) => `${s.instrumentationScope.name}:${s.name}`);
      expect(names).toEqual(expect.arrayContaining(['sample-echo:nightglow.sample.v1.EchoService/Echo']));
      const traceIds = new Set(spans.map((s) => s.spanContext().traceId));
      expect(traceIds.size).toBe(1);
      expect([...traceIds][0]).toBe(res.traceId);
      const servers = spans.filter((s) => s.kind === 1);
      const clientSpan = spans.find((s) => s.kind === 2);
      expect(servers).toHaveLength(2);
      expect(clientSpan).toBeDefined();
      const downstreamServer = servers.find((s) => s.parentSpanContext?.spanId === clientSpan?.spanContext().spanId);
      expect(downstreamServer).toBeDefined();
    } finally {
      client.close();
    }
  });
});
