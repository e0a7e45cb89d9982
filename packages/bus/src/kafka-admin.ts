/**
 * Topic administration: at start the Kafka bus creates the topics it will use
 * if they are missing. Existing topics are left as they are (their partitions
 * and configs belong to whoever created them).
 */
import type { ITopicConfig, Kafka } from 'kafkajs';
import type { BusLogger } from './deps.js';
import type { KafkaBusConfig } from './kafka-config.js';
import { BUS_TOPICS, topicName, type BusTopic } from './topics.js';
import { Topic } from '@nightglow/contracts/events/v1';

/** What `ensureTopics` found and did. */
export type EnsureTopicsResult = { readonly created: readonly string[]; readonly existing: readonly string[] };

/** The topic specs the bus creates: every bus topic, `max.message.bytes` raised on actions. */
export function topicSpecs(config: KafkaBusConfig, topics: readonly BusTopic[] = BUS_TOPICS): ITopicConfig[] {
  return topics.map((topic) => {
    const spec: ITopicConfig = {
      topic: topicName(topic, config.topicPrefix),
      numPartitions: config.topics.partitions,
      replicationFactor: config.topics.replicationFactor,
    };
    if (topic === Topic.ACTIONS) {
      spec.configEntries = [{ name: 'max.message.bytes', value: String(config.topics.actionsMaxMessageBytes) }];
    }
    return spec;
  });
}

/**
 * Creates the missing bus topics and waits for their leaders. Throws (a kafkajs
 * error) when the cluster cannot be reached; the caller retries.
 */
export async function ensureTopics(
  kafka: Kafka,
  config: KafkaBusConfig,
  logger: BusLogger,
): Promise<EnsureTopicsResult> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const specs = topicSpecs(config);
    const missing = specs.filter((spec) => !existing.has(spec.topic));
    if (missing.length > 0) {
      // false means another client created them meanwhile: fine.
      await admin.createTopics({ topics: missing, waitForLeaders: true });
      logger.info({ topics: missing.map((s) => s.topic) }, 'event bus: created topics');
    }
    return {
      created: missing.map((s) => s.topic),
      existing: specs.filter((s) => existing.has(s.topic)).map((s) => s.topic),
    };
  } finally {
    await admin.disconnect();
  }
}
