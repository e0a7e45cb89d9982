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
import type { CounterChild, GaugeChild, HistogramChild } from '../telemetry/families.js';
import type { Tracing } from '../telemetry/tracing.js';
import { toRpcError } from '../errors.js';
import { callKey, type CallContext } from './call-context.js';

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

/** Per-method metric children, resolved once so the hot path does no label work. */
type MethodMetrics = {
  inFlight: GaugeChild;
  duration(protocol: string): HistogramChild;
  handled(protocol: string, code: string): CounterChild;
  streamMessages: CounterChild;
};

function methodMetrics(metrics: Metrics, method: DescMethod): MethodMetrics {
  const svc = method.parent.typeName;
  const durations = new Map<string, HistogramChild>();
  const handled = new Map<string, CounterChild>();
  return {
    inFlight: metrics.rpc.inFlight.child(svc, method.name),
    duration: (protocol) => {
      let child = durations.get(protocol);
      if (!child) durations.set(protocol, (child = metrics.rpc.duration.child(svc, method.name, protocol)));
      return child;
    },
    handled: (protocol, code) => {
      const key = `${protocol} ${code}`;
      let child = handled.get(key);
      if (!child) handled.set(key, (child = metrics.rpc.handled.child(svc, method.name, code, protocol)));
      return child;
    },
    streamMessages: metrics.rpc.streamMessages.child(svc, method.name),
  };
}

/** What is fixed per method, computed once. */
type MethodInfo = { procedure: string; spanName: string; attributes: Record<string, string>; mm: MethodMetrics };

function methodInfo(method: DescMethod, metrics: Metrics): MethodInfo {
  const procedure = `/${method.parent.typeName}/${method.name}`;
  return {
    procedure,
    spanName: procedure.slice(1),
    attributes: { 'rpc.service': method.parent.typeName, 'rpc.method': method.name },
    mm: methodMetrics(metrics, method),
  };
}

function startSpan(
  info: MethodInfo,
  ctx: HandlerContext,
  deps: InstrumentDeps,
  requestId: string,
): { span: Span | undefined; otel: Context } {
  const parent = deps.tracing.extract(ctx.requestHeader, otelContext.active());
  // Tracing off: no span, but an incoming trace context still flows to downstream calls.
  if (!deps.tracing.enabled) return { span: undefined, otel: parent };
  const span = deps.tracing.tracer.startSpan(
    info.spanName,
    {
      kind: SpanKind.SERVER,
      attributes: {
        ...info.attributes,
        'rpc.system': ctx.protocolName === 'grpc' ? 'grpc' : 'connect_rpc',
        'nightglow.request_id': requestId,
      },
    },
    parent,
  );
  return { span, otel: trace.setSpan(parent, span) };
}

/** The runtime's view of one call being served: its CallContext, span and completion. */
class ActiveCall implements CallContext {
  readonly requestId: string;
  readonly deadline: number | undefined;
  readonly otel: Context;
  private readonly started = performance.now();
  private readonly span: Span | undefined;
  private log: Logger | undefined;
  private ended = false;

  constructor(
    private readonly info: MethodInfo,
    private readonly ctx: HandlerContext,
    private readonly deps: InstrumentDeps,
  ) {
    this.requestId = ctx.requestHeader.get('x-request-id') ?? randomUUID();
    // Connect/gRPC-Web: a response header (free on HTTP/1.1). Native gRPC: in the
    // error's trailers only (added by the gRPC adapter), to keep the hot success path lean.
    if (ctx.protocolName !== 'grpc') ctx.responseHeader.set('x-request-id', this.requestId);
    const { span, otel } = startSpan(info, ctx, deps, this.requestId);
    this.span = span;
    const timeout = ctx.timeoutMs();
    this.deadline = timeout === undefined ? undefined : Date.now() + timeout;
    ctx.values.set(callKey, this);
    this.otel = otel;
    info.mm.inFlight.inc();
  }

  get procedure(): string {
    return this.info.procedure;
  }

  /** Created on first use: most calls never log. */
  get logger(): Logger {
    return (this.log ??= this.deps.logger.child({
      request_id: this.requestId,
      rpc: this.info.procedure,
      ...(this.span ? { trace_id: this.span.spanContext().traceId } : {}),
    }));
  }

  /** Records the outcome once; returns the error to send (undefined on success). */
  end(e?: unknown): ConnectError | undefined {
    if (this.ended) return e instanceof ConnectError ? e : undefined;
    this.ended = true;
    const { mm } = this.info;
    const protocol = this.ctx.protocolName;
    const err =
      e === undefined
        ? undefined
        : toRpcError(e, (raw) => this.logger.error({ err: raw }, 'unexpected exception in handler'));
    mm.inFlight.dec();
    mm.duration(protocol).observe((performance.now() - this.started) / 1000);
    mm.handled(protocol, err ? Code[err.code] : 'OK').inc();
    if (err && err.code !== Code.Internal)
      this.logger.debug({ code: Code[err.code] }, 'rpc failed: %s', err.rawMessage);
    if (this.span) {
      this.span.setAttribute('rpc.grpc.status_code', err?.code ?? 0);
      if (err) this.span.setStatus({ code: SpanStatusCode.ERROR, message: Code[err.code] });
      this.span.end();
    }
    return err;
  }
}

/**
 * Runs handler code with the call's span active (for nested instrumentation)
 * when tracing records; otherwise directly: no AsyncLocalStorage on the hot
 * path. Propagation to other services never depends on it (see callOptions).
 */
function runInSpan<T>(active: ActiveCall, deps: InstrumentDeps, fn: () => T): T {
  return deps.tracing.enabled ? otelContext.with(active.otel, fn) : fn();
}

// Unary wrappers chain promises instead of using async/await: every promise
// costs an async-hooks callback once AsyncLocalStorage is active, and each
// `await` adds throwaway promises on the hottest path.
function wrapUnary(method: DescMethod, fn: AnyImpl, deps: InstrumentDeps): AnyImpl {
  const info = methodInfo(method, deps.metrics);
  return (req, ctx) => {
    let active: ActiveCall;
    try {
      active = new ActiveCall(info, ctx, deps);
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
    let result: unknown;
    try {
      result = runInSpan(active, deps, () => fn(req, ctx));
    } catch (e) {
      return Promise.reject(active.end(e));
    }
    return Promise.resolve(result).then(
      (res) => {
        active.end();
        return res;
      },
      (e: unknown) => {
        throw active.end(e);
      },
    );
  };
}

function drained(): ConnectError {
  return new ConnectError('server is shutting down; reconnect to another instance', Code.Unavailable);
}

function wrapServerStream(method: DescMethod, fn: AnyImpl, deps: InstrumentDeps): AnyImpl {
  const info = methodInfo(method, deps.metrics);
  const { mm } = info;
  return async function* (req: unknown, ctx: HandlerContext) {
    const active = new ActiveCall(info, ctx, deps);
    if (deps.drainSignal.aborted) throw active.end(drained());
    const inner = runInSpan(active, deps, () => fn(req, ctx) as AsyncIterable<unknown>)[Symbol.asyncIterator]();
    let onDrain: () => void = () => {};
    const draining = new Promise<'drain'>((resolve) => {
      onDrain = () => resolve('drain');
      deps.drainSignal.addEventListener('abort', onDrain, { once: true });
    });
    try {
      for (;;) {
        const next = runInSpan(active, deps, () => inner.next());
        const r = await Promise.race([next, draining]);
        if (r === 'drain') throw drained();
        if (r.done) break;
        mm.streamMessages.inc();
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
