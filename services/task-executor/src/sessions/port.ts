/**
 * The session port: where a task's browser comes from. The real
 * implementation asks the session broker (an ephemeral session from a pool,
 * deleted afterwards, or an existing session by id); the direct one hands out
 * browser contexts of a Chromium the caller launched (all-in-one, tests).
 * Either way the runner connects puppeteer-core to `endpoint`.
 */
import type { TaskSpec } from '@nightglow/contracts/executor/v1';

/** How to reach a session's CDP: a WebSocket URL and the headers (token) to present. */
export type CdpEndpoint = { readonly wsEndpoint: string; readonly headers: Readonly<Record<string, string>> };

/** A session a task holds while it runs. */
export type AcquiredSession = {
  readonly sessionId: string;
  readonly pool: string;
  /** Created for this task; {@link SessionProvider.release} deletes it. */
  readonly ephemeral: boolean;
  /** gRPC `host:port` of the session's instrumentation sidecar; empty when none is attached. */
  readonly sidecarAddress: string;
  /** CDP browser context of the session; empty when the whole browser is the session's. */
  readonly browserContextId: string;
  readonly endpoint: CdpEndpoint;
};

/** What a task asks for: an existing session, or an ephemeral one (the default). */
export type SessionRequest = {
  readonly taskId: string;
  readonly session: TaskSpec['session'];
};

/** Hands out and takes back sessions. Errors are ExecutorErrors (NOT_FOUND, FAILED_PRECONDITION, UNAVAILABLE). */
export type SessionProvider = {
  /** Submit-time check of an existing session id: NOT_FOUND when unknown, FAILED_PRECONDITION when not READY. */
  check(sessionId: string, signal?: AbortSignal): Promise<void>;
  /** Gets the session a task runs in; `signal` aborts a queued creation. */
  acquire(req: SessionRequest, signal: AbortSignal): Promise<AcquiredSession>;
  /** Gives the session back: deletes an ephemeral one, leaves an existing one alone. Never throws. */
  release(session: AcquiredSession): Promise<void>;
  /** Closes the provider's own connections. */
  close(): Promise<void>;
};
