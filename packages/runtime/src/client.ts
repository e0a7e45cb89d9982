/**
 * Clients for calling other Nightglow services (or any gRPC/Connect server).
 * Every call runs inside a client span whose W3C context is sent along. Pass
 * `callOptions(ctx)` from a handler and the call also carries that served
 * call's trace, `x-request-id`, remaining deadline and cancellation, so a chain
 * of services honours the first caller's deadline.
 */
import type { DescService } from '@bufbuild/protobuf';
import { Code, ConnectError, createClient, type Client, type Interceptor, type Transport } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport } from '@connectrpc/connect-node';
import { SpanKind, SpanStatusCode, context, trace, type Span } from '@opentelemetry/api';
import type { Tracing } from './telemetry/tracing.js';
import { callKey } from './serving/call-context.js';

/** Sets `x-request-id` from the served call passed in `callOptions(ctx)`, when there is one. */
export function callPropagationInterceptor(): Interceptor {
  return (next) => async (req) => {
    const call = req.contextValues.get(callKey);
    if (call && !req.header.has('x-request-id')) req.header.set('x-request-id', call.requestId);
    return next(req);
  };
}

function endWith(span: Span, e?: unknown): void {
  if (e !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: String((e as Error).message ?? e) });
  span.end();
}

/** Starts a client span per call and injects its W3C context into the request headers. */
export function tracingInterceptor(tracing: Tracing): Interceptor {
  return (next) => async (req) => {
    const parent = req.contextValues.get(callKey)?.otel ?? context.active();
    const span = tracing.tracer.startSpan(
      `${req.service.typeName}/${req.method.name}`,
      { kind: SpanKind.CLIENT, attributes: { 'rpc.service': req.service.typeName, 'rpc.method': req.method.name } },
      parent,
    );
    tracing.inject(trace.setSpan(parent, span), req.header);
    try {
      const res = await next(req);
      if (!res.stream) {
        endWith(span);
        return res;
      }
      const source = res.message;
      return {
        ...res,
        message: (async function* () {
          try {
            yield* source;
            endWith(span);
          } catch (e) {
            endWith(span, e);
            throw e;
          }
        })(),
      };
    } catch (e) {
      endWith(span, e);
      throw e;
    }
  };
}

/** Whether `e` (or an error in its cause chain) is an HTTP/2 stream the server refused (RST_STREAM REFUSED_STREAM). */
function refusedStream(e: unknown): boolean {
  for (let cur = e, depth = 0; cur instanceof Error && depth < 8; cur = cur.cause, depth++)
    if (cur.message.includes('NGHTTP2_REFUSED_STREAM')) return true;
  return false;
}

/**
 * A stream the server refused was never processed (a server draining or at its
 * stream limit): that is UNAVAILABLE, safe to retry. connect-node maps it so
 * when it reads the reset code, but reports the same reset arriving as a Node
 * stream error as INTERNAL; this interceptor gives both the same code.
 */
export function refusedStreamInterceptor(): Interceptor {
  const remap = (e: unknown): unknown => {
    const ce = ConnectError.from(e);
    return ce.code === Code.Internal && refusedStream(e)
      ? new ConnectError(ce.rawMessage, Code.Unavailable, ce.metadata, undefined, e)
      : e;
  };
  return (next) => async (req) => {
    try {
      const res = await next(req);
      if (!res.stream) return res;
      const source = res.message;
      return {
        ...res,
        message: (async function* () {
          try {
            yield* source;
          } catch (e) {
            throw remap(e);
          }
        })(),
      };
    } catch (e) {
      throw remap(e);
    }
  };
}

/** Options of {@link createServiceTransport}. */
export type ServiceTransportOptions = {
  /** e.g. `http://127.0.0.1:50051` (gRPC port) or `http://127.0.0.1:8080` (HTTP port for connect). */
  readonly baseUrl: string;
  readonly tracing: Tracing;
  /** `grpc` (HTTP/2, the default, for service-to-service) or `connect` (HTTP/1.1). */
  readonly protocol?: 'grpc' | 'connect';
  /** Largest message accepted or sent; default 4 MiB. */
  readonly maxMessageBytes?: number;
  readonly interceptors?: readonly Interceptor[];
};

/** A transport with tracing, call propagation and refused streams as UNAVAILABLE, for {@link createServiceClient} or connect's createClient. */
export function createServiceTransport(opts: ServiceTransportOptions): Transport {
  const max = opts.maxMessageBytes ?? 4 * 1024 * 1024;
  const interceptors = [
    tracingInterceptor(opts.tracing),
    callPropagationInterceptor(),
    refusedStreamInterceptor(),
    ...(opts.interceptors ?? []),
  ];
  return opts.protocol === 'connect'
    ? createConnectTransport({
        baseUrl: opts.baseUrl,
        httpVersion: '1.1',
        interceptors,
        readMaxBytes: max,
        writeMaxBytes: max,
      })
    : createGrpcTransport({ baseUrl: opts.baseUrl, interceptors, readMaxBytes: max, writeMaxBytes: max });
}

/** A typed promise client for `service` over {@link createServiceTransport}. */
export function createServiceClient<S extends DescService>(service: S, opts: ServiceTransportOptions): Client<S> {
  return createClient(service, createServiceTransport(opts));
}
