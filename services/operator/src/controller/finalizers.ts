/** Adding and removing a finalizer with a conditional merge patch (a stale object gets CONFLICT and is retried). */
import type { KubeApi, KubeObject, ResourceType } from '../kube/kube-api.js';

const keyOf = (obj: KubeObject): { namespace: string | undefined; name: string } => ({
  namespace: obj.metadata.namespace,
  name: obj.metadata.name ?? '',
});

/** Adds `finalizer` unless present; returns the updated object. */
export async function addFinalizer(
  api: KubeApi,
  type: ResourceType,
  obj: KubeObject,
  finalizer: string,
): Promise<KubeObject> {
  const list = obj.metadata.finalizers ?? [];
  if (list.includes(finalizer)) return obj;
  return api.patch(type, keyOf(obj), {
    metadata: { finalizers: [...list, finalizer], resourceVersion: obj.metadata.resourceVersion },
  });
}

/** Removes `finalizer` if present (the object may then disappear). */
export async function removeFinalizer(
  api: KubeApi,
  type: ResourceType,
  obj: KubeObject,
  finalizer: string,
): Promise<void> {
  const list = obj.metadata.finalizers ?? [];
  if (!list.includes(finalizer)) return;
  await api.patch(type, keyOf(obj), {
    metadata: { finalizers: list.filter((f) => f !== finalizer), resourceVersion: obj.metadata.resourceVersion },
  });
}
