/**
 * The `KubeApi` port: the few Kubernetes API calls the controllers make,
 * over plain JSON objects. The real implementation (`http-kube-api.ts`)
 * speaks REST to the apiserver; unit tests pass an in-memory fake. Every
 * failure is an `OperatorError` (404 → NOT_FOUND, 409 → CONFLICT or
 * ALREADY_EXISTS, 410 → GONE, 422/400 → INVALID, 403 → FORBIDDEN, 429/5xx
 * and network errors → UNAVAILABLE).
 */

/** An owner reference (metadata.ownerReferences[]). */
export type OwnerReference = {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
};

/** The object metadata the operator reads and writes. */
export type ObjectMeta = {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
};

/** Any Kubernetes object as JSON. */
export type KubeObject = {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
};

/** Where a resource lives in the API: `/apis/<group>/<version>/.../<plural>`. */
export type ResourceType = {
  /** `''` for the core group. */
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly plural: string;
  readonly namespaced: boolean;
};

/** Names one object; `namespace` is ignored for cluster-scoped resources. */
export type ObjectKey = { readonly namespace?: string | undefined; readonly name: string };

/** One event of a watch stream. BOOKMARK carries only a resourceVersion. */
export type WatchEvent = {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';
  readonly object: KubeObject;
};

/** A list and the resourceVersion to watch from. */
export type ListResult = { readonly items: KubeObject[]; readonly resourceVersion: string };

/** Filters of list and watch. */
export type ListOptions = {
  /** Omit for all namespaces. */
  readonly namespace?: string | undefined;
  readonly labelSelector?: string | undefined;
};

/** Options of a watch: starts after `resourceVersion`, ends on abort or server timeout. */
export type WatchOptions = ListOptions & {
  readonly resourceVersion: string;
  readonly signal: AbortSignal;
  /** Server-side timeout of the watch; default 300 s. */
  readonly timeoutSeconds?: number;
};

/** How a patch is applied. */
export type PatchOptions = {
  /** `merge` (RFC 7386, the default) or `apply` (server-side apply, forced). */
  readonly type?: 'merge' | 'apply';
  /** Patch the `status` subresource instead of the object. */
  readonly subresource?: 'status';
};

/** The Kubernetes calls the controllers make. */
export type KubeApi = {
  /** The object, or undefined when it does not exist. */
  get(type: ResourceType, key: ObjectKey): Promise<KubeObject | undefined>;
  list(type: ResourceType, opts?: ListOptions): Promise<ListResult>;
  /**
   * Events after `resourceVersion` until the server ends the stream or the
   * signal aborts. An expired resourceVersion throws GONE (HTTP 410 or an
   * ERROR event with code 410): the caller must list again.
   */
  watch(type: ResourceType, opts: WatchOptions): AsyncIterable<WatchEvent>;
  create(type: ResourceType, obj: KubeObject): Promise<KubeObject>;
  /** PUT; `metadata.resourceVersion` makes it conditional (CONFLICT when stale). */
  replace(type: ResourceType, obj: KubeObject, opts?: { readonly subresource?: 'status' }): Promise<KubeObject>;
  patch(type: ResourceType, key: ObjectKey, body: unknown, opts?: PatchOptions): Promise<KubeObject>;
  /** Deletes with background propagation; false when it did not exist. */
  delete(type: ResourceType, key: ObjectKey): Promise<boolean>;
};

/** `namespace/name` (or `name` for cluster-scoped objects): the work-queue key. */
export function objectKey(obj: { readonly metadata: ObjectMeta }): string {
  const { namespace, name } = obj.metadata;
  return namespace ? `${namespace}/${name ?? ''}` : (name ?? '');
}

/** Splits a work-queue key back into namespace and name. */
export function parseKey(key: string): { namespace: string | undefined; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { namespace: undefined, name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

/** `apiVersion` of a resource type, e.g. `apps/v1` or `v1`. */
export function apiVersionOf(type: ResourceType): string {
  return type.group ? `${type.group}/${type.version}` : type.version;
}
