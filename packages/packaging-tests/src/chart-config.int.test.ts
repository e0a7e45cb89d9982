/**
 * The chart renders each service's environment from values; this checks it
 * against the services' own contract: every container's rendered environment
 * (and the operator's flags) passes that service's `loadConfig`, the function
 * its main runs at start, so a variable the chart gets wrong fails here naming it.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTestEnv } from '@nightglow/testenv';
import { helmOk } from './helm.js';
import { renderedContainers } from './rendered-env.js';
import { CHART_DIR, parseYamlDocs } from './repo.js';

type Loader = {
  loadConfig(env: Record<string, string>, second?: unknown): { server: { host: string; httpPort: number } };
};

/** Container name → the service package whose `loadConfig` judges it. */
const PACKAGES: Record<string, string> = {
  'session-broker': '@nightglow/session-broker',
  'task-executor': '@nightglow/task-executor',
  'record-store': '@nightglow/record-store',
  operator: '@nightglow/operator',
  sidecar: '@nightglow/instrumentation-sidecar',
};

/** Runs every rendered container's loadConfig; resolves the problems, each `deployment/container: message`. */
async function configProblems(
  helmBin: string,
  args: readonly string[],
): Promise<{ containers: string[]; problems: string[] }> {
  const docs = parseYamlDocs(await helmOk(helmBin, ['template', 'r', CHART_DIR, ...args]));
  const containers = renderedContainers(docs).filter((c) => c.container !== 'browser');
  const problems: string[] = [];
  for (const c of containers) {
    const { loadConfig } = (await import(PACKAGES[c.container] ?? '')) as Loader;
    try {
      const config = c.container === 'operator' ? loadConfig(c.env, c.args) : loadConfig(c.env);
      if (config.server.host !== '0.0.0.0')
        problems.push(`${c.deployment}/${c.container}: binds ${config.server.host}`);
    } catch (e) {
      problems.push(`${c.deployment}/${c.container}: ${(e as Error).message}`);
    }
  }
  return { containers: containers.map((c) => c.container).sort(), problems };
}

describe.each([
  ['default values', []],
  ['every optional feature', ['-f', join(CHART_DIR, 'ci', 'full-values.yaml')]],
])("the chart's rendered service environment, %s", (_name, args) => {
  const env = useTestEnv();

  it("passes each service's loadConfig", async () => {
    const { containers, problems } = await configProblems(env.tools.helm, args);
    expect(containers).toEqual(Object.keys(PACKAGES).sort());
    expect(problems).toEqual([]);
  });

  it("gives the executor a caller key the broker trusts (IssueSessionToken), not the broker's token secret", async () => {
    const docs = parseYamlDocs(await helmOk(env.tools.helm, ['template', 'r', CHART_DIR, ...args]));
    const envOf = (name: string) => renderedContainers(docs).find((c) => c.container === name)?.env ?? {};
    const [broker, executor] = [envOf('session-broker'), envOf('task-executor')];
    expect(executor['BROKER_CALLER_KEY']?.length).toBeGreaterThanOrEqual(16);
    expect(broker['TRUSTED_CALLER_KEYS']?.split(',')).toContain(executor['BROKER_CALLER_KEY']);
    expect(executor['BROKER_CALLER_KEY']).not.toBe(broker['TOKEN_SECRET']);
    expect(Object.keys(executor).filter((k) => k.includes('TOKEN_SECRET'))).toEqual([]);
  });
});

it('a value the service refuses is caught, naming the variable', async () => {
  const { problems } = await configProblems(useTestEnv().tools.helm, ['--set', 'executor.config.TASK_CONCURRENCY=0']);
  expect(problems).toHaveLength(1);
  expect(problems[0]).toMatch(/^r-nightglow-task-executor\/task-executor: .*TASK_CONCURRENCY: "0" is not an integer/s);
});
