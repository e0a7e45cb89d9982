import { CdpError } from './errors.js';
import { createEventRouter, type CdpEventFilter, type CdpEventHandler } from './event-router.js';
import { parseCdpMessage, peekEventMethod } from './messages.js';
import { createPendingCommands, systemCdpClock, type CdpClock } from './pending-commands.js';
import type { CdpEventName, CdpMethod, CdpParams, CdpResult } from './protocol.js';
import type { CdpTransport } from './transport.js';

/**
 * Lifecycle of a connection: `OPEN` (commands are sent) → `CLOSED` (closed by
 * `close()` or by the browser; every pending command was rejected with `CLOSED`,
 * every later one is rejected at once). There is no way back: reconnect instead.
 */
export type CdpConnectionState = 'OPEN' | 'CLOSED';

/** Per-command options. */
export type CdpSendOptions = {
  /** The flat session to send to; omitted = the browser target. */
  readonly sessionId?: string;
  /** Overrides the connection's `commandTimeoutMs` for this command. */
  readonly timeoutMs?: number;
};

/** A flat session: `send` and `on` bound to one `sessionId`. */
export interface CdpSession {
  readonly sessionId: string;
  readonly connection: CdpConnection;
  /** Sends a command to this session; same timeouts and errors as {@link CdpConnection.send}. */
  send<M extends CdpMethod>(method: M, params?: CdpParams<M>, options?: { timeoutMs?: number }): Promise<CdpResult<M>>;
  /** Subscribes to `method` events of this session only; returns the unsubscribe function. */
  on<E extends CdpEventName>(method: E, handler: CdpEventHandler<E>): () => void;
}

/** A CDP connection to one browser over one transport. */
export interface CdpConnection {
  readonly state: CdpConnectionState;
  /**
   * Sends a command and resolves with its result. Every command has a timeout
   * (`TIMEOUT`); a browser error rejects with `PROTOCOL`; a closed connection with
   * `CLOSED`; a session that detaches first with `TARGET_CLOSED`. A late answer
   * to a timed-out command is dropped.
   */
  send<M extends CdpMethod>(method: M, params?: CdpParams<M>, options?: CdpSendOptions): Promise<CdpResult<M>>;
  /** Subscribes to `method` events (see {@link CdpEventFilter}); returns the unsubscribe function. */
  on<E extends CdpEventName>(method: E, handler: CdpEventHandler<E>, filter?: CdpEventFilter): () => void;
  /** A handle on flat session `sessionId` (from `Target.attachedToTarget` or `Target.attachToTarget`). */
  session(sessionId: string): CdpSession;
  /** Called once when the connection reaches `CLOSED`, with the reason; returns the unsubscribe function. */
  onClose(listener: (reason: CdpError) => void): () => void;
  /** Rejects every pending command with `CLOSED`, closes the transport, resolves when it is closed (or after 2 s). */
  close(): Promise<void>;
}

/** Options of {@link createCdpConnection}. */
export type CdpConnectionOptions = {
  /** Default timeout of every command, in ms. Default 10 000. */
  readonly commandTimeoutMs?: number;
  /** Timers for command timeouts; default the wall clock. */
  readonly clock?: CdpClock;
  /** Where an error thrown by an event listener goes; default `process.emitWarning`. */
  readonly onListenerError?: (error: unknown, method: string) => void;
};

