/**
 * An informer: keeps a local cache of one resource type in sync with the
 * apiserver and tells handlers what changed. It lists, then watches from the
 * list's resourceVersion (with bookmarks); a watch that ends is resumed from
 * the last seen resourceVersion; an expired resourceVersion (410 Gone)
 * triggers a fresh list; any other failure restarts the list+watch after an
 * exponential backoff. Every `resyncMs` it hands every cached object to the
 * handlers again, so level-triggered reconcilers revisit everything.
 *
 * Lifecycle: NEW → (start) LISTING ⇄ WATCHING (⇢ BACKING_OFF) → (stop) STOPPED.
 * `synced()` resolves after the first successful list.
 */
import type { Clock, Logger } from '@nightglow/runtime';
import { OperatorError } from '../errors.js';
import { objectKey, type KubeApi, type KubeObject, type ResourceType } from '../kube/kube-api.js';
import { backoffDelay, type BackoffOptions } from './backoff.js';

/** What happened to an object. `resync` is the periodic re-delivery of an unchanged object. */
export type InformerEvent = {
  readonly type: 'add' | 'update' | 'delete' | 'resync';
  readonly object: KubeObject;
};

/** Counters for tests and metrics. */
export type InformerStats = { lists: number; relistsOnGone: number; restarts: number; watches: number };

/** A running informer. */
export type Informer = {
  readonly type: ResourceType;
  onEvent(handler: (e: InformerEvent) => void): void;
  start(): void;
  stop(): Promise<void>;
  /** Resolves once the first list has filled the cache. */
  synced(): Promise<void>;
  hasSynced(): boolean;
  /** A cached object by `namespace/name`. */
  get(key: string): KubeObject | undefined;
  list(): KubeObject[];
  readonly stats: Readonly<InformerStats>;
};

/** Options of {@link createInformer}. */
export type InformerOptions = {
  readonly api: KubeApi;
  readonly type: ResourceType;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly namespace?: string | undefined;
  readonly labelSelector?: string | undefined;
  /** Period of the full re-delivery; 0 disables it. Default 10 min. */
  readonly resyncMs?: number;
  /** Restart backoff after errors. Default 500 ms … 30 s. */
  readonly backoff?: BackoffOptions;
  /** Server-side watch timeout (s); the watch is resumed after it. Default 300. */
  readonly watchTimeoutSeconds?: number;
};

/** Creates an informer; nothing happens before `start()`. */
export function createInformer(opts: InformerOptions): Informer {
  const cache = new Map<string, KubeObject>();
  const handlers: ((e: InformerEvent) => void)[] = [];
  const stats: InformerStats = { lists: 0, relistsOnGone: 0, restarts: 0, watches: 0 };
  const abort = new AbortController();
  const backoff = opts.backoff ?? { baseMs: 500, maxMs: 30_000 };
  let markSynced: () => void = () => {};
  const syncedP = new Promise<void>((r) => (markSynced = r));
  let isSynced = false;
  let loop: Promise<void> | undefined;
  let resyncTimer: { cancel(): void } | undefined;
  const filter = { namespace: opts.namespace, labelSelector: opts.labelSelector };

  const emit = (e: InformerEvent): void => {
    for (const h of handlers) {
      try {
        h(e);
      } catch (err) {
        opts.logger.error({ err, kind: opts.type.kind }, 'informer handler failed');
      }
    }
  };

  async function relist(): Promise<string> {
    const { items, resourceVersion } = await opts.api.list(opts.type, filter);
    stats.lists++;
    const seen = new Set<string>();
    for (const item of items) {
      const key = objectKey(item);
      seen.add(key);
      const old = cache.get(key);
      cache.set(key, item);
      if (!old) emit({ type: 'add', object: item });
      else if (old.metadata.resourceVersion !== item.metadata.resourceVersion) emit({ type: 'update', object: item });
    }
    for (const [key, old] of cache) {
      if (!seen.has(key)) {
        cache.delete(key);
        emit({ type: 'delete', object: old });
      }
    }
    if (!isSynced) {
      isSynced = true;
      markSynced();
    }
    return resourceVersion;
  }

  async function watchFrom(rv: string): Promise<string> {
    stats.watches++;
    const events = opts.api.watch(opts.type, {
      ...filter,
      resourceVersion: rv,
      signal: abort.signal,
      timeoutSeconds: opts.watchTimeoutSeconds ?? 300,
    });
    for await (const ev of events) {
      const object = ev.object;
      rv = object.metadata.resourceVersion ?? rv;
      if (ev.type === 'BOOKMARK') continue;
      const key = objectKey(object);
      if (ev.type === 'DELETED') {
        cache.delete(key);
        emit({ type: 'delete', object });
      } else {
        const existed = cache.has(key);
        cache.set(key, object);
        emit({ type: existed ? 'update' : 'add', object });
      }
    }
    return rv;
  }

  async function run(): Promise<void> {
    let failures = 0;
    let rv: string | undefined;
    while (!abort.signal.aborted) {
      try {
        rv ??= await relist();
        rv = await watchFrom(rv);
        failures = 0;
      } catch (e) {
        if (abort.signal.aborted) return;
        const err = OperatorError.from(e);
        rv = undefined;
        if (err.code === 'GONE') {
          stats.relistsOnGone++;
          opts.logger.info({ kind: opts.type.kind }, 'watch expired (410 Gone): listing again');
          continue;
        }
        failures++;
        stats.restarts++;
        const delay = backoffDelay(failures, backoff);
        opts.logger.warn(
          { err, kind: opts.type.kind, retryInMs: delay },
          'list/watch failed: restarting after backoff',
        );
        await opts.clock.sleep(delay, abort.signal).catch(() => undefined);
      }
    }
  }

  const scheduleResync = (): void => {
    if (!opts.resyncMs || abort.signal.aborted) return;
    resyncTimer = opts.clock.setTimeout(() => {
      for (const object of cache.values()) emit({ type: 'resync', object });
      scheduleResync();
    }, opts.resyncMs);
  };

  return {
    type: opts.type,
    onEvent: (h) => void handlers.push(h),
    start() {
      if (loop) return;
      loop = run();
      scheduleResync();
    },
    async stop() {
      abort.abort(new Error('informer stopped'));
      resyncTimer?.cancel();
      await loop;
    },
    synced: () => syncedP,
    hasSynced: () => isSynced,
    get: (key) => cache.get(key),
    list: () => [...cache.values()],
    stats,
  };
}
