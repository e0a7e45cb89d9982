/**
 * The context of the RPC being served: request id, deadline and logger. It is
 * available to handlers through `ctx.values.get(callKey)` (or
 * {@link currentCall} anywhere below the handler), and outgoing clients read it
 * to propagate the deadline and request id to the next service.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createContextKey } from '@connectrpc/connect';
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
};

const storage = new AsyncLocalStorage<CallContext>();

/** Handler-context key under which the runtime stores the {@link CallContext}. */
export const callKey = createContextKey<CallContext | undefined>(undefined, {
  description: 'nightglow call context',
});

/** The call being served by the current async flow, if any. */
export function currentCall(): CallContext | undefined {
  return storage.getStore();
}

/** Runs `fn` with `call` as the current call. */
export function runInCall<T>(call: CallContext, fn: () => T): T {
  return storage.run(call, fn);
}
