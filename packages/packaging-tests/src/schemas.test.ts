import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHART_DIR, REPO_ROOT } from './repo.js';
import { readYamlFile, schemaValidator } from './schemas.js';

describe('skaffold.yaml against ../shared/schemas/skaffold-v4beta14.json', () => {
  const validate = schemaValidator('skaffold-v4beta14.json');
  const skaffold = readYamlFile(join(REPO_ROOT, 'skaffold.yaml'));

  it('validates, with apiVersion skaffold/v4beta14, a Helm release of the chart and dev + prod profiles', () => {
    expect(validate(skaffold)).toEqual([]);
    expect(skaffold['apiVersion']).toBe('skaffold/v4beta14');
    const s = skaffold as {
      deploy: { helm: { releases: { chartPath: string; setValueTemplates: Record<string, string> }[] } };
      profiles: { name: string }[];
    };
    expect(s.deploy.helm.releases[0]?.chartPath).toBe('charts/nightglow');
    expect(Object.values(s.deploy.helm.releases[0]?.setValueTemplates ?? {}).join(' ')).toMatch(
      /IMAGE_TAG_nightglow_session_broker/,
    );
    expect(s.profiles.map((p) => p.name)).toEqual(['dev', 'prod']);
  });

  it("sets only values the chart has (every dotted key of setValueTemplates and the profiles' setValues)", () => {
    const values = readYamlFile(join(CHART_DIR, 'values.yaml'));
    const s = skaffold as {
      deploy: { helm: { releases: { setValueTemplates: Record<string, string> }[] } };
      profiles: { patches: { path: string; value: Record<string, unknown> }[] }[];
    };
    const keys = [
      ...Object.keys(s.deploy.helm.releases[0]?.setValueTemplates ?? {}),
      ...s.profiles.flatMap((p) =>
        p.patches.filter((x) => x.path.endsWith('/setValues')).flatMap((x) => Object.keys(x.value)),
      ),
    ];
    expect(keys.length).toBeGreaterThan(20);
    const unknown = keys.filter(
      (k) =>
        k.split('.').reduce<unknown>((o, part) => (o as Record<string, unknown> | undefined)?.[part], values) ===
        undefined,
    );
    expect(unknown).toEqual([]);
  });

  it('refuses a wrong document (the validator can fail)', () => {
    expect(validate({ ...skaffold, build: { artifacts: [{ image: 7 }] } }).length).toBeGreaterThan(0);
  });
});

describe('docker-compose.yml against ../shared/schemas/compose-spec.json', () => {
  const validate = schemaValidator('compose-spec.json');
  const compose = readYamlFile(join(REPO_ROOT, 'docker-compose.yml'));
  const services = compose['services'] as Record<
    string,
    { healthcheck?: unknown; depends_on?: unknown; network_mode?: string }
  >;

  it('validates', () => {
    expect(validate(compose)).toEqual([]);
  });

  it('has the whole stack, health checks on the services others wait for, and the sidecar in the browser netns', () => {
    for (const name of [
      'kafka',
      'kafka-ui',
      'redis',
      'postgres',
      'otel-collector',
      'tempo',
      'prometheus',
      'grafana',
      'browser',
      'instrumentation-sidecar',
      'session-broker',
      'task-executor',
      'record-store',
      'operator',
    ]) {
      expect(services[name], name).toBeDefined();
    }
    for (const s of Object.values(services)) {
      for (const [dep, cond] of Object.entries((s.depends_on ?? {}) as Record<string, { condition?: string }>)) {
        if (cond.condition === 'service_healthy') {
          const target = services[dep];
          const buildsItsOwn = dep === 'browser' || (target as { build?: unknown } | undefined)?.build !== undefined;
          expect(target?.healthcheck !== undefined || buildsItsOwn, `${dep} has no health check`).toBe(true);
        }
      }
    }
    expect(services['instrumentation-sidecar']?.network_mode).toBe('service:browser');
  });

  it('refuses a wrong document (the validator can fail)', () => {
    expect(validate({ services: { x: { ports: { bad: true } } } }).length).toBeGreaterThan(0);
  });
});
