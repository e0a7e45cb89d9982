/**
 * Consumer groups of the in-process bus: members, partition assignment,
 * committed offsets, retention and the backpressure bound. Like Kafka, each
 * group sees every record, the members of one group share the partitions, and
 * a group resumes from its committed offsets. A partition is handled by at most
 * one member of a group at a time, in offset order.
 */
import { endOffset, type MemoryLog } from './memory-log.js';

/** A member as the coordinator sees it. */
export type GroupMember = {
  readonly id: number;
  readonly groupId: string;
  readonly topicNames: readonly string[];
  readonly fromBeginning: boolean;
  /** `topic/partition` keys currently assigned. */
  assigned: string[];
  /** Called whenever there may be new work (append, commit, reassignment, close). */
  wake(): void;
};

type Group = { members: GroupMember[]; committed: Map<string, number>; busy: Set<string> };

/** The groups of one in-process bus. */
export type GroupCoordinator = {
  join(member: GroupMember): void;
  leave(member: GroupMember): void;
  /** The committed offset of a partition for a group (initialised from `fromBeginning` on first use). */
  committed(groupId: string, tp: string): number;
  /** Records `offset` as committed if it moves forward, trims what no active group needs, wakes waiters. */
  commit(groupId: string, tp: string, offset: number): void;
  /** Marks a partition as being handled by a member of the group; false if another member holds it. */
  claim(groupId: string, tp: string): boolean;
  release(groupId: string, tp: string): void;
  /** Records appended but not yet committed by the slowest active group, summed over partitions. */
  lag(): number;
  /** Applies retention to a partition: keeps what active groups still need, and the newest records. */
  retain(tp: string): void;
  /** Wakes every member and capacity waiter (after an append). */
  notify(): void;
  /** Resolves at the next commit or membership change (for the backpressure wait). */
  changed(): Promise<void>;
};

/** A partition key: `topic/partition`. */
export function tpKey(topicName: string, partition: number): string {
  return `${topicName}/${partition}`;
}

/** Splits a {@link tpKey}. */
export function parseTp(tp: string): { topicName: string; partition: number } {
  const at = tp.lastIndexOf('/');
  return { topicName: tp.slice(0, at), partition: Number(tp.slice(at + 1)) };
}

/** Creates the coordinator; partitions keep at least `retainMessages` newest records for late subscribers. */
export function createGroupCoordinator(log: MemoryLog, retainMessages: number): GroupCoordinator {
  const groups = new Map<string, Group>();
  let waiters: Array<() => void> = [];

  const group = (id: string): Group => {
    let g = groups.get(id);
    if (g === undefined) {
      g = { members: [], committed: new Map(), busy: new Set() };
      groups.set(id, g);
    }
    return g;
  };

  const rebalance = (g: Group, groupId: string): void => {
    for (const m of g.members) m.assigned = [];
    const topicNames = [...new Set(g.members.flatMap((m) => m.topicNames))].sort();
    for (const topicName of topicNames) {
      const members = g.members.filter((m) => m.topicNames.includes(topicName));
      log.partitions(topicName).forEach((_, p) => members[p % members.length]?.assigned.push(tpKey(topicName, p)));
    }
    // Fix the starting offsets now, so records published right after subscribe() are seen.
    for (const m of g.members) for (const tp of m.assigned) committed(groupId, tp);
    for (const m of g.members) m.wake();
  };

  const activeMin = (tp: string): number | undefined => {
    let min: number | undefined;
    for (const g of groups.values()) {
      if (!g.members.some((m) => m.assigned.includes(tp))) continue;
      const c = g.committed.get(tp);
      if (c !== undefined) min = Math.min(min ?? c, c);
    }
    return min;
  };

  const retain = (tp: string): void => {
    const { topicName, partition } = parseTp(tp);
    const p = log.partitions(topicName)[partition];
    if (p === undefined) return;
    const end = endOffset(p);
    log.trim(topicName, partition, Math.min(activeMin(tp) ?? end, end - retainMessages));
  };

  const wakeAll = (): void => {
    for (const g of groups.values()) for (const m of g.members) m.wake();
    const w = waiters;
    waiters = [];
    for (const fn of w) fn();
  };

  function committed(groupId: string, tp: string): number {
    const g = group(groupId);
    const known = g.committed.get(tp);
    if (known !== undefined) return known;
    const { topicName, partition } = parseTp(tp);
    const p = log.partitions(topicName)[partition];
    const fromBeginning = g.members.some((m) => m.fromBeginning && m.assigned.includes(tp));
    const start = p === undefined ? 0 : fromBeginning ? p.base : endOffset(p);
    g.committed.set(tp, start);
    return start;
  }

  return {
    join(member) {
      const g = group(member.groupId);
      g.members.push(member);
      rebalance(g, member.groupId);
    },
    leave(member) {
      const g = group(member.groupId);
      g.members = g.members.filter((m) => m !== member);
      rebalance(g, member.groupId);
      wakeAll();
    },
    committed,
    retain,
    commit(groupId, tp, offset) {
      const g = group(groupId);
      if (offset > (g.committed.get(tp) ?? -1)) g.committed.set(tp, offset);
      retain(tp);
      wakeAll();
    },
    claim(groupId, tp) {
      const g = group(groupId);
      if (g.busy.has(tp)) return false;
      g.busy.add(tp);
      return true;
    },
    release: (groupId, tp) => void group(groupId).busy.delete(tp),
    lag() {
      let total = 0;
      for (const topicName of log.topics()) {
        log.partitions(topicName).forEach((p, i) => {
          const min = activeMin(tpKey(topicName, i));
          if (min !== undefined) total += Math.max(0, endOffset(p) - min);
        });
      }
      return total;
    },
    notify: wakeAll,
    changed: () => new Promise((resolve) => waiters.push(resolve)),
  };
}
