/**
 * Lease-based leader election (coordination.k8s.io/v1), as client-go's
 * leaderelection: a candidate tries every `retryPeriodMs` to take the Lease
 * when it is free or its holder stopped renewing for `leaseDurationMs`
 * (measured on this candidate's own clock since it last saw the record
 * change, so clock skew between instances does not matter); the leader
 * renews every `retryPeriodMs` and gives up leadership when it could not
 * renew for `renewDeadlineMs`. Writes are conditional on resourceVersion, so
 * two candidates never both win. On `stop` a leader releases the Lease
 * (empty holder), letting a standby take over at once.
 *
 * Lifecycle: CANDIDATE → LEADING → (lost or stop) CANDIDATE / STOPPED.
 */
import type { Clock, Logger } from '@nightglow/runtime';
import { OperatorError } from '../errors.js';
import type { KubeApi, KubeObject } from '../kube/kube-api.js';
import { RESOURCES } from '../kube/resources.js';

/** Timing of the election. client-go defaults: 15 s / 10 s / 2 s. */
export type LeaseTiming = {
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
};

/** Options of {@link createLeaderElector}. */
export type LeaderElectorOptions = LeaseTiming & {
  readonly api: KubeApi;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly namespace: string;
  readonly name: string;
  /** Unique per instance, e.g. the pod name plus a random suffix. */
  readonly identity: string;
  /** Called when this instance becomes leader; the signal aborts when leadership ends. */
  readonly onStartedLeading: (signal: AbortSignal) => void;
  /** Called when leadership ends (lost or stopping); on stop the Lease is released after it settles. */
  readonly onStoppedLeading?: () => Promise<void> | void;
};

/** A running elector. */
export type LeaderElector = {
  run(): void;
  /** Stops campaigning; a leader releases the Lease first. */
  stop(): Promise<void>;
  isLeader(): boolean;
};

type LeaseSpec = {
  holderIdentity?: string | null;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
};
type Lease = KubeObject & { spec?: LeaseSpec };

/** RFC 3339 with microseconds, as MicroTime wants. */
const microTime = (ms: number): string => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

/** Creates a leader elector; nothing happens before `run()`. */
export function createLeaderElector(opts: LeaderElectorOptions): LeaderElector {
  const key = { namespace: opts.namespace, name: opts.name };
  const stopping = new AbortController();
  let leading: AbortController | undefined;
  let observed: { record: string; at: number } | undefined;
  let lastRenew = 0;
  let loop: Promise<void> | undefined;

  const leaseBody = (now: number, prev: Lease | undefined, holder: string | null): Lease => {
    const spec = prev?.spec ?? {};
    const transition = holder !== null && spec.holderIdentity !== holder;
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { ...(prev?.metadata ?? {}), name: opts.name, namespace: opts.namespace },
      spec: {
        holderIdentity: holder,
        leaseDurationSeconds: Math.max(1, Math.ceil(opts.leaseDurationMs / 1000)),
        acquireTime: transition ? microTime(now) : (spec.acquireTime ?? microTime(now)),
        renewTime: microTime(now),
        leaseTransitions: (spec.leaseTransitions ?? 0) + (transition && spec.holderIdentity ? 1 : 0),
      },
    };
  };

  /** One attempt to acquire or renew; true when this instance holds the Lease afterwards. */
  async function tryAcquireOrRenew(): Promise<boolean> {
    const now = opts.clock.now();
    const current = (await opts.api.get(RESOURCES.lease, key)) as Lease | undefined;
    if (!current) {
      await opts.api.create(RESOURCES.lease, leaseBody(now, undefined, opts.identity));
      return true;
    }
    const spec = current.spec ?? {};
    const record = `${spec.holderIdentity ?? ''}|${spec.renewTime ?? ''}`;
    if (observed?.record !== record) observed = { record, at: now };
    const holder = spec.holderIdentity ?? '';
    const duration = (spec.leaseDurationSeconds ?? 0) * 1000 || opts.leaseDurationMs;
    if (holder && holder !== opts.identity && observed.at + duration > now) return false;
    await opts.api.replace(RESOURCES.lease, leaseBody(now, current, opts.identity));
    return true;
  }

  async function attempt(): Promise<boolean> {
    try {
      return await tryAcquireOrRenew();
    } catch (e) {
      const err = OperatorError.from(e);
      if (err.code !== 'CONFLICT' && err.code !== 'ALREADY_EXISTS') {
        opts.logger.warn({ err, lease: opts.name }, 'leader election: lease update failed');
      }
      return false;
    }
  }

  async function stopLeading(): Promise<void> {
    if (!leading) return;
    leading.abort(new Error('leadership ended'));
    leading = undefined;
    try {
      await opts.onStoppedLeading?.();
    } catch (err) {
      opts.logger.error({ err }, 'stopping after leadership ended failed');
    }
  }

  async function run(): Promise<void> {
    while (!stopping.signal.aborted) {
      const ok = await attempt();
      const now = opts.clock.now();
      if (ok) {
        lastRenew = now;
        if (!leading) {
          leading = new AbortController();
          opts.logger.info({ lease: opts.name, identity: opts.identity }, 'became leader');
          opts.onStartedLeading(leading.signal);
        }
      } else if (leading && now - lastRenew > opts.renewDeadlineMs) {
        opts.logger.warn({ lease: opts.name }, 'could not renew the lease in time: stepping down');
        await stopLeading();
      }
      await opts.clock.sleep(opts.retryPeriodMs, stopping.signal).catch(() => undefined);
    }
  }

  async function release(): Promise<void> {
    try {
      const current = (await opts.api.get(RESOURCES.lease, key)) as Lease | undefined;
      if (current?.spec?.holderIdentity !== opts.identity) return;
      const body = leaseBody(opts.clock.now(), current, null);
      body.spec = { ...body.spec, leaseDurationSeconds: 1 };
      await opts.api.replace(RESOURCES.lease, body);
    } catch (e) {
      opts.logger.warn({ err: e, lease: opts.name }, 'could not release the lease');
    }
  }

  return {
    run() {
      loop ??= run();
    },
    async stop() {
      stopping.abort();
      await loop;
      if (leading) {
        await stopLeading();
        await release();
      }
    },
    isLeader: () => leading !== undefined,
  };
}
