import type { TestProject } from 'vitest/node';
import './context.js';
import { startTestEnv } from './test-env.js';

/**
 * Vitest globalSetup of the `int` project (a named `setup`, which vitest accepts
 * like a default export): starts Redis, PostgreSQL, Kafka and
 * kube-apiserver (+ etcd) in parallel once per run, provides their addresses and
 * the tool paths as `inject('testenv')` (see `useTestEnv`), and returns the
 * teardown that stops them all. Chromium is not started here: each test file
 * launches its own with `launchChromium()`.
 */
export async function setup(project: TestProject): Promise<() => Promise<void>> {
  const running = await startTestEnv();
  const times = Object.entries(running.startupSeconds)
    .map(([name, seconds]) => `${name} ${seconds.toFixed(1)}s`)
    .join(', ');
  console.log(`[testenv] ready: ${times}`);
  project.provide('testenv', running.env);
  return async () => {
    await running.stop();
  };
}
