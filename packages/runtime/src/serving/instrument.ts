/**
 * Wraps a service implementation with what every RPC gets, whichever transport
 * delivered it: request id, logging, a server span continuing the caller's W3C
 * trace, metrics, error mapping (unexpected exceptions become INTERNAL without
 * their message) and, for streams, an end when the server drains. The wrapped
 * implementation is what both the gRPC and the Connect listeners serve, so
 * there is exactly one handler implementation per RPC.
 */
import { randomUUID } from 'node:crypto';
import type { DescMethod, DescService } from '@bufbuild/protobuf';
import { Code, ConnectError, type HandlerContext } from '@connectrpc/connect';
import { SpanKind, SpanStatusCode, context as otelContext, trace, type Context, type Span } from '@opentelemetry/api';
import type { Logger } from '../logging.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { Tracing } from '../telemetry/tracing.js';
import { toRpcError } from '../errors.js';
import { callKey, runInCall, type CallContext } from './call-context.js';

/** What the wrapper needs from the server. */
export type InstrumentDeps = {
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly tracing: Tracing;
  /** Aborted when the server starts draining: open streams end with UNAVAILABLE. */
  readonly drainSignal: AbortSignal;
};

/** Any implementation function of one method (unary or streaming). */
type AnyImpl = (req: unknown, ctx: HandlerContext) => unknown;
/** A (partial) implementation keyed by method local name. */
export type AnyServiceImpl = Record<string, AnyImpl>;

type ActiveCall = { call: CallContext; span: Span; otel: Context; end(e?: unknown): ConnectError | undefined };

function begin(method: DescMethod, ctx: HandlerContext, deps: InstrumentDeps): ActiveCall {
  const procedure = `/${method.parent.typeName}/${method.name}`;
  const requestId = ctx.requestHeader.get('x-request-id') ?? randomUUID();
  ctx.responseHeader.set('x-request-id', requestId);
  const parent = deps.tracing.extract(ctx.requestHeader, otelContext.active());
  const span = deps.tracing.tracer.startSpan(
    procedure.slice(1),
    {
      kind: SpanKind.SERVER,
      attributes: {
        'rpc.system': ctx.protocolName === 'grpc' ? 'grpc' : 'connect_rpc',
        'rpc.service': method.parent.typeName,
        'rpc.method': method.name,
        'nightglow.request_id': requestId,
      },
    },
    parent,
  );
  const traceId = span.spanContext().traceId;
  const timeout = ctx.timeoutMs();
  const logger = deps.logger.child({
    request_id: requestId,
    rpc: procedure,
    ...(deps.tracing.enabled ? { trace_id: traceId } : {}),
  });
  const call: CallContext = {
    requestId,
    procedure,
    deadline: timeout === undefined ? undefined : Date.now() + timeout,
    logger,
  };
  ctx.values.set(callKey, call);
  const labels = { rpc_service: method.parent.typeName, rpc_method: method.name };
  deps.metrics.rpc.inFlight.inc(labels);
  const stopTimer = deps.metrics.rpc.duration.startTimer({ ...labels, protocol: ctx.protocolName });
  let ended = false;
  return {
    call,
    span,
    otel: trace.setSpan(parent, span),
    end(e?: unknown) {
      if (ended) return e instanceof ConnectError ? e : undefined;
      ended = true;
      const err =
        e === undefined
          ? undefined
          : toRpcError(e, (raw) => logger.error({ err: raw }, 'unexpected exception in handler'));
      const code = err ? Code[err.code] : 'OK';
      deps.metrics.rpc.inFlight.dec(labels);
      stopTimer();
      deps.metrics.rpc.handled.inc({ ...labels, code, protocol: ctx.protocolName });
      span.setAttribute('rpc.grpc.status_code', err?.code ?? 0);
      if (err) span.setStatus({ code: SpanStatusCode.ERROR, message: Code[err.code] });
      span.end();
      if (err && err.code !== Code.Internal) logger.debug({ code }, 'rpc failed: %s', err.rawMessage);
      return err;
    },
  };
}

function wrapUnary(method: DescMethod, fn: AnyImpl, deps: InstrumentDeps): AnyImpl {
  return async (req, ctx) => {
    const active = begin(method, ctx, deps);
    try {
      const res = await runInCall(active.call, () => otelContext.with(active.otel, () => fn(req, ctx)));
      active.end();
      return res;
    } catch (e) {
      throw active.end(e);
    }
  };
}

function drained(): ConnectError {
  return new ConnectError('server is shutting down; reconnect to another instance', Code.Unavailable);
}

function wrapServerStream(method: DescMethod, fn: AnyImpl, deps: InstrumentDeps): AnyImpl {
  return async function* (req: unknown, ctx: HandlerContext) {
    const active = begin(method, ctx, deps);
    if (deps.drainSignal.aborted) throw active.end(drained());
    const inner = runInCall(active.call, () =>
      otelContext.with(active.otel, () => fn(req, ctx) as AsyncIterable<unknown>),
    )[Symbol.asyncIterator]();
    let onDrain: () => void = () => {};
    const draining = new Promise<'drain'>((resolve) => {
      onDrain = () => resolve('drain');
      deps.drainSignal.addEventListener('abort', onDrain, { once: true });
    });
    const labels = { rpc_service: method.parent.typeName, rpc_method: method.name };
    try {
      for (;;) {
        const next = runInCall(active.call, () => otelContext.with(active.otel, () => inner.next()));
        const r = await Promise.race([next, draining]);
        if (r === 'drain') throw drained();
        if (r.done) break;
        deps.metrics.rpc.streamMessages.inc(labels);
        yield r.value;
      }
      active.end();
    } catch (e) {
      throw active.end(e);
    } finally {
      // Reached without end() when the client cancels and the transport returns the generator.
      active.end(new ConnectError('cancelled by the client', Code.Canceled));
      deps.drainSignal.removeEventListener('abort', onDrain);
      void inner.return?.().catch(() => undefined);
    }
  };
}

/**
 * Returns a copy of `impl` with every method wrapped. Client- and bidi-streaming
 * methods are wrapped like unary/server-streaming ones on their output side.
 */
export function instrumentService(service: DescService, impl: AnyServiceImpl, deps: InstrumentDeps): AnyServiceImpl {
  const out: AnyServiceImpl = {};
  for (const method of service.methods) {
    const fn = impl[method.localName];
    if (!fn) continue;
    const bound: AnyImpl = (req, ctx) => fn.call(impl, req, ctx);
    out[method.localName] =
      method.methodKind === 'unary' || method.methodKind === 'client_streaming'
        ? wrapUnary(method, bound, deps)
        : wrapServerStream(method, bound, deps);
  }
  return out;
}
