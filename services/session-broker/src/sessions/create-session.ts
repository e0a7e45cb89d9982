/**
 * The CreateSession flow on the accepting (owning) replica:
 *
 *  1. take a free seat, or line up in the pool's FIFO queue (refused at once
 *     with RESOURCE_EXHAUSTED when the queue is full or no wait is allowed);
 *  2. store the session QUEUED (with its position) or STARTING;
 *  3. when queued, wait for the seat (timeout → FAILED/QUEUE_TIMEOUT and
 *     RESOURCE_EXHAUSTED), then QUEUED → STARTING;
 *  4. start it (`session-host.ts`) → READY.
 *
 * With `no_wait` the call returns after step 2 and the rest runs on. A caller
 * that cancels before READY deletes the session.
 */
import type { Clock, Logger } from '@nightglow/runtime';
import { BrokerError, isBrokerError } from '../errors.js';
import type { PoolRuntime } from '../pools/pool-registry.js';
import type { SessionLifecycle } from './lifecycle.js';
import type { EffectiveOptions, SessionRecord } from './record.js';
import type { ReplicaIdentity } from './session-service.js';
import type { SessionHost } from './session-host.js';

/** The parts of a new session decided before it is stored. */
export type SessionDraft = {
  readonly id: string;
  readonly pool: string;
  readonly effective: EffectiveOptions;
  readonly labels: Readonly<Record<string, string>>;
  readonly requestedOptions: Readonly<Record<string, unknown>>;
  readonly requestId: string;
  readonly maxTtlMs: number;
};

/** Inputs of {@link createSession}. */
export type CreateSessionInput = {
  readonly draft: SessionDraft;
  readonly pool: PoolRuntime;
  readonly lifecycle: SessionLifecycle;
  readonly host: SessionHost;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly identity: ReplicaIdentity;
  readonly noWait: boolean;
  readonly signal: AbortSignal | undefined;
  /** Deletes a session (used when the caller gives up before READY). */
  readonly remove: (id: string, reason: string) => Promise<SessionRecord>;
  readonly onQueueWait?: (pool: string, waitedMs: number) => void;
};

function initialRecord(input: CreateSessionInput, position: number, now: number): SessionRecord {
  const queued = position > 0;
  const { draft, identity } = input;
  return {
    ...draft,
    state: queued ? 'QUEUED' : 'STARTING',
    version: 1,
    ownerId: identity.id,
    ownerAddress: identity.address(),
    cdpEndpoint: queued ? '' : `${identity.cdpBase()}/cdp/${draft.id}`,
    browserId: '',
    browserContextId: '',
    pageTargetId: '',
    sidecarAddress: '',
    createTimeMs: now,
    readyTimeMs: 0,
    expireTimeMs: now + draft.effective.ttlMs,
    lastActivityMs: now,
    closeTimeMs: 0,
    queuePosition: position,
    closeReason: '',
    closeMessage: '',
  };
}

async function awaitSeat(input: CreateSessionInput, seat: Promise<void>, since: number): Promise<void> {
  const { draft, host, lifecycle } = input;
  try {
    await seat;
  } catch (e) {
    if (isBrokerError(e, 'RESOURCE_EXHAUSTED')) {
      input.onQueueWait?.(draft.pool, input.clock.now() - since);
      await host.fail(draft.id, 'QUEUE_TIMEOUT', e.message);
      throw e;
    }
    await host.finishClose(draft.id);
    throw new BrokerError('CANCELLED', `session ${draft.id} was closed while queued`, { cause: e });
  }
  input.onQueueWait?.(draft.pool, input.clock.now() - since);
  const cdpEndpoint = `${input.identity.cdpBase()}/cdp/${draft.id}`;
  const moved = await lifecycle.transition(draft.id, 'STARTING', () => ({ cdpEndpoint }));
  if (moved === undefined) {
    await host.finishClose(draft.id);
    throw new BrokerError('CANCELLED', `session ${draft.id} was closed while queued`);
  }
}

/** Runs the flow above; resolves the READY record (or the accepted one with `noWait`). */
export async function createSession(input: CreateSessionInput): Promise<SessionRecord> {
  const { draft, pool, host, clock } = input;
  const admission = await pool.queue.admit(draft.id, draft.effective.queueTimeoutMs);
  const seat = admission.granted ? undefined : admission.seat;
  seat?.catch(() => undefined); // handled in awaitSeat; this only marks it handled while the record is stored
  const now = clock.now();
  host.adopt(draft.id, draft.pool);
  let record: SessionRecord;
  try {
    record = await input.lifecycle.create(initialRecord(input, admission.granted ? 0 : admission.position, now));
  } catch (e) {
    pool.queue.cancel(draft.id);
    pool.queue.release(draft.id);
    await host.finishClose(draft.id).catch(() => undefined);
    throw e;
  }
  const run = (async () => {
    if (seat !== undefined) await awaitSeat(input, seat, now);
    return host.start(draft.id);
  })();
  if (input.noWait) {
    run.catch((e: unknown) => input.logger.info({ session_id: draft.id, err: e }, 'session did not become READY'));
    return record;
  }
  const onAbort = (): void => {
    input.remove(draft.id, 'CreateSession was cancelled by the client').catch(() => undefined);
  };
  input.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    return await run;
  } finally {
    input.signal?.removeEventListener('abort', onAbort);
  }
}
