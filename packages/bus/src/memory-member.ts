/**
 * One member of an in-process consumer group: a loop that picks an assigned
 * partition with records past the group's committed offset, hands them to the
 * handler as one batch, and commits after the handler resolves. A rejected
 * handler commits nothing: after a backoff the same records come again.
 */
import { backoffMs, sleep, type BusClock, type BusLogger } from './deps.js';
import type { GroupCoordinator, GroupMember } from './memory-groups.js';
import { parseTp } from './memory-groups.js';
import type { MemoryLog } from './memory-log.js';
import type { SubscribeOptions, Subscription, SubscriptionState } from './port.js';
import { countUndecodable, toBusBatch, toBusRecord } from './records.js';
import type { StatsCollector } from './stats.js';
import { topicFromName, topicName } from './topics.js';

/** What a member needs from its bus. */
export type MemberDeps = {
  readonly log: MemoryLog;
  readonly groups: GroupCoordinator;
  readonly stats: StatsCollector;
  readonly logger: BusLogger;
  readonly clock: BusClock;
  readonly prefix: string;
  readonly maxBatchMessages: number;
  readonly retry: { readonly initialMs: number; readonly maxMs: number };
};

let nextMemberId = 0;

/** Joins the group and starts the member's loop; the subscription is RUNNING on return. */
export function startMemoryMember(deps: MemberDeps, options: SubscribeOptions): Subscription {
  const { log, groups, stats, logger, clock } = deps;
  const abort = new AbortController();
  let state: SubscriptionState = 'RUNNING';
  let wakeUp: (() => void) | undefined;
  let pending = false;
  let cursor = 0;
  const failures = new Map<string, number>();
  const member: GroupMember = {
    id: nextMemberId++,
    groupId: options.groupId,
    topicNames: options.topics.map((t) => topicName(t, deps.prefix)),
    fromBeginning: options.fromBeginning ?? false,
    assigned: [],
    wake() {
      pending = true;
      wakeUp?.();
    },
  };

  const idle = (): Promise<void> =>
    new Promise<void>((resolve) => {
      if (pending || abort.signal.aborted) return resolve();
      wakeUp = resolve;
    }).then(() => {
      wakeUp = undefined;
      pending = false;
    });

  /** Handles one batch of the first assigned partition (round robin) that has records; false if none has. */
  const handleOne = async (): Promise<boolean> => {
    const assigned = member.assigned;
    for (let i = 0; i < assigned.length; i++) {
      const tp = assigned[(cursor + i) % assigned.length] as string;
      const { topicName: name, partition } = parseTp(tp);
      const topic = topicFromName(name, deps.prefix);
      const from = groups.committed(member.groupId, tp);
      const stored = log.read(name, partition, from, deps.maxBatchMessages);
      if (topic === undefined || stored.length === 0 || !groups.claim(member.groupId, tp)) continue;
      cursor = (cursor + i + 1) % Math.max(1, assigned.length);
      const records = stored.map((r) =>
        toBusRecord({
          topic,
          topicName: name,
          partition,
          offset: String(r.offset),
          key: r.key,
          raw: r.value,
          timestampMs: r.timestampMs,
        }),
      );
      stats.consumed(records.length, countUndecodable(records));
      const last = (stored[stored.length - 1] as (typeof stored)[number]).offset;
      try {
        await options.handler(
          toBusBatch({
            topic,
            topicName: name,
            partition,
            records,
            heartbeat: () => Promise.resolve(),
            signal: abort.signal,
          }),
        );
        groups.commit(member.groupId, tp, last + 1);
        stats.committed();
        failures.delete(tp);
      } catch (error) {
        const attempt = failures.get(tp) ?? 0;
        failures.set(tp, attempt + 1);
        stats.handlerFailed();
        const delayMs = backoffMs(attempt, deps.retry.initialMs, deps.retry.maxMs);
        logger.warn(
          { groupId: member.groupId, topic: name, partition, firstOffset: from, delayMs, err: String(error) },
          'event bus: handler failed, batch will be redelivered',
        );
        groups.release(member.groupId, tp);
        await sleep(clock, delayMs, abort.signal);
        return true;
      }
      groups.release(member.groupId, tp);
      return true;
    }
    return false;
  };

  const loop = async (): Promise<void> => {
    while (!abort.signal.aborted) {
      pending = false;
      if (!(await handleOne())) await idle();
    }
  };

  groups.join(member);
  const running = loop().catch((error: unknown) =>
    logger.error({ groupId: member.groupId, err: String(error) }, 'event bus: member loop failed'),
  );

  let closing: Promise<void> | undefined;
  const close = async (): Promise<void> => {
    state = 'STOPPING';
    abort.abort();
    wakeUp?.();
    await running;
    groups.leave(member);
    state = 'STOPPED';
  };
  return {
    groupId: options.groupId,
    state: () => state,
    close: () => (closing ??= close()),
  };
}
