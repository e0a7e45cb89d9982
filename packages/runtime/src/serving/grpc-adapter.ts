/**
 * Serves a protobuf-es service implementation (connect-es `ServiceImpl` shape)
 * on a @grpc/grpc-js server: native gRPC over h2c, which grpcurl, grpc-go,
 * grpc-js and Python grpcio call. Messages are encoded with protobuf-es; a
 * handler sees the same `HandlerContext` it would under Connect, and a thrown
 * ConnectError becomes a gRPC status with `grpc-status-details-bin`.
 */
import * as grpc from '@grpc/grpc-js';
import { create, fromBinary, toBinary, type DescMessage, type DescMethod, type DescService } from '@bufbuild/protobuf';
import { ConnectError } from '@connectrpc/connect';
import { GrpcHandlerContext } from './grpc-context.js';
import { callKey } from './call-context.js';
import { encodeStatusDetails } from './status-details.js';
import type { AnyServiceImpl } from './instrument.js';

function serializer(desc: DescMessage): (m: unknown) => Buffer {
  return (m) => {
    const bytes = toBinary(desc, create(desc, m as never));
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  };
}

function deserializer(desc: DescMessage): (b: Buffer) => unknown {
  return (b) => fromBinary(desc, b);
}

function headersToMetadata(h: Headers, md = new grpc.Metadata()): grpc.Metadata {
  h.forEach((value, key) => {
    if (key.endsWith('-bin')) md.add(key, Buffer.from(value, 'base64'));
    else md.add(key, value);
  });
  return md;
}

/**
 * Converts any thrown value into a grpc-js status object (ConnectErrors keep
 * code and details); headers and trailers the handler set, and the call's
 * x-request-id, travel with it.
 */
function toStatus(e: unknown, ctx: GrpcHandlerContext): Partial<grpc.StatusObject> {
  const err = ConnectError.from(e);
  const metadata = headersToMetadata(err.metadata);
  for (const extra of [ctx.headersToSend(), ctx.trailersToSend()]) if (extra) headersToMetadata(extra, metadata);
  const requestId = ctx.values.get(callKey)?.requestId;
  if (requestId) metadata.set('x-request-id', requestId);
  const details = encodeStatusDetails(err);
  if (details) metadata.set('grpc-status-details-bin', details);
  return { code: err.code as number as grpc.status, details: err.rawMessage, metadata };
}

function unaryHandler(
  service: DescService,
  method: DescMethod,
  fn: AnyServiceImpl[string],
): grpc.handleUnaryCall<unknown, unknown> {
  // A promise chain, not async/await: fewer promises per call (see instrument.ts).
  return (call, callback) => {
    const ctx = new GrpcHandlerContext(service, method, call);
    const ok = (res: unknown): void => {
      ctx.complete();
      const headers = ctx.headersToSend();
      if (headers) call.sendMetadata(headersToMetadata(headers));
      const trailers = ctx.trailersToSend();
      callback(null, res, trailers && headersToMetadata(trailers));
    };
    const fail = (e: unknown): void => {
      ctx.complete();
      callback(toStatus(e, ctx) as grpc.ServiceError);
    };
    let pending: unknown;
    try {
      pending = fn(call.request, ctx);
    } catch (e) {
      fail(e);
      return;
    }
    Promise.resolve(pending).then(ok, fail);
  };
}

function streamHandler(
  service: DescService,
  method: DescMethod,
  fn: AnyServiceImpl[string],
): grpc.handleServerStreamingCall<unknown, unknown> {
  return (call) => {
    const ctx = new GrpcHandlerContext(service, method, call);
    const run = async (): Promise<void> => {
      const iterable = fn(call.request, ctx) as AsyncIterable<unknown>;
      let headersSent = false;
      for await (const msg of iterable) {
        if (call.cancelled) return;
        if (!headersSent) {
          const headers = ctx.headersToSend();
          if (headers) call.sendMetadata(headersToMetadata(headers));
          headersSent = true;
        }
        if (!call.write(msg)) {
          await new Promise<void>((resolve) => {
            const done = (): void => {
              call.off('drain', done);
              call.off('cancelled', done);
              resolve();
            };
            call.on('drain', done);
            call.once('cancelled', done);
          });
        }
      }
      const trailers = ctx.trailersToSend();
      call.end(trailers && headersToMetadata(trailers));
    };
    run()
      .catch((e: unknown) => {
        if (!call.cancelled) call.emit('error', toStatus(e, ctx));
      })
      .finally(() => ctx.complete());
  };
}

/** Registers every implemented method of `service` on a grpc-js server. */
export function addGrpcService(server: grpc.Server, service: DescService, impl: AnyServiceImpl): void {
  const definition: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  const handlers: grpc.UntypedServiceImplementation = {};
  for (const method of service.methods) {
    const fn = impl[method.localName];
    if (!fn) continue;
    if (method.methodKind !== 'unary' && method.methodKind !== 'server_streaming') {
      throw new Error(`${service.typeName}.${method.name}: ${method.methodKind} RPCs are not supported by the runtime`);
    }
    definition[method.name] = {
      path: `/${service.typeName}/${method.name}`,
      requestStream: false,
      responseStream: method.methodKind === 'server_streaming',
      requestSerialize: serializer(method.input),
      requestDeserialize: deserializer(method.input),
      responseSerialize: serializer(method.output),
      responseDeserialize: deserializer(method.output),
      originalName: method.localName,
    };
    handlers[method.name] =
      method.methodKind === 'unary' ? unaryHandler(service, method, fn) : streamHandler(service, method, fn);
  }
  server.addService(definition as grpc.ServiceDefinition, handlers);
}
