/**
 * @nightglow/testenv: real servers for integration tests, on free loopback ports.
 * Install them with `bash scripts/testenv/install.sh`; the `int` vitest project's
 * global setup starts the shared ones, tests read them with `useTestEnv()`.
 */
export { launchChromium, chromiumFlags } from './chromium.js';
export type { ChromiumBrowser, ChromiumOptions } from './chromium.js';
export { useTestEnv } from './context.js';
export { startEtcd } from './etcd.js';
export type { EtcdServer } from './etcd.js';
export { startKafka } from './kafka.js';
export type { KafkaOptions, KafkaServer } from './kafka.js';
export { startKubeApiserver, writeKubeconfig } from './kube-apiserver.js';
export type { KubeApiserver } from './kube-apiserver.js';
export { installScript, requireFile, testenvPaths } from './paths.js';
export type { TestenvPaths } from './paths.js';
export { createDatabase, startPostgres } from './postgres.js';
export type { PostgresServer } from './postgres.js';
export { pingRedis, startRedis } from './redis.js';
export type { RedisServer } from './redis.js';
export { freePort } from './server-support.js';
export { envExports, startTestEnv } from './test-env.js';
export type { RunningTestEnv, TestEnv } from './test-env.js';
export { tools } from './tools.js';
export type { TestTools } from './tools.js';
