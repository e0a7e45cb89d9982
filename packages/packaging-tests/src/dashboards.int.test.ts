/**
 * Dashboards are not decoration. The rule for Prometheus panels: a metric name
 * counts as exported when a running service's `/metrics` declares it (its
 * `# TYPE` line; a histogram also provides `_bucket`, `_sum`, `_count`), so a
 * labelled family that has seen no event yet counts, and no test traffic is
 * needed. Each service's compiled main runs as a real process (build first with
 * `npx tsc -b`; the operator with the test env's admin kubeconfig). PostgreSQL panels: each query, its Grafana macros expanded,
 * runs in a read-only transaction against a database the record store itself
 * migrated at start.
 */
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServiceProcess, type ServiceProcess } from '@nightglow/runtime/testing';
import { createDatabase, useTestEnv } from '@nightglow/testenv';
import { expandSqlMacros, loadDashboards, panelQueries } from './dashboards.js';
import { helmOk } from './helm.js';
import { createCrds } from './kube.js';
import { CHART_DIR, parseYamlDocs } from './repo.js';
import { exposedNames } from './exposition.js';
import { metricNames } from './promql.js';

const main = (service: string): string =>
  fileURLToPath(new URL(`../../../services/${service}/dist/main.js`, import.meta.url));
const queries = loadDashboards().flatMap(panelQueries);

describe('dashboards against running services', () => {
  const env = useTestEnv();
  const database = `packaging_${Date.now().toString(36)}`;
  let databaseUrl = '';
  const processes: ServiceProcess[] = [];
  const exported = new Map<string, Set<string>>();

  beforeAll(async () => {
    databaseUrl = await createDatabase(env.postgres.url, database);
    // The operator informs on its CRDs before it serves: create them (as the chart renders them) unless present.
    const rendered = parseYamlDocs(await helmOk(env.tools.helm, ['template', 'r', CHART_DIR]));
    await createCrds(env.kube, rendered.filter((d) => d['kind'] === 'CustomResourceDefinition') as never);
    const services: [string, Record<string, string>, string[]][] = [
      ['session-broker', {}, []],
      ['task-executor', {}, []],
      ['instrumentation-sidecar', {}, []],
      ['record-store', { DATABASE_URL: databaseUrl, ADMIN_API_KEY: 'packaging-tests-admin-key-0123456789' }, []],
      [
        'operator',
        { KUBECONFIG: env.kube.kubeconfigPath },
        ['--metrics-bind-address=127.0.0.1:0', '--health-probe-bind-address=127.0.0.1:0'],
      ],
    ];
    await Promise.all(
      services.map(async ([name, vars, args]) => {
        const p = await startServiceProcess(main(name), vars, { args, timeoutMs: 60_000 });
        processes.push(p);
        const res = await fetch(`http://127.0.0.1:${p.httpPort}/metrics`);
        expect(res.status, `${name} /metrics`).toBe(200);
        exported.set(name, exposedNames(await res.text()));
      }),
    );
  });

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop()));
  });

  it('every metric a Prometheus panel queries is exported by a running service', () => {
    const all = new Set([...exported.values()].flatMap((s) => [...s]));
    const missing = queries
      .filter((q) => q.kind === 'prometheus')
      .flatMap((q) =>
        metricNames(q.text)
          .filter((m) => !all.has(m))
          .map((m) => `${q.dashboard} / ${q.panel}: ${m}`),
      );
    expect(missing).toEqual([]);
    expect(queries.filter((q) => q.kind === 'prometheus').length).toBeGreaterThan(20);
  });

  it('every service exports the runtime RPC and process metrics the dashboards rely on', () => {
    for (const [name, names] of exported) {
      expect(names.has('nightglow_process_resident_memory_bytes'), name).toBe(true);
      if (name !== 'operator') expect(names.has('nightglow_rpc_server_handled_total'), name).toBe(true);
    }
  });

  it("every PostgreSQL panel's query runs against the record store's schema", async () => {
    const sql = queries.filter((q) => q.kind === 'postgres');
    expect(sql.length).toBeGreaterThan(10);
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    const failures: string[] = [];
    try {
      const tables = await client.query<{ n: string }>(
        `SELECT count(*) AS n FROM information_schema.tables WHERE table_name = 'task_records'`,
      );
      expect(tables.rows[0]?.n, 'the record store did not migrate the database').toBe('1');
      for (const q of sql) {
        await client.query('BEGIN READ ONLY');
        try {
          await client.query(expandSqlMacros(q.text));
        } catch (e) {
          failures.push(`${q.dashboard} / ${q.panel}: ${(e as Error).message}`);
        } finally {
          await client.query('ROLLBACK');
        }
      }
    } finally {
      await client.end();
    }
    expect(failures).toEqual([]);
  });
});
