/**
 * Tracing: an OpenTelemetry tracer handed to the server and clients explicitly
 * (no global provider, so several services can live in one process, as they do
 * in tests and in the all-in-one). W3C trace context travels in `traceparent`
 * / `tracestate` headers; spans are exported over OTLP/HTTP when an endpoint is
 * configured and not recorded at all otherwise.
 */
import { context, trace, type Context, type Tracer, type TextMapGetter, type TextMapSetter } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  TraceIdRatioBasedSampler,
  ParentBasedSampler,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';

/** What a service needs to trace: a tracer, header propagation and a flush on exit. */
export type Tracing = {
  /** Starts spans; a no-op tracer when tracing is off. */
  readonly tracer: Tracer;
  /** True when spans are recorded and exported. */
  readonly enabled: boolean;
  /** Reads a W3C trace context from headers into a parent context. */
  extract(headers: Headers, parent?: Context): Context;
  /** Writes the W3C trace context of `ctx` into headers. */
  inject(ctx: Context, headers: Headers): void;
  /** Flushes pending spans and stops exporting. */
  shutdown(): Promise<void>;
};

/** Options of {@link createTracing}. */
export type TracingOptions = {
  readonly serviceName: string;
  readonly serviceVersion?: string;
  /** OTLP/HTTP traces endpoint, e.g. `http://otel-collector:4318/v1/traces`; off when unset. */
  readonly otlpEndpoint?: string | undefined;
  /** Fraction of root traces sampled, 0..1 (children follow their parent). Default 1. */
  readonly sampleRatio?: number;
  /** Extra processors (tests pass a SimpleSpanProcessor over an InMemorySpanExporter). */
  readonly spanProcessors?: readonly SpanProcessor[];
};

const headerGetter: TextMapGetter<Headers> = {
  keys: (h) => [...h.keys()],
  get: (h, key) => h.get(key) ?? undefined,
};
const headerSetter: TextMapSetter<Headers> = { set: (h, key, value) => h.set(key, value) };
const propagator = new W3CTraceContextPropagator();
let contextManagerInstalled = false;

/**
 * Installs the async-hooks context manager once per process so the active span
 * and the current call follow awaits. Idempotent; servers call it at start.
 */
export function ensureContextManager(): void {
  if (contextManagerInstalled) return;
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  contextManagerInstalled = true;
}

/** Creates the tracing of one service. Off (no-op tracer) unless an endpoint or processors are given. */
export function createTracing(opts: TracingOptions): Tracing {
  ensureContextManager();
  const processors: SpanProcessor[] = [...(opts.spanProcessors ?? [])];
  if (opts.otlpEndpoint) processors.push(new BatchSpanProcessor(new OTLPTraceExporter({ url: opts.otlpEndpoint })));
  const base = {
    extract: (headers: Headers, parent: Context = context.active()) =>
      propagator.extract(parent, headers, headerGetter),
    inject: (ctx: Context, headers: Headers) => propagator.inject(ctx, headers, headerSetter),
  };
  if (processors.length === 0) {
    return { ...base, tracer: trace.getTracer(opts.serviceName), enabled: false, shutdown: async () => {} };
  }
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: opts.serviceName,
      [ATTR_SERVICE_VERSION]: opts.serviceVersion ?? '0.0.0',
    }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(opts.sampleRatio ?? 1) }),
    spanProcessors: processors,
  });
  return {
    ...base,
    tracer: provider.getTracer(opts.serviceName, opts.serviceVersion),
    enabled: true,
    shutdown: () => provider.shutdown(),
  };
}
