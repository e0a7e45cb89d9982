import { CdpError } from './errors.js';
import type { CdpResponseMessage } from './messages.js';

/**
 * Timers as a port, so command timeouts are tested without sleeping. The shape is
 * a subset of `@nightglow/runtime`'s `Clock`: a service passes its own clock as is.
 */
export type CdpClock = {
  /** Calls `fn` once after `ms`; the handle cancels it. Must not keep the process alive. */
  setTimeout(fn: () => void, ms: number): { cancel(): void };
};

/** The wall clock: unref'd Node timers. */
export const systemCdpClock: CdpClock = {
  setTimeout(fn, ms) {
    const timer = setTimeout(fn, ms);
    timer.unref();
    return { cancel: () => clearTimeout(timer) };
  },
};

type Pending = {
  readonly method: string;
  readonly sessionId: string | undefined;
  readonly resolve: (result: Record<string, unknown>) => void;
  readonly reject: (error: CdpError) => void;
  readonly timer: { cancel(): void };
};

/** What a command waits for: its method, session and timeout. */
export type PendingCommandInit = { readonly method: string; readonly sessionId?: string; readonly timeoutMs: number };

/** The in-flight commands of one connection, keyed by id, each with its own timer. */
export type PendingCommands = {
  /** Registers command `id`; the promise settles with its response, a timeout, or a rejection below. */
  add(id: number, init: PendingCommandInit): Promise<Record<string, unknown>>;
  /** Settles the command the response belongs to; a response for an unknown (timed-out) id is ignored. */
  settle(response: CdpResponseMessage): void;
  /** Rejects one command (e.g. when its frame could not be sent). */
  reject(id: number, error: CdpError): void;
  /** Rejects every command sent to `sessionId` with the error `make` builds for each. */
  rejectSession(sessionId: string, make: (method: string) => CdpError): void;
  /** Rejects every command with the error `make` builds for each. */
  rejectAll(make: (method: string, sessionId: string | undefined) => CdpError): void;
  /** How many commands are waiting. */
  size(): number;
};

function sessionSuffix(sessionId: string | undefined): string {
  return sessionId === undefined ? '' : ` (session ${sessionId})`;
}

/** Creates an empty {@link PendingCommands} whose timeouts run on `clock`. */
export function createPendingCommands(clock: CdpClock): PendingCommands {
  const table = new Map<number, Pending>();
  const take = (id: number): Pending | undefined => {
    const entry = table.get(id);
    if (entry === undefined) return undefined;
    table.delete(id);
    entry.timer.cancel();
    return entry;
  };
  return {
    add(id, { method, sessionId, timeoutMs }) {
      return new Promise((resolve, reject) => {
        const timer = clock.setTimeout(() => {
          if (take(id) === undefined) return;
          const message = `${method} got no answer within ${timeoutMs} ms${sessionSuffix(sessionId)}`;
          reject(new CdpError({ code: 'TIMEOUT', message, method, ...(sessionId === undefined ? {} : { sessionId }) }));
        }, timeoutMs);
        table.set(id, { method, sessionId, resolve, reject, timer });
      });
    },
    settle(response) {
      const entry = take(response.id);
      if (entry === undefined) return;
      if (response.error === undefined) {
        entry.resolve(response.result ?? {});
        return;
      }
      const { code, message, data } = response.error;
      entry.reject(
        new CdpError({
          code: 'PROTOCOL',
          message: `${entry.method} failed: ${message} (${code})${sessionSuffix(entry.sessionId)}`,
          method: entry.method,
          protocolCode: code,
          protocolMessage: message,
          ...(data === undefined ? {} : { protocolData: data }),
          ...(entry.sessionId === undefined ? {} : { sessionId: entry.sessionId }),
        }),
      );
    },
    reject(id, error) {
      take(id)?.reject(error);
    },
    rejectSession(sessionId, make) {
      for (const [id, entry] of [...table]) {
        if (entry.sessionId === sessionId) take(id)?.reject(make(entry.method));
      }
    },
    rejectAll(make) {
      for (const [id, entry] of [...table]) take(id)?.reject(make(entry.method, entry.sessionId));
    },
    size: () => table.size,
  };
}
