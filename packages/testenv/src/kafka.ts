import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { requireFile, testenvPaths } from './paths.js';
import { spawnServer, type ServerProcess } from './process-group.js';
import { createServerDir, freePort, logTail, orCleanup, removeServerDir, waitUntilReady } from './server-support.js';
import { brokerProperties, LOG4J_PROPERTIES, readLogFrom } from './kafka-config.js';

const run = promisify(execFile);

/** Options for {@link startKafka}. */
export interface KafkaOptions {
  /** JVM heap ceiling, default `512m`. */
  readonly heap?: string;
  /** Extra or overriding `server.properties` entries. */
  readonly properties?: Readonly<Record<string, string>>;
}

/**
 * A running single-node Kafka (KRaft, broker and controller in one JVM).
 * Lifecycle: RUNNING → (`stopBroker`) DOWN → (`startBroker`) RUNNING … → (`stop`)
 * STOPPED. A restarted broker keeps its port and data folder, so clients see the
 * same broker come back with the same topics and offsets.
 */
export interface KafkaServer {
  /** `['127.0.0.1:<port>']`, for kafkajs `brokers`. */
  readonly brokers: string[];
  readonly port: number;
  readonly controllerPort: number;
  readonly dir: string;
  /** Pid of the running JVM, or undefined while DOWN. */
  pid(): number | undefined;
  /** Stops the broker; SIGTERM is a controlled shutdown, SIGKILL a crash. */
  stopBroker(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Starts the broker again on the same port and data folder; resolves when ready. */
  startBroker(): Promise<void>;
  /** Stops the broker (if up) and removes its folder. */
  stop(): Promise<void>;
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Starts Apache Kafka from the cached Maven Central jars on two free 127.0.0.1 ports
 * (PLAINTEXT and CONTROLLER), formatting a fresh KRaft log folder first. Resolves
 * when the log says "Kafka Server started" and the port accepts connections.
 */
export async function startKafka(options: KafkaOptions = {}): Promise<KafkaServer> {
  const paths = testenvPaths();
  const jar = `kafka_${paths.versions['KAFKA_SCALA_VERSION']}-${paths.versions['KAFKA_VERSION']}.jar`;
  requireFile('Kafka jars', join(paths.kafkaLib, jar), 'file');
  const classpath = `${paths.kafkaLib}/*`;
  const dir = createServerDir('kafka');
  const logFile = join(dir, 'kafka.log');
  const propsFile = join(dir, 'server.properties');
  const log4jFile = join(dir, 'log4j.properties');
  const jvm = [
    `-Xmx${options.heap ?? '512m'}`,
    '-Djava.awt.headless=true',
    `-Dlog4j.configuration=file:${log4jFile}`,
    '-cp',
    classpath,
  ];
  let proc: ServerProcess | undefined;

  const startBroker = async (): Promise<void> => {
    if (proc !== undefined) throw new Error('kafka broker is already running');
    let size = 0;
    try {
      size = statSync(logFile).size;
    } catch {
      // first start: no log yet
    }
    const started = spawnServer({
      command: paths.java,
      args: [...jvm, 'kafka.Kafka', propsFile],
      logFile,
      cwd: dir,
      orphanDir: dir,
    });
    proc = started;
    const check = async (): Promise<boolean> =>
      readLogFrom(logFile, size).includes('Kafka Server started') && portOpen(port);
    await waitUntilReady({ what: 'kafka', proc: started, logFile, check, timeoutMs: 90_000, intervalMs: 100 }).catch(
      (error: unknown) => {
        proc = undefined;
        throw error;
      },
    );
  };

  const stopBroker = async (signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> => {
    const current = proc;
    if (current === undefined) return;
    proc = undefined;
    await current.kill(signal, 30_000);
  };

  const port = await freePort();
  const controllerPort = await freePort();
  return orCleanup(
    async () => {
      writeFileSync(
        propsFile,
        brokerProperties({ port, controllerPort, dataDir: join(dir, 'data'), overrides: options.properties ?? {} }),
      );
      writeFileSync(log4jFile, LOG4J_PROPERTIES);
      // base64url may start with '-', which the storage tool's argument parser reads as an option.
      const clusterId = `A${randomBytes(16).toString('base64url').slice(1)}`;
      const formatArgs = [...jvm, 'kafka.tools.StorageTool', 'format', `--cluster-id=${clusterId}`, '-c', propsFile];
      await run(paths.java, formatArgs, { cwd: dir }).catch((error: Error & { stdout?: string; stderr?: string }) => {
        throw new Error(`kafka storage format failed: ${error.stderr ?? ''}${error.stdout ?? ''}`, { cause: error });
      });
      await startBroker();
      return {
        brokers: [`127.0.0.1:${port}`],
        port,
        controllerPort,
        dir,
        pid: () => proc?.pid,
        stopBroker,
        startBroker,
        async stop() {
          await stopBroker('SIGTERM').catch((error: Error) => {
            throw new Error(`${error.message}\n${logTail(logFile)}`, { cause: error });
          });
          removeServerDir(dir);
        },
      };
    },
    async () => {
      await stopBroker('SIGKILL').catch(() => undefined);
      removeServerDir(dir);
    },
  );
}
