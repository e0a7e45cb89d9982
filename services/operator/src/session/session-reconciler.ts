/**
 * The BrowserSession reconciler.
 *
 * Phases (status.phase): Pending → Queued → Starting → Ready → Closing →
 * Closed, or Failed from any of them (the broker's session states, plus
 * Pending before the broker was asked).
 *
 * - A new session gets the finalizer `nightglow.io/session`, then one
 *   CreateSession with the object's uid as request id (a retry after a crash
 *   returns the same broker session and token, never a second one). The
 *   token goes into a Secret `<name>-token` owned by the session; status gets
 *   the session id, CDP endpoint and expiry.
 * - Afterwards status follows the broker's WatchSessions stream for that
 *   session (`watch`): every event wakes the object, no timer runs. While the
 *   stream is not live (connecting, or broken until it is reopened) status
 *   falls back to GetSession, polled every second until Ready and every 30 s
 *   while Ready; without `watch` it is always polled. Closed or Failed
 *   sessions are no longer followed.
 * - Deleting the object closes the broker session (DeleteSession), then
 *   removes the finalizer; the Secret goes with its owner.
 * - An unknown pool or refused options end the session Failed with a
 *   condition saying why (not retried); an unreachable broker is retried
 *   with backoff.
 */
import type { Clock } from '@nightglow/runtime';
import type { BrokerApi, BrokerSession, BrokerSessionState } from '../clients/broker-api.js';
import { setCondition } from '../controller/conditions.js';
import type { ReconcileResult, Reconciler } from '../controller/controller.js';
import type { EventRecorder } from '../controller/events.js';
import { addFinalizer, removeFinalizer } from '../controller/finalizers.js';
import type { StreamFollower } from '../controller/stream-follower.js';
import { OperatorError } from '../errors.js';
import { objectKey, parseKey, type KubeApi, type KubeObject } from '../kube/kube-api.js';
import { RESOURCES } from '../kube/resources.js';
import { ownerRef } from '../pool/pool-resources.js';
import type { BrowserSession, SessionPhase } from './session-types.js';

export type { BrowserSession, SessionPhase } from './session-types.js';

/** The finalizer that closes the broker session before the object goes. */
export const SESSION_FINALIZER = 'nightglow.io/session';

/** What the session reconciler needs. */
export type SessionReconcilerDeps = {
  readonly api: KubeApi;
  readonly broker: BrokerApi;
  readonly clock: Clock;
  readonly events: EventRecorder;
  /** The broker's session streams (see `createSessionFollower`); without it status is polled. */
  readonly watch?: StreamFollower<BrokerSession> | undefined;
  /** Poll period of a session that is not Ready yet, while its stream is not live; default 1 s. */
  readonly pollMs?: number;
  /** Poll period of a Ready session while its stream is not live; default 30 s. */
  readonly readyPollMs?: number;
};

const PHASES: Record<BrokerSessionState, SessionPhase> = {
  QUEUED: 'Queued',
  STARTING: 'Starting',
  READY: 'Ready',
  CLOSING: 'Closing',
  CLOSED: 'Closed',
  FAILED: 'Failed',
};

