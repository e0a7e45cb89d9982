import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHART_DIR, REPO_ROOT } from './repo.js';
import { readYamlFile } from './schemas.js';

/** Default ports as each service's config.ts declares them (`readServerConfig(r, { grpcPort, httpPort })`). */
function declaredPorts(service: string): { grpc: number; http: number } {
  const text = readFileSync(join(REPO_ROOT, 'services', service, 'src', 'config.ts'), 'utf8');
  const m = /readServerConfig\(r, \{ grpcPort: (\d+), httpPort: (\d+) \}\)/.exec(text);
  if (!m) throw new Error(`services/${service}/src/config.ts: no readServerConfig(r, { grpcPort, httpPort }) found`);
  return { grpc: Number(m[1]), http: Number(m[2]) };
}

const SERVICES = [
  ['session-broker', 'broker', 'session-broker'],
  ['task-executor', 'executor', 'task-executor'],
  ['record-store', 'recordStore', 'record-store'],
  ['instrumentation-sidecar', 'browserPool.sidecar', 'browser'],
] as const;

describe("ports follow the services' own defaults", () => {
  const values = readYamlFile(join(CHART_DIR, 'values.yaml'));
  const prometheus = readFileSync(join(REPO_ROOT, 'deploy', 'compose', 'prometheus.yml'), 'utf8');

  it.each(SERVICES)(
    '%s: chart values and the compose Prometheus target use its declared ports',
    (service, key, host) => {
      const ports = declaredPorts(service);
      const block = key.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], values) as Record<
        string,
        number
      >;
      expect({ grpc: block['grpcPort'], http: block['httpPort'] }).toEqual(ports);
      expect(prometheus).toContain(`${host}:${ports.http}`);
    },
  );

  it("operator: metrics on its --metrics-bind-address default, in the chart and in compose's Prometheus", () => {
    const text = readFileSync(join(REPO_ROOT, 'services', 'operator', 'src', 'config.ts'), 'utf8');
    const port = Number(/'metrics-bind-address': \{ type: 'string', default: ':(\d+)' \}/.exec(text)?.[1]);
    expect(port).toBeGreaterThan(0);
    expect((values['operator'] as Record<string, number>)['metricsPort']).toBe(port);
    expect(prometheus).toContain(`operator:${port}`);
  });
});
