/** The BrowserPool controller: its reconciler plus the objects whose changes wake it. */
import type { ControllerSpec } from '../manager/controller-set.js';
import { MANAGED_BY, RESOURCES } from '../kube/resources.js';
import { createPoolReconciler, type PoolReconcilerDeps } from './pool-reconciler.js';

const managed = Object.entries(MANAGED_BY)
  .map(([k, v]) => `${k}=${v}`)
  .join(',');

/** The controller spec: reconciles BrowserPools; owned Deployments, Services and PDBs wake their pool. */
export function poolControllerSpec(deps: PoolReconcilerDeps): ControllerSpec {
  return {
    name: 'browserpool',
    primary: RESOURCES.browserPool,
    owned: [
      { type: RESOURCES.deployment, labelSelector: managed },
      { type: RESOURCES.service, labelSelector: managed },
      { type: RESOURCES.pdb, labelSelector: managed },
    ],
    reconcile: createPoolReconciler(deps),
  };
}
