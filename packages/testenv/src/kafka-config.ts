import { closeSync, openSync, readSync, statSync } from 'node:fs';

/** Inputs of {@link brokerProperties}. */
export interface BrokerPropertiesInput {
  readonly port: number;
  readonly controllerPort: number;
  readonly dataDir: string;
  /** Entries that override or extend the defaults. */
  readonly overrides: Readonly<Record<string, string>>;
}

/**
 * `server.properties` for one KRaft node that is both broker and controller on
 * 127.0.0.1. Replication factors are 1 (there is one broker), the internal topics
 * have one partition (a first consumer group is ready sooner) and
 * `group.initial.rebalance.delay.ms=0` (else every new group waits 3 s). A broker
 * restarted after a crash is only accepted once its old session expired, so the
 * session is 3 s (heartbeat 0.5 s) instead of 9 s: a killed broker is back in ~4 s.
 */
export function brokerProperties(input: BrokerPropertiesInput): string {
  const { port, controllerPort, dataDir } = input;
  const defaults: Record<string, string> = {
    'process.roles': 'broker,controller',
    'node.id': '1',
    'controller.quorum.voters': `1@127.0.0.1:${controllerPort}`,
    listeners: `PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    'log.dirs': dataDir,
    'num.partitions': '1',
    'offsets.topic.replication.factor': '1',
    'offsets.topic.num.partitions': '1',
    'transaction.state.log.replication.factor': '1',
    'transaction.state.log.min.isr': '1',
    'transaction.state.log.num.partitions': '1',
    'group.initial.rebalance.delay.ms': '0',
    'broker.heartbeat.interval.ms': '500',
    'broker.session.timeout.ms': '3000',
    'auto.create.topics.enable': 'true',
    'log.flush.interval.messages': '9223372036854775807',
  };
  const merged = { ...defaults, ...input.overrides };
  return `${Object.entries(merged)
    .map(([key, value]) => `${key}=${value}`)
    .join('\n')}\n`;
}

/**
 * reload4j configuration: everything at INFO to stdout (our log file). Kafka's
 * own pom carries no logging binding; without slf4j-reload4j and this file the
 * broker writes no log at all, and readiness could not be read from it.
 */
export const LOG4J_PROPERTIES = `log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.org.apache.kafka.controller=INFO
log4j.logger.state.change.logger=WARN
`;

/**
 * The text of `file` from byte `offset` on: a restarted broker appends to the same
 * log, so readiness is read only from what the new JVM wrote.
 */
export function readLogFrom(file: string, offset: number): string {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return '';
  }
  try {
    const length = Math.max(0, statSync(file).size - offset);
    const buffer = Buffer.alloc(length);
    const read = readSync(fd, buffer, 0, length, offset);
    return buffer.toString('utf8', 0, read);
  } finally {
    closeSync(fd);
  }
}
