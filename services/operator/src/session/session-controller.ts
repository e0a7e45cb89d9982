/** The BrowserSession controller: its reconciler plus the token Secrets it owns. */
import type { ControllerSpec } from '../manager/controller-set.js';
import { RESOURCES } from '../kube/resources.js';
import { createSessionReconciler, type SessionReconcilerDeps } from './session-reconciler.js';

/** The controller spec: reconciles BrowserSessions. */
export function sessionControllerSpec(deps: SessionReconcilerDeps, workers?: number): ControllerSpec {
  return {
    name: 'browsersession',
    primary: RESOURCES.browserSession,
    reconcile: createSessionReconciler(deps),
    ...(workers ? { workers } : {}),
  };
}
