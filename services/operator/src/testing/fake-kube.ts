/**
 * An in-memory {@link KubeApi} for unit tests: stores objects by type and
 * key, assigns uid/resourceVersion/generation, honours finalizers on delete
 * (deletionTimestamp first, removal once the last finalizer is gone),
 * merge patches, server-side apply as an upsert, and the status subresource (spec changes bump generation,
 * status changes do not). No watch.
 */
import { randomUUID } from 'node:crypto';
import { OperatorError } from '../errors.js';
import type { KubeApi, KubeObject, ObjectKey, ResourceType } from '../kube/kube-api.js';

/** The fake plus direct access to what it stores. */
export type FakeKube = KubeApi & {
  readonly objects: Map<string, KubeObject>;
  find(type: ResourceType, key: ObjectKey): KubeObject | undefined;
  all(type: ResourceType): KubeObject[];
};

const id = (type: ResourceType, key: ObjectKey): string => `${type.plural}|${key.namespace ?? ''}|${key.name}`;
const clone = <T>(v: T): T => structuredClone(v);

function merge(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> =
    target && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = merge(out[k], v);
  }
  return out;
}

/** Creates an empty fake cluster. */
export function createFakeKube(): FakeKube {
  const objects = new Map<string, KubeObject>();
  let rv = 1;
  const store = (type: ResourceType, obj: KubeObject, prev: KubeObject | undefined): KubeObject => {
    const next = clone(obj);
    next.metadata.resourceVersion = String(++rv);
    if (prev && JSON.stringify(prev['spec']) !== JSON.stringify(next['spec'])) {
      next.metadata.generation = (prev.metadata.generation ?? 1) + 1;
    }
    const key = { namespace: next.metadata.namespace, name: next.metadata.name ?? '' };
    if (next.metadata.deletionTimestamp && !next.metadata.finalizers?.length) objects.delete(id(type, key));
    else objects.set(id(type, key), next);
    return clone(next);
  };
  const existing = (type: ResourceType, key: ObjectKey): KubeObject => {
    const o = objects.get(id(type, key));
    if (!o)
      throw new OperatorError('NOT_FOUND', `${type.kind} ${key.namespace}/${key.name} not found`, { status: 404 });
    return o;
  };
  const fake: FakeKube = {
    objects,
    find: (type, key) => objects.get(id(type, key)),
    all: (type) => [...objects.entries()].filter(([k]) => k.startsWith(`${type.plural}|`)).map(([, v]) => v),
    get: async (type, key) => clone(objects.get(id(type, key))),
    list: async (type, opts = {}) => ({
      items: fake
        .all(type)
        .filter((o) => !opts.namespace || o.metadata.namespace === opts.namespace)
        .map(clone),
      resourceVersion: String(rv),
    }),
    watch: () => {
      throw new OperatorError('INTERNAL', 'the fake has no watch');
    },
    create: async (type, obj) => {
      const key = { namespace: obj.metadata.namespace, name: obj.metadata.name ?? '' };
      if (objects.has(id(type, key))) throw new OperatorError('ALREADY_EXISTS', `${key.name} exists`, { status: 409 });
      const o = clone(obj);
      o.metadata = { ...o.metadata, uid: randomUUID(), generation: 1, creationTimestamp: new Date(0).toISOString() };
      return store(type, o, undefined);
    },
    replace: async (type, obj) => {
      const prev = existing(type, { namespace: obj.metadata.namespace, name: obj.metadata.name ?? '' });
      if (obj.metadata.resourceVersion && obj.metadata.resourceVersion !== prev.metadata.resourceVersion) {
        throw new OperatorError('CONFLICT', 'stale resourceVersion', { status: 409 });
      }
      const metadata = { ...obj.metadata, uid: prev.metadata.uid ?? '', generation: prev.metadata.generation ?? 1 };
      return store(type, { ...obj, metadata }, prev);
    },
    patch: async (type, key, body, opts = {}) => {
      if (opts.type === 'apply' && !objects.has(id(type, key))) return fake.create(type, body as KubeObject);
      const prev = existing(type, key);
      const b = body as Partial<KubeObject>;
      const next =
        opts.subresource === 'status'
          ? { ...prev, status: merge(prev['status'], b['status']) }
          : (merge(prev, { ...b, status: undefined }) as KubeObject);
      if (opts.subresource !== 'status') next['status'] = prev['status'];
      return store(type, next as KubeObject, prev);
    },
    delete: async (type, key) => {
      const prev = objects.get(id(type, key));
      if (!prev) return false;
      if (prev.metadata.finalizers?.length) {
        if (!prev.metadata.deletionTimestamp)
          store(type, { ...prev, metadata: { ...prev.metadata, deletionTimestamp: new Date(0).toISOString() } }, prev);
      } else objects.delete(id(type, key));
      return true;
    },
  };
  return fake;
}
