/**
 * Topic names and the payload → topic mapping of `nightglow.events.v1`. The
 * payload decides the topic; the Kafka topic name is `<prefix>.<suffix>`.
 */
import { Topic, type Envelope } from '@nightglow/contracts/events/v1';
import { BusError } from './errors.js';

/** The topic prefix used when none is configured. */
export const DEFAULT_TOPIC_PREFIX = 'nightglow';

/** A topic that exists on the bus (every `Topic` but `UNSPECIFIED` and `EXTERNAL`). */
export type BusTopic = Exclude<Topic, Topic.UNSPECIFIED | Topic.EXTERNAL>;

/** The name suffix of every bus topic, as in the contracts README. */
export const TOPIC_SUFFIXES: Readonly<Record<BusTopic, string>> = {
  [Topic.MEASUREMENTS]: 'measurements',
  [Topic.ALERTS]: 'alerts',
  [Topic.ACTIONS]: 'actions',
  [Topic.TASKS]: 'tasks',
  [Topic.SESSIONS]: 'sessions',
  [Topic.DETECTIONS]: 'detections',
  [Topic.ANOMALIES]: 'anomalies',
  [Topic.INSTRUMENT_COMMANDS]: 'instrument-commands',
};

/** Every bus topic, in enum order. */
export const BUS_TOPICS: readonly BusTopic[] = [
  Topic.MEASUREMENTS,
  Topic.ALERTS,
  Topic.ACTIONS,
  Topic.TASKS,
  Topic.SESSIONS,
  Topic.DETECTIONS,
  Topic.ANOMALIES,
  Topic.INSTRUMENT_COMMANDS,
];

/**
 * Topics whose events a publisher may drop (and count) when its buffer is full or
 * Kafka is down. Only measurements: lifecycle events, alerts, detections and
 * commands are kept until delivered.
 */
export const DEFAULT_DROPPABLE_TOPICS: readonly BusTopic[] = [Topic.MEASUREMENTS];

/** True when `topic` is a topic on the bus. */
export function isBusTopic(topic: Topic): topic is BusTopic {
  return topic !== Topic.UNSPECIFIED && topic !== Topic.EXTERNAL && topic in TOPIC_SUFFIXES;
}

/** The Kafka topic name, e.g. `topicName(Topic.ALERTS)` → `nightglow.alerts`. Throws `NO_TOPIC` otherwise. */
export function topicName(topic: Topic, prefix: string = DEFAULT_TOPIC_PREFIX): string {
  if (!isBusTopic(topic)) throw new BusError('NO_TOPIC', `topic ${Topic[topic] ?? topic} is not on the bus`);
  return `${prefix}.${TOPIC_SUFFIXES[topic]}`;
}

/** The topic of a Kafka topic name under `prefix`, or undefined for a foreign name. */
export function topicFromName(name: string, prefix: string = DEFAULT_TOPIC_PREFIX): BusTopic | undefined {
  if (!name.startsWith(`${prefix}.`)) return undefined;
  const suffix = name.slice(prefix.length + 1);
  return BUS_TOPICS.find((topic) => TOPIC_SUFFIXES[topic] === suffix);
}

/** The topic a payload travels on; `EXTERNAL` for external events, `UNSPECIFIED` when unset. */
export function topicOfPayload(payloadCase: Envelope['payload']['case']): Topic {
  switch (payloadCase) {
    case 'session':
      return Topic.SESSIONS;
    case 'task':
      return Topic.TASKS;
    case 'action':
    case 'errorSnapshot':
      return Topic.ACTIONS;
    case 'measurement':
      return Topic.MEASUREMENTS;
    case 'alert':
      return Topic.ALERTS;
    case 'detection':
      return Topic.DETECTIONS;
    case 'anomaly':
      return Topic.ANOMALIES;
    case 'instrumentCommand':
      return Topic.INSTRUMENT_COMMANDS;
    case 'external':
      return Topic.EXTERNAL;
    case undefined:
      return Topic.UNSPECIFIED;
  }
}

/**
 * The bus topic of an envelope, decided by its payload. Throws `NO_TOPIC` for
 * external events (they enter through `RecordStore/IngestEvents`) and
 * `INVALID_ENVELOPE` when no payload is set.
 */
export function topicOf(envelope: Envelope): BusTopic {
  const topic = topicOfPayload(envelope.payload.case);
  if (topic === Topic.UNSPECIFIED) throw new BusError('INVALID_ENVELOPE', 'envelope has no payload');
  if (!isBusTopic(topic)) {
    throw new BusError('NO_TOPIC', `payload ${envelope.payload.case ?? ''} has no bus topic (use IngestEvents)`);
  }
  return topic;
}