/** Default command timeout: 10 s, so a frozen tab cannot stall the caller. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 10_000;

function checkTimeout(timeoutMs: number, method: string): CdpError | undefined {
  if (Number.isFinite(timeoutMs) && timeoutMs > 0) return undefined;
  const message = `timeoutMs must be a positive finite number of ms, got ${timeoutMs}`;
  return new CdpError({ code: 'INVALID_ARGUMENT', message, method });
}

function defaultListenerError(error: unknown, method: string): void {
  process.emitWarning(`CDP listener for ${method} threw: ${String(error)}`, 'CdpListenerWarning');
}

/** Wraps an open transport (it takes over `onmessage` and `onclose`) into a {@link CdpConnection}. */
export function createCdpConnection(transport: CdpTransport, options: CdpConnectionOptions = {}): CdpConnection {
  const clock = options.clock ?? systemCdpClock;
  const defaultTimeoutMs = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  const invalid = checkTimeout(defaultTimeoutMs, 'createCdpConnection');
  if (invalid !== undefined) throw invalid;
  const pending = createPendingCommands(clock);
  const router = createEventRouter(options.onListenerError ?? defaultListenerError);
  const closeListeners = new Set<(reason: CdpError) => void>();
  let state: CdpConnectionState = 'OPEN';
  let nextId = 1;
  let transportClosed = false;
  let markTransportClosed: () => void = () => undefined;
  const transportClosedPromise = new Promise<void>((resolve) => (markTransportClosed = resolve));

  const shutdown = (reason: string): void => {
    if (state === 'CLOSED') return;
    state = 'CLOSED';
    const closed = (method: string, sessionId?: string): CdpError =>
      new CdpError({ code: 'CLOSED', message: `${method}: ${reason}`, method, ...(sessionId ? { sessionId } : {}) });
    pending.rejectAll(closed);
    const error = new CdpError({ code: 'CLOSED', message: reason });
    for (const listener of [...closeListeners]) listener(error);
    closeListeners.clear();
  };

  transport.onmessage = (text) => {
    // most of a page's events (data chunks, extra-info headers, …) often have no listener: skip parsing them
    const peeked = peekEventMethod(text);
    if (peeked !== undefined && peeked !== 'Target.detachedFromTarget' && !router.listens(peeked)) return;
    const message = parseCdpMessage(text);
    if (message === undefined || state === 'CLOSED') return;
    if (message.kind === 'response') return pending.settle(message);
    if (message.method === 'Target.detachedFromTarget' && typeof message.params['sessionId'] === 'string') {
      const detached = message.params['sessionId'];
      pending.rejectSession(detached, (method) => {
        const text = `${method}: session ${detached} detached before answering`;
        return new CdpError({ code: 'TARGET_CLOSED', message: text, method, sessionId: detached });
      });
    }
    router.dispatch(message.method, message.params, message.sessionId);
  };
  transport.onclose = () => {
    transportClosed = true;
    markTransportClosed();
    shutdown('connection closed by the browser');
  };

  const connection: CdpConnection = {
    get state() {
      return state;
    },
    send<M extends CdpMethod>(method: M, params?: CdpParams<M>, sendOptions: CdpSendOptions = {}) {
      const { sessionId } = sendOptions;
      const timeoutMs = sendOptions.timeoutMs ?? defaultTimeoutMs;
      const invalidTimeout = checkTimeout(timeoutMs, method);
      if (invalidTimeout !== undefined) return Promise.reject(invalidTimeout);
      if (state === 'CLOSED') {
        return Promise.reject(new CdpError({ code: 'CLOSED', message: `${method}: connection is closed`, method }));
      }
      const id = nextId++;
      const result = pending.add(id, { method, timeoutMs, ...(sessionId === undefined ? {} : { sessionId }) });
      try {
        transport.send(JSON.stringify({ id, method, params: params ?? {}, sessionId }));
      } catch (error) {
        pending.reject(
          id,
          new CdpError({ code: 'CLOSED', message: `${method}: transport refused the frame`, cause: error }),
        );
      }
      return result as Promise<CdpResult<M>>;
    },
    on: (method, handler, filter) => router.on(method, handler, filter),
    session: (sessionId) => createSession(connection, sessionId),
    onClose(listener) {
      if (state === 'CLOSED') {
        queueMicrotask(() => listener(new CdpError({ code: 'CLOSED', message: 'connection is closed' })));
        return () => undefined;
      }
      closeListeners.add(listener);
      return () => closeListeners.delete(listener);
    },
    async close() {
      shutdown('connection closed by the client');
      if (transportClosed) return;
      try {
        transport.close();
      } catch {
        // a transport that cannot close is treated as closed; the wait below is bounded
      }
      await new Promise<void>((resolve) => {
        const timer = clock.setTimeout(resolve, 2_000);
        void transportClosedPromise.then(() => {
          timer.cancel();
          resolve();
        });
      });
    },
  };
  return connection;
}

function createSession(connection: CdpConnection, sessionId: string): CdpSession {
  return {
    sessionId,
    connection,
    send: (method, params, options) =>
      connection.send(method, params, {
        sessionId,
        ...(options?.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      }),
    on: (method, handler) => connection.on(method, handler, { sessionId }),
  };
}
