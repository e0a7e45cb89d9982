/**
 * Builds the running parts of a set of controllers: one informer per
 * watched resource type (shared between controllers that watch the same
 * type), one rate-limited queue and controller per spec, and the event
 * wiring: a primary object's changes enqueue its own key, an owned object's
 * changes enqueue its controlling owner's key.
 */
import type { Clock, Logger } from '@nightglow/runtime';
import { createRateLimiter, type BackoffOptions, type BucketOptions } from '../controller/backoff.js';
import { createController, type Controller, type Reconciler } from '../controller/controller.js';
import { createInformer, type Informer } from '../controller/informer.js';
import type { ControllerMetrics } from '../controller/metrics.js';
import type { ExternalSource } from '../controller/stream-follower.js';
import { createWorkQueue } from '../controller/work-queue.js';
import { objectKey, type KubeApi, type KubeObject, type ResourceType } from '../kube/kube-api.js';

/** One controller: what it reconciles, what it owns, and how. */
export type ControllerSpec = {
  readonly name: string;
  readonly primary: ResourceType;
  /** Owned types whose changes wake the owner (matched by a controller owner reference of `primary.kind`). */
  readonly owned?: readonly { readonly type: ResourceType; readonly labelSelector?: string }[];
  readonly reconcile: Reconciler;
  /**
   * Other types whose changes wake primaries (controller-runtime's Watches with
   * a map function): `keys` maps a changed object, given the primaries in the
   * cache, onto the primary keys to reconcile.
   */
  readonly watches?: readonly {
    readonly type: ResourceType;
    keys(changed: KubeObject, primaries: readonly KubeObject[]): string[];
  }[];
  /**
   * Keys from outside the Kubernetes API (broker and executor watch streams):
   * started with the controllers of a leadership term, stopped before them.
   */
  readonly sources?: readonly ExternalSource[];
  /** Concurrent reconciles; default 2. */
  readonly workers?: number;
};

/** Settings shared by every controller of a set. */
export type ControllerSetOptions = {
  readonly api: KubeApi;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics?: ControllerMetrics | undefined;
  readonly namespace?: string | undefined;
  /** Informer resync period; default 10 min. */
  readonly resyncMs?: number;
  readonly perKeyBackoff?: BackoffOptions;
  readonly overallRate?: BucketOptions;
};

/** The running informers and controllers. */
export type ControllerSet = {
  readonly informers: readonly Informer[];
  readonly controllers: readonly Controller[];
  /** Starts informers, waits for their first lists, then starts the workers. */
  start(signal: AbortSignal): Promise<void>;
  stop(): Promise<void>;
  synced(): boolean;
};

function ownerKey(obj: KubeObject, kind: string): string | undefined {
  const ref = obj.metadata.ownerReferences?.find((r) => r.controller && r.kind === kind);
  if (!ref) return undefined;
  return obj.metadata.namespace ? `${obj.metadata.namespace}/${ref.name}` : ref.name;
}

/** Creates the informers, queues and controllers of `specs` (nothing runs yet). */
export function createControllerSet(specs: readonly ControllerSpec[], opts: ControllerSetOptions): ControllerSet {
  const informers = new Map<string, Informer>();
  const informerFor = (type: ResourceType, labelSelector?: string): Informer => {
    const id = `${type.group}/${type.plural}?${labelSelector ?? ''}`;
    let inf = informers.get(id);
    if (!inf) {
      inf = createInformer({
        api: opts.api,
        type,
        clock: opts.clock,
        logger: opts.logger,
        namespace: opts.namespace,
        labelSelector,
        resyncMs: opts.resyncMs ?? 600_000,
      });
      informers.set(id, inf);
    }
    return inf;
  };
  const controllers = specs.map((spec) => {
    const queue = createWorkQueue({
      clock: opts.clock,
      rateLimiter: createRateLimiter({
        clock: opts.clock,
        ...(opts.perKeyBackoff ? { perKey: opts.perKeyBackoff } : {}),
        ...(opts.overallRate ? { overall: opts.overallRate } : {}),
      }),
      onDepth: (d) => opts.metrics?.depth.child(spec.name).set(d),
    });
    informerFor(spec.primary).onEvent((e) => queue.add(objectKey(e.object)));
    for (const w of spec.watches ?? []) {
      const primaries = informerFor(spec.primary);
      informerFor(w.type).onEvent((e) => {
        for (const key of w.keys(e.object, primaries.list())) queue.add(key);
      });
    }
    for (const owned of spec.owned ?? []) {
      informerFor(owned.type, owned.labelSelector).onEvent((e) => {
        const key = ownerKey(e.object, spec.primary.kind);
        if (key) queue.add(key);
      });
    }
    return createController({
      name: spec.name,
      queue,
      reconcile: spec.reconcile,
      clock: opts.clock,
      logger: opts.logger,
      metrics: opts.metrics,
      workers: spec.workers ?? 2,
    });
  });
  const all = [...informers.values()];
  return {
    informers: all,
    controllers,
    async start(signal) {
      for (const inf of all) inf.start();
      await Promise.race([
        Promise.all(all.map((i) => i.synced())),
        new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true })),
      ]);
      if (signal.aborted) return;
      specs.forEach((spec, i) => {
        const queue = controllers[i]?.queue;
        for (const source of spec.sources ?? []) source.start((key) => queue?.add(key));
      });
      for (const c of controllers) c.start();
    },
    async stop() {
      await Promise.all(specs.flatMap((spec) => (spec.sources ?? []).map((s) => s.stop())));
      await Promise.all(controllers.map((c) => c.stop()));
      await Promise.all(all.map((i) => i.stop()));
    },
    synced: () => all.every((i) => i.hasSynced()),
  };
}