/** Creates the BrowserSession reconciler. */
export function createSessionReconciler(deps: SessionReconcilerDeps): Reconciler {
  const { api, broker } = deps;
  const type = RESOURCES.browserSession;

  async function writeStatus(
    s: BrowserSession,
    next: NonNullable<BrowserSession['status']>,
    reason: string,
  ): Promise<void> {
    const phase = next.phase ?? 'Pending';
    const generation = s.metadata.generation ?? 0;
    const conditions = setCondition(
      s.status?.conditions,
      { type: 'Ready', status: phase === 'Ready' ? 'True' : 'False', reason, message: next.message ?? phase },
      { generation, nowMs: deps.clock.now() },
    );
    const status = { ...s.status, ...next, observedGeneration: generation, conditions };
    if (JSON.stringify(status) === JSON.stringify(s.status)) return;
    await api.patch(
      type,
      { namespace: s.metadata.namespace, name: s.metadata.name ?? '' },
      { status },
      { subresource: 'status' },
    );
    if (s.status?.phase !== phase) {
      const warn = phase === 'Failed';
      await deps.events.record(
        s,
        warn ? 'Warning' : 'Normal',
        warn ? reason : phase,
        next.message ?? `session is ${phase}`,
      );
    }
  }

  const fromBroker = (b: BrokerSession): NonNullable<BrowserSession['status']> => ({
    phase: PHASES[b.state],
    sessionId: b.id,
    cdpEndpoint: b.cdpEndpoint,
    browserId: b.browserId,
    queuePosition: b.queuePosition,
    ...(b.expireTime ? { expireTime: b.expireTime } : {}),
    ...(b.readyTime ? { readyTime: b.readyTime } : {}),
    ...(b.closeReason ? { closeReason: b.closeReason } : {}),
    message: b.closeMessage || `session is ${PHASES[b.state]}`,
  });

  async function storeToken(s: BrowserSession, sessionId: string, token: string): Promise<string> {
    const name = `${s.metadata.name ?? ''}-token`;
    const secret: KubeObject = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name,
        namespace: s.metadata.namespace ?? 'default',
        ownerReferences: [ownerRef(s, 'BrowserSession')],
      },
      type: 'Opaque',
      stringData: { token, sessionId },
    };
    await api.patch(RESOURCES.secret, { namespace: s.metadata.namespace, name }, secret, { type: 'apply' });
    return name;
  }

  async function create(s: BrowserSession): Promise<ReconcileResult> {
    try {
      const { session, token } = await broker.createSession({
        pool: s.spec.pool,
        requestId: s.metadata.uid ?? '',
        labels: { 'nightglow.io/namespace': s.metadata.namespace ?? '', 'nightglow.io/session': s.metadata.name ?? '' },
        isolation: s.spec.isolation,
        ttl: s.spec.ttl,
        idleTimeout: s.spec.idleTimeout,
        startUrl: s.spec.startUrl,
      });
      const tokenSecretName = await storeToken(s, session.id, token);
      await writeStatus(s, { ...fromBroker(session), tokenSecretName }, 'Created');
      // Open the stream now; until it is live the session is polled.
      deps.watch?.follow(session.id, objectKey(s));
      return { requeueAfterMs: deps.pollMs ?? 1_000 };
    } catch (e) {
      const err = OperatorError.from(e);
      if (err.retryable) throw err;
      const reason = err.code === 'NOT_FOUND' ? 'PoolNotFound' : 'Rejected';
      await writeStatus(s, { phase: 'Failed', message: err.message }, reason);
      return {};
    }
  }

  return async (key) => {
    const s = (await api.get(type, parseKey(key))) as BrowserSession | undefined;
    if (!s) {
      deps.watch?.forgetKey(key);
      return {};
    }
    const id = s.status?.sessionId;
    if (s.metadata.deletionTimestamp) {
      if (id) deps.watch?.forget(id);
      if (!s.metadata.finalizers?.includes(SESSION_FINALIZER)) return {};
      if (id) {
        try {
          await broker.deleteSession(id, 'BrowserSession deleted');
          await deps.events.record(s, 'Normal', 'Closed', `closed broker session ${id}`);
        } catch (e) {
          if (!(e instanceof OperatorError && e.code === 'NOT_FOUND')) throw e;
        }
      }
      await removeFinalizer(api, type, s, SESSION_FINALIZER);
      return {};
    }
    const current = (await addFinalizer(api, type, s, SESSION_FINALIZER)) as BrowserSession;
    if (!id) {
      if (current.status?.phase === 'Failed') return {};
      return create(current);
    }
    if (current.status?.phase === 'Closed' || current.status?.phase === 'Failed') {
      deps.watch?.forget(id);
      return {};
    }
    const followed = deps.watch?.follow(id, key);
    const streamed =
      followed && (followed.state === 'LIVE' || followed.state === 'ENDED') ? followed.latest : undefined;
    let b: BrokerSession;
    try {
      b = streamed ?? (await broker.getSession(id));
    } catch (e) {
      if (!(e instanceof OperatorError && e.code === 'NOT_FOUND')) throw e;
      deps.watch?.forget(id);
      await writeStatus(current, { phase: 'Closed', message: 'the broker no longer knows this session' }, 'Forgotten');
      return {};
    }
    await writeStatus(current, fromBroker(b), b.state === 'READY' ? 'SessionReady' : PHASES[b.state]);
    if (b.state === 'CLOSED' || b.state === 'FAILED') {
      deps.watch?.forget(id);
      return {};
    }
    // Streamed: the next event wakes us. Polled: ask again soon.
    if (streamed) return {};
    return { requeueAfterMs: b.state === 'READY' ? (deps.readyPollMs ?? 30_000) : (deps.pollMs ?? 1_000) };
  };
}
