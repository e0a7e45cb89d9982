/**
 * The context of the RPC being served: request id, deadline, logger and trace
 * context. Handlers read it with `ctx.values.get(callKey)`. Propagation to the
 * next service is explicit, Go-style: pass {@link callOptions}(ctx) to an
 * outgoing call and the runtime's client interceptors forward the request id,
 * the remaining deadline, cancellation and the W3C trace context. Explicit
 * beats implicit here twice over: background work started by a call (a task
 * run after SubmitTask returned) never inherits that call's deadline by
 * accident, and the hot path needs no AsyncLocalStorage (whose async hooks
 * cost ~20% of unary throughput on Node 20).
 */
import { createContextKey, type CallOptions, type HandlerContext } from '@connectrpc/connect';
import type { Context } from '@opentelemetry/api';
import type { Logger } from '../logging.js';

/** What the runtime knows about the call being served. */
export type CallContext = {
  /** From the caller's `x-request-id` header, or generated (UUID v4). */
  readonly requestId: string;
  /** `/package.Service/Method`. */
  readonly procedure: string;
  /** Absolute deadline (epoch ms), when the caller set one. */
  readonly deadline: number | undefined;
  /** Logger carrying request_id, rpc and trace_id. */
  readonly logger: Logger;
  /** The OpenTelemetry context of the call: the server span, or the caller's trace context when not recording. */
  readonly otel: Context;
};

/** Handler-context key under which the runtime stores the {@link CallContext}. */
export const callKey = createContextKey<CallContext | undefined>(undefined, {
  description: 'nightglow call context',
});

/**
 * Call options that carry the served call into an outgoing one made with a
 * runtime client: its request id and trace context (via `contextValues`), what
 * is left of its deadline, and its cancellation.
 */
export function callOptions(ctx: HandlerContext): CallOptions {
  const left = ctx.timeoutMs();
  return {
    contextValues: ctx.values,
    signal: ctx.signal,
    ...(left === undefined ? {} : { timeoutMs: Math.max(1, left) }),
  };
}
