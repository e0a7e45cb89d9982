/**
 * Serves a protobuf-es service implementation (connect-es `ServiceImpl` shape)
 * on a @grpc/grpc-js server: native gRPC over h2c, which grpcurl, grpc-go,
 * grpc-js and Python grpcio call. Messages are encoded with protobuf-es; a
 * handler sees the same `HandlerContext` it would under Connect, and a thrown
 * ConnectError becomes a gRPC status with `grpc-status-details-bin`.
 */
import * as grpc from '@grpc/grpc-js';
import { create, fromBinary, toBinary, type DescMessage, type DescMethod, type DescService } from '@bufbuild/protobuf';
import { ConnectError, createHandlerContext, type HandlerContext } from '@connectrpc/connect';
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

function metadataToHeaders(md: grpc.Metadata): Headers {
  const h = new Headers();
  for (const [key, values] of Object.entries(md.getMap())) {
    const v = typeof values === 'string' ? values : Buffer.from(values).toString('base64');
    h.append(key, v);
  }
  return h;
}

function headersToMetadata(h: Headers, md = new grpc.Metadata()): grpc.Metadata {
  h.forEach((value, key) => {
    if (key.endsWith('-bin')) md.add(key, Buffer.from(value, 'base64'));
    else md.add(key, value);
  });
  return md;
}

type GrpcCall = grpc.ServerUnaryCall<unknown, unknown> | grpc.ServerWritableStream<unknown, unknown>;

function handlerContext(service: DescService, method: DescMethod, call: GrpcCall): HandlerContext & { abort(r?: unknown): void } {
  const deadline = call.getDeadline();
  const deadlineMs = deadline instanceof Date ? deadline.getTime() : deadline;
  const ctx = createHandlerContext({
    service,
    method,
    protocolName: 'grpc',
    requestMethod: 'POST',
    url: `/${service.typeName}/${method.name}`,
    requestHeader: metadataToHeaders(call.metadata),
    ...(Number.isFinite(deadlineMs) ? { timeoutMs: Math.max(0, deadlineMs - Date.now()) } : {}),
  });
  call.once('cancelled', () => ctx.abort(new Error('call cancelled by the client')));
  return ctx;
}

/** Converts any thrown value into a grpc-js status object (ConnectErrors keep code and details). */
function toStatus(e: unknown): Partial<grpc.StatusObject> {
  const err = ConnectError.from(e);
  const metadata = headersToMetadata(err.metadata);
  const details = encodeStatusDetails(err);
  if (details) metadata.set('grpc-status-details-bin', details);
  return { code: err.code as number as grpc.status, details: err.rawMessage, metadata };
}

function unaryHandler(service: DescService, method: DescMethod, fn: AnyServiceImpl[string]): grpc.handleUnaryCall<unknown, unknown> {
  return (call, callback) => {
    const ctx = handlerContext(service, method, call);
    Promise.resolve()
      .then(() => fn(call.request, ctx))
      .then(
        (res) => {
          if ([...ctx.responseHeader.keys()].length > 0) call.sendMetadata(headersToMetadata(ctx.responseHeader));
          callback(null, res, headersToMetadata(ctx.responseTrailer));
        },
        (e: unknown) => callback(toStatus(e) as grpc.ServiceError),
      )
      .finally(() => ctx.abort());
  };
}

function streamHandler(service: DescService, method: DescMethod, fn: AnyServiceImpl[string]): grpc.handleServerStreamingCall<unknown, unknown> {
  return (call) => {
    const ctx = handlerContext(service, method, call);
    const run = async (): Promise<void> => {
      const iterable = fn(call.request, ctx) as AsyncIterable<unknown>;
      let headersSent = false;
      for await (const msg of iterable) {
        if (call.cancelled) return;
        if (!headersSent) {
          call.sendMetadata(headersToMetadata(ctx.responseHeader));
          headersSent = true;
        }
        if (!call.write(msg)) {
          await new Promise<void>((resolve) => {
            const done = (): void => { call.off('drain', done); call.off('cancelled', done); resolve(); };
            call.on('drain', done);
            call.once('cancelled', done);
          });
        }
      }
      call.end(headersToMetadata(ctx.responseTrailer));
    };
    run()
      .catch((e: unknown) => {
        if (!call.cancelled) call.emit('error', toStatus(e));
      })
      .finally(() => ctx.abort());
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
