import { readdir, readFile } from 'node:fs/promises';
import { fromJson, toJson, type JsonValue } from '@bufbuild/protobuf';
import { parse } from 'yaml';
import { TaskSpecSchema } from '@nightglow/contracts/executor/v1';
import { parseTaskFile } from '@nightglow/task-executor';
import { describe, expect, it, beforeAll } from 'vitest';
import { normalizeTaskJson } from '../clients/normalize-task.js';
import { hasCode, OperatorError } from '../errors.js';
import { connectTestKube, createTestNamespace, installTestCrds } from '../testing/kube-env.js';
import type { KubeObject } from './kube-api.js';
import { API_VERSION, RESOURCES } from './resources.js';

const { api } = connectTestKube();
let ns = '';

async function refusal(p: Promise<unknown>): Promise<OperatorError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof OperatorError) return e;
    throw e;
  }
  throw new Error('the apiserver stored an object it should have refused');
}

const obj = (kind: string, name: string, spec: Record<string, unknown>): KubeObject => ({
  apiVersion: API_VERSION,
  kind,
  metadata: { name, namespace: ns },
  spec,
});

describe('CRDs on the real kube-apiserver', () => {
  beforeAll(async () => {
    await installTestCrds(api);
    ns = await createTestNamespace(api, 'crds');
  });

  it('are Established with short names, printer columns and the status subresource', async () => {
    const crd = (await api.get(RESOURCES.crd, { name: 'browserpools.nightglow.io' })) as KubeObject & {
      spec: {
        names: { shortNames: string[] };
        versions: { additionalPrinterColumns: { name: string }[]; subresources: object }[];
      };
    };
    expect(crd.spec.names.shortNames).toEqual(['bpool', 'bp']);
    expect(crd.spec.versions[0]?.additionalPrinterColumns.map((c) => c.name)).toContain('Ready');
    expect(crd.spec.versions[0]?.subresources).toEqual({ status: {} });
    for (const [name, short] of [
      ['browsersessions', ['bsess', 'bs']],
      ['automationtasks', ['atask', 'at']],
      ['taskrecords', ['trec', 'tr']],
    ] as const) {
      const c = (await api.get(RESOURCES.crd, { name: `${name}.nightglow.io` })) as KubeObject & {
        spec: { names: { shortNames: string[] } };
      };
      expect(c.spec.names.shortNames).toEqual(short);
    }
  });

  it('applies defaults', async () => {
    const pool = await api.create(RESOURCES.browserPool, obj('BrowserPool', 'defaults', { replicas: 2 }));
    expect(pool['spec']).toMatchObject({
      replicas: 2,
      sessionsPerBrowser: 4,
      browser: { image: expect.stringContaining('browser') as unknown, shmSize: '1Gi' },
      sessionDefaults: { isolation: 'Context', ttl: '10m', idleTimeout: '2m' },
    });
  });

  it('refuses schema violations naming the field', async () => {
    const e1 = await refusal(api.create(RESOURCES.browserPool, obj('BrowserPool', 'bad-1', { replicas: -1 })));
    expect(e1.code).toBe('INVALID');
    expect(e1.message).toContain('spec.replicas');
    const e2 = await refusal(
      api.create(RESOURCES.browserPool, obj('BrowserPool', 'bad-2', { sessionDefaults: { isolation: 'Tab' } })),
    );
    expect(e2.message).toContain('spec.sessionDefaults.isolation');
    const e3 = await refusal(
      api.create(
        RESOURCES.browserPool,
        obj('BrowserPool', 'bad-3', { autoscaling: { minReplicas: 5, maxReplicas: 2 } }),
      ),
    );
    expect(e3.message).toContain('spec.autoscaling.minReplicas');
    expect(e3.message).toContain('minReplicas must not exceed maxReplicas');
  });

  it('refuses tasks without exactly one session and one of actions/template (CEL)', async () => {
    const both = await refusal(
      api.create(
        RESOURCES.automationTask,
        obj('AutomationTask', 'both', {
          session: 's1',
          ephemeralSession: { pool: 'default' },
          actions: [{ navigate: { url: 'https://example.com' } }],
        }),
      ),
    );
    expect(both.message).toContain('set exactly one of session, sessionId and ephemeralSession');
    const twoKeys = await refusal(
      api.create(
        RESOURCES.automationTask,
        obj('AutomationTask', 'two-keys', {
          ephemeralSession: { pool: 'default' },
          actions: [{ navigate: { url: 'https://example.com' }, click: { selector: '#a' } }],
        }),
      ),
    );
    expect(twoKeys.message).toContain('spec.actions[0]');
    expect(twoKeys.message).toContain('exactly one action key');
    const badEnum = await refusal(
      api.create(
        RESOURCES.automationTask,
        obj('AutomationTask', 'bad-enum', {
          ephemeralSession: { pool: 'default' },
          actions: [{ navigate: { url: 'https://example.com', waitUntil: 'eventually' } }],
        }),
      ),
    );
    expect(badEnum.message).toContain('spec.actions[0].navigate.waitUntil');
    const ok = await api.create(
      RESOURCES.automationTask,
      obj('AutomationTask', 'ok', {
        ephemeralSession: { pool: 'default' },
        timeout: '60s',
        actions: [{ name: 'open', navigate: { url: 'https://example.com', waitUntil: 'load' } }],
      }),
    );
    expect(ok.metadata.uid).toBeTruthy();
  });

  it('refuses any change to a TaskRecord spec', async () => {
    const rec = await api.create(
      RESOURCES.taskRecord,
      obj('TaskRecord', 'rec-1', { taskName: 't', taskUid: 'u', phase: 'Succeeded', recordId: 'r1' }),
    );
    const changed = await refusal(
      api.patch(RESOURCES.taskRecord, { namespace: ns, name: 'rec-1' }, { spec: { phase: 'Failed' } }),
    );
    expect(changed.code).toBe('INVALID');
    expect(changed.message).toContain('a TaskRecord is immutable');
    const same = await api.get(RESOURCES.taskRecord, { namespace: ns, name: 'rec-1' });
    expect(same?.metadata.resourceVersion).toBe(rec.metadata.resourceVersion);
    const again = { ...rec, metadata: { name: 'rec-1', namespace: ns } };
    expect(hasCode(await refusal(api.create(RESOURCES.taskRecord, again)), 'ALREADY_EXISTS')).toBe(true);
  });

  it('accepts every sample manifest', async () => {
    const dir = new URL('../../samples/', import.meta.url);
    const files = (await readdir(dir)).filter((f) => /^0[1-5].*\.yaml$/.test(f)).sort();
    expect(files).toHaveLength(5);
    const types = [
      RESOURCES.browserPool,
      RESOURCES.browserSession,
      ...Array.from({ length: 3 }, () => RESOURCES.automationTask),
    ];
    for (const [i, file] of files.entries()) {
      const doc = parse(await readFile(new URL(file, dir), 'utf8')) as KubeObject;
      doc.metadata.namespace = ns;
      const stored = await api.create(types[i] ?? RESOURCES.automationTask, doc);
      expect(stored.metadata.uid, file).toBeTruthy();
    }
  });

  it('accepts every CLI task file wrapped in an AutomationTask, and reads it as the CLI does', async () => {
    const dir = new URL('../../../task-executor/samples/', import.meta.url);
    const files = (await readdir(dir)).filter((f) => f.endsWith('.yaml')).sort();
    expect(files.length).toBeGreaterThanOrEqual(3);
    for (const file of files) {
      const text = await readFile(new URL(file, dir), 'utf8');
      const spec = parse(text) as Record<string, unknown>;
      const name = `cli-${file.replace(/\.yaml$/, '')}`;
      const stored = (await api.create(RESOURCES.automationTask, obj('AutomationTask', name, spec))) as KubeObject & {
        spec: JsonValue;
      };
      // What the operator submits for the stored object is what `nightglow task run FILE` submits.
      const operatorReads = fromJson(TaskSpecSchema, normalizeTaskJson(stored.spec));
      const cliReads = parseTaskFile(text, file);
      expect(toJson(TaskSpecSchema, operatorReads), file).toEqual(toJson(TaskSpecSchema, cliReads));
    }
  });
});
