/**
 * The sidecar port: tells a browser's instrumentation sidecar which browser
 * context belongs to which session (`Instrumentation/AttachSession`,
 * `DetachSession`), so its measurements carry the session id. Best effort: a
 * sidecar that does not answer never fails a session; it is logged.
 */
import type { Client } from '@connectrpc/connect';
import { Instrumentation } from '@nightglow/contracts/instrumentation/v1';
import { createServiceClient, type Logger, type Tracing } from '@nightglow/runtime';

/** What a sidecar needs to attribute a session's targets. */
export type SidecarSession = {
  readonly sessionId: string;
  /** Empty with BROWSER isolation (every target of the browser). */
  readonly browserContextId: string;
  readonly pool: string;
  readonly labels: Readonly<Record<string, string>>;
};

/** The sidecar port. */
export type SidecarNotifier = {
  attach(address: string, session: SidecarSession): Promise<void>;
  detach(address: string, sessionId: string): Promise<void>;
};

/** For browsers without sidecars (local pools) and unit tests. */
export const noSidecars: SidecarNotifier = {
  attach: () => Promise.resolve(),
  detach: () => Promise.resolve(),
};

/** The real notifier over gRPC, one client per sidecar address; calls time out after `timeoutMs`. */
export function createSidecarNotifier(opts: { tracing: Tracing; logger: Logger; timeoutMs?: number }): SidecarNotifier {
  const clients = new Map<string, Client<typeof Instrumentation>>();
  const timeoutMs = opts.timeoutMs ?? 3_000;
  const client = (address: string): Client<typeof Instrumentation> => {
    let c = clients.get(address);
    if (c === undefined) {
      c = createServiceClient(Instrumentation, { baseUrl: `http://${address}`, tracing: opts.tracing });
      clients.set(address, c);
    }
    return c;
  };
  const warn = (address: string, sessionId: string) => (e: unknown) =>
    opts.logger.warn({ err: e, sidecar: address, session_id: sessionId }, 'sidecar did not take the session');
  return {
    async attach(address, s) {
      await client(address)
        .attachSession(
          { sessionId: s.sessionId, browserContextId: s.browserContextId, pool: s.pool, labels: { ...s.labels } },
          { timeoutMs },
        )
        .catch(warn(address, s.sessionId));
    },
    async detach(address, sessionId) {
      await client(address).detachSession({ sessionId }, { timeoutMs }).catch(warn(address, sessionId));
    },
  };
}
