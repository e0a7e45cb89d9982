/**
 * The phase-mark port: tells the session's instrumentation sidecar when each
 * action starts and ends (`Instrumentation/MarkPhase`), so its measurements
 * carry the action's ids. Marks are best effort: they never slow or fail an
 * action; a missing or unreachable sidecar is tolerated (and counted).
 */
import { create } from '@bufbuild/protobuf';
import {
  Instrumentation,
  MarkPhaseRequestSchema,
  type MarkPhaseRequest,
} from '@nightglow/contracts/instrumentation/v1';
import { createServiceClient, type Logger, type Tracing } from '@nightglow/runtime';

/** Sends phase marks; `mark` returns at once. */
export type PhaseMarker = {
  /** Queues `req` for the sidecar at `address` (`host:port`); an empty address is ignored. Marks keep their order per address. */
  mark(address: string, req: Omit<MarkPhaseRequest, '$typeName'>): void;
  /** Resolves when every queued mark was sent or given up on. */
  flush(): Promise<void>;
};

/** A marker that sends nothing (no sidecars). */
export const noPhaseMarker: PhaseMarker = { mark: () => undefined, flush: async () => undefined };

/** Options of {@link createSidecarPhaseMarker}. */
export type SidecarMarkerOptions = {
  readonly tracing: Tracing;
  readonly logger: Logger;
  /** Deadline of one MarkPhase call. Default 1000 ms. */
  readonly timeoutMs?: number;
  /** Called once per failed mark (a metric). */
  readonly onFailure?: () => void;
};

/** Creates a marker calling each sidecar over gRPC, one client per address. */
export function createSidecarPhaseMarker(opts: SidecarMarkerOptions): PhaseMarker {
  const clients = new Map<string, ReturnType<typeof createServiceClient<typeof Instrumentation>>>();
  const chains = new Map<string, Promise<void>>();
  const clientFor = (address: string): ReturnType<typeof createServiceClient<typeof Instrumentation>> => {
    let c = clients.get(address);
    if (!c)
      clients.set(
        address,
        (c = createServiceClient(Instrumentation, { baseUrl: `http://${address}`, tracing: opts.tracing })),
      );
    return c;
  };
  return {
    mark(address, req) {
      if (address === '') return;
      const prev = chains.get(address) ?? Promise.resolve();
      const next = prev.then(() =>
        clientFor(address)
          .markPhase(create(MarkPhaseRequestSchema, req), { timeoutMs: opts.timeoutMs ?? 1000 })
          .then(
            () => undefined,
            (e: unknown) => {
              opts.onFailure?.();
              opts.logger.debug({ err: e, sidecar: address }, 'phase mark not delivered');
            },
          ),
      );
      chains.set(address, next);
      void next.then(() => {
        if (chains.get(address) === next) chains.delete(address);
      });
    },
    flush: async () => void (await Promise.all([...chains.values()])),
  };
}
