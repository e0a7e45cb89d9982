/**
 * Kubernetes Events for major transitions (a pool scaled, a session ready, a
 * task finished): what `kubectl describe` shows. Recording is best effort —
 * a failed write is logged, never fails the reconcile — and repeats of the
 * same reason and message on the same object within a short window are
 * counted on one Event instead of creating new ones.
 */
import { randomBytes } from 'node:crypto';
import type { Clock, Logger } from '@nightglow/runtime';
import type { KubeApi, KubeObject } from '../kube/kube-api.js';
import { RESOURCES } from '../kube/resources.js';

/** Records Events about objects. */
export type EventRecorder = {
  /** `type` Normal or Warning; `reason` UpperCamelCase, e.g. `Scaled`. */
  record(obj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void>;
};

/** Options of {@link createEventRecorder}. */
export type EventRecorderOptions = {
  readonly api: KubeApi;
  readonly clock: Clock;
  readonly logger: Logger;
  /** `source.component`, default `nightglow-operator`. */
  readonly component?: string;
};

/** Creates an {@link EventRecorder}. */
export function createEventRecorder(opts: EventRecorderOptions): EventRecorder {
  const recent = new Map<string, { name: string; count: number; at: number }>();
  return {
    async record(obj, type, reason, message) {
      const now = opts.clock.now();
      const ns = obj.metadata.namespace ?? 'default';
      const dedup = `${obj.metadata.uid ?? ''}|${type}|${reason}|${message}`;
      const time = new Date(now).toISOString();
      try {
        const seen = recent.get(dedup);
        if (seen && now - seen.at < 10 * 60_000) {
          seen.count++;
          seen.at = now;
          await opts.api.patch(
            RESOURCES.event,
            { namespace: ns, name: seen.name },
            { count: seen.count, lastTimestamp: time },
          );
          return;
        }
        const name = `${obj.metadata.name ?? 'object'}.${randomBytes(8).toString('hex')}`;
        await opts.api.create(RESOURCES.event, {
          apiVersion: 'v1',
          kind: 'Event',
          metadata: { name, namespace: ns },
          involvedObject: {
            apiVersion: obj.apiVersion,
            kind: obj.kind,
            name: obj.metadata.name,
            namespace: ns,
            uid: obj.metadata.uid,
            resourceVersion: obj.metadata.resourceVersion,
          },
          type,
          reason,
          message: message.slice(0, 1024),
          source: { component: opts.component ?? 'nightglow-operator' },
          firstTimestamp: time,
          lastTimestamp: time,
          count: 1,
        });
        if (recent.size > 1000) recent.clear();
        recent.set(dedup, { name, count: 1, at: now });
      } catch (err) {
        opts.logger.warn({ err, reason }, 'could not record event');
      }
    },
  };
}
