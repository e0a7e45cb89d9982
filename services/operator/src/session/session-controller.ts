/** The BrowserSession controller: its reconciler, fed by the informer and by the broker's session streams. */
import type { Clock, Logger } from '@nightglow/runtime';
import type { BrokerApi, BrokerSession } from '../clients/broker-api.js';
import { createStreamFollower, type StreamFollower } from '../controller/stream-follower.js';
import type { ControllerSpec } from '../manager/controller-set.js';
import { RESOURCES } from '../kube/resources.js';
import { createSessionReconciler, type SessionReconcilerDeps } from './session-reconciler.js';

/** Follows broker sessions through WatchSessions (one stream per followed session); CLOSED and FAILED are final. */
export function createSessionFollower(deps: {
  readonly broker: BrokerApi;
  readonly clock: Clock;
  readonly logger: Logger;
}): StreamFollower<BrokerSession> {
  return createStreamFollower({
    name: 'session',
    open: (id, signal) => deps.broker.watchSession(id, signal),
    isFinal: (s) => s.state === 'CLOSED' || s.state === 'FAILED',
    clock: deps.clock,
    logger: deps.logger,
  });
}

/** The controller spec: reconciles BrowserSessions; `deps.watch`, when given, runs as its event source. */
export function sessionControllerSpec(deps: SessionReconcilerDeps, workers?: number): ControllerSpec {
  return {
    name: 'browsersession',
    primary: RESOURCES.browserSession,
    reconcile: createSessionReconciler(deps),
    ...(deps.watch ? { sources: [deps.watch] } : {}),
    ...(workers ? { workers } : {}),
  };
}
