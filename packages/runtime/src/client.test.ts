import { once } from 'node:events';
import { createServer, constants, type Http2Server, type ServerHttp2Session } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { Code, ConnectError, createClient, type Interceptor } from '@connectrpc/connect';
import { EchoService } from '@nightglow/contracts/sample/v1';
import { afterEach, describe, expect, it } from 'vitest';
import { createServiceClient, refusedStreamInterceptor } from './client.js';
import { createTracing } from './telemetry/tracing.js';

/** What Node raises when a server resets a stream with REFUSED_STREAM and it arrives as a stream error. */
function nodeRefusedStreamError(): Error {
  return Object.assign(new Error('Stream closed with error code NGHTTP2_REFUSED_STREAM'), {
    code: 'ERR_HTTP2_STREAM_ERROR',
  });
}

/** A transport whose every call fails with `error`, behind the interceptor under test. */
function failingClient(error: unknown) {
  const interceptor = refusedStreamInterceptor();
  const fail: Parameters<Interceptor>[0] = () => Promise.reject(error);
  const call = interceptor(fail);
  return createClient(EchoService, {
    unary: () => call({} as never) as never,
    stream: () => call({} as never) as never,
  });
}

/** The ConnectError a call failed with; a call that succeeds fails the test. */
function failure(call: Promise<unknown>): Promise<ConnectError> {
  return call.then(
    () => {
      throw new Error('the call succeeded');
    },
    (e: unknown) => ConnectError.from(e),
  );
}

const servers: Http2Server[] = [];
const sessions: ServerHttp2Session[] = [];
afterEach(async () => {
  for (const session of sessions.splice(0)) session.destroy();
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

describe('refusedStreamInterceptor', () => {
  it('turns a refused stream reported as INTERNAL into UNAVAILABLE, keeping its message and cause', async () => {
    const nodeError = nodeRefusedStreamError();
    const err = await failure(
      failingClient(new ConnectError(nodeError.message, Code.Internal, undefined, undefined, nodeError)).echo({
        message: 'x',
      }),
    );
    expect(err.code).toBe(Code.Unavailable);
    expect(err.rawMessage).toBe('Stream closed with error code NGHTTP2_REFUSED_STREAM');
    expect(err.cause).toBeInstanceOf(ConnectError);
  });

  it('leaves every other error as it is', async () => {
    const internal = new ConnectError('boom', Code.Internal);
    const denied = new ConnectError('NGHTTP2_REFUSED_STREAM in a message, but not internal', Code.PermissionDenied);
    for (const error of [internal, denied]) {
      const err = await failingClient(error)
        .echo({ message: 'x' })
        .catch((e: unknown) => e);
      expect(err).toBe(error);
    }
  });

  it('a service client gets UNAVAILABLE from a real HTTP/2 server that refuses its stream', async () => {
    const server = createServer();
    servers.push(server);
    server.on('session', (session) => sessions.push(session));
    server.on('stream', (stream) => {
      stream.on('error', () => undefined); // closing with an error code raises it on the server's side too
      stream.close(constants.NGHTTP2_REFUSED_STREAM);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const client = createServiceClient(EchoService, {
      baseUrl: `http://127.0.0.1:${port}`,
      tracing: createTracing({ serviceName: 't' }),
    });
    for (let i = 0; i < 3; i++) {
      const err = await failure(client.echo({ message: 'x' }));
      expect(err.code).toBe(Code.Unavailable);
    }
  });
});
