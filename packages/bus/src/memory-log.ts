/**
 * The in-process bus's storage: per topic a fixed number of partitions, each an
 * append-only array of encoded records with Kafka-like offsets. A key always
 * maps to the same partition (so a session's events stay in order); keyless
 * records spread by event id. Old records are trimmed by the retention rule
 * the caller supplies.
 */

/** One stored message. */
export type StoredRecord = {
  readonly offset: number;
  readonly key: string | undefined;
  readonly value: Uint8Array;
  readonly timestampMs: number;
};

/** One partition: records `base … end-1` are held. */
export type PartitionLog = {
  base: number;
  records: StoredRecord[];
};

/** What to append. */
export type AppendInput = {
  readonly topicName: string;
  readonly key: string | undefined;
  /** Spreads keyless records; ignored when a key is given. */
  readonly spreadBy: string;
  readonly value: Uint8Array;
  readonly timestampMs: number;
};

/** The partitioned log of all topics. */
export type MemoryLog = {
  readonly partitionCount: number;
  /** The partitions of a topic, created empty on first use. */
  partitions(topicName: string): readonly PartitionLog[];
  /** Appends one record; returns its partition and offset. */
  append(input: AppendInput): { partition: number; offset: number };
  /** Up to `max` records of a partition from offset `from` (clamped to the oldest held). */
  read(topicName: string, partition: number, from: number, max: number): StoredRecord[];
  /** Drops records below `offset`. */
  trim(topicName: string, partition: number, offset: number): void;
  /** Topic names that exist. */
  topics(): string[];
};

/** The end offset (next offset to be written) of a partition. */
export function endOffset(log: PartitionLog): number {
  return log.base + log.records.length;
}

/** FNV-1a, 32 bit: a stable key → partition spread. */
export function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/** Creates an empty log whose topics have `partitionCount` partitions. */
export function createMemoryLog(partitionCount: number): MemoryLog {
  const topics = new Map<string, PartitionLog[]>();
  const partitionsOf = (topicName: string): PartitionLog[] => {
    let list = topics.get(topicName);
    if (list === undefined) {
      list = Array.from({ length: partitionCount }, () => ({ base: 0, records: [] }));
      topics.set(topicName, list);
    }
    return list;
  };
  return {
    partitionCount,
    partitions: partitionsOf,
    append(input) {
      const partition = hashString(input.key ?? input.spreadBy) % partitionCount;
      const log = partitionsOf(input.topicName)[partition] as PartitionLog;
      const offset = endOffset(log);
      log.records.push({ offset, key: input.key, value: input.value, timestampMs: input.timestampMs });
      return { partition, offset };
    },
    read(topicName, partition, from, max) {
      const log = partitionsOf(topicName)[partition];
      if (log === undefined) return [];
      const start = Math.max(from, log.base) - log.base;
      return log.records.slice(start, start + max);
    },
    trim(topicName, partition, offset) {
      const log = partitionsOf(topicName)[partition];
      if (log === undefined || offset <= log.base) return;
      const drop = Math.min(offset, endOffset(log)) - log.base;
      log.records.splice(0, drop);
      log.base += drop;
    },
    topics: () => [...topics.keys()],
  };
}
