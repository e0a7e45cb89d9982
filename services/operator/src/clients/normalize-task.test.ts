import { describe, expect, it } from 'vitest';
import { fromJson, type JsonValue } from '@bufbuild/protobuf';
import { TaskSpecSchema } from '@nightglow/contracts/executor/v1';
import { WaitUntil } from '@nightglow/contracts/common/v1';
import { parse } from 'yaml';
import { readFile } from 'node:fs/promises';
import { toTaskSpec } from '../task/task-reconciler.js';
import type { AutomationTask } from '../task/task-types.js';
import { normalizeTaskJson } from './normalize-task.js';

describe('normalizeTaskJson', () => {
  it('expands short enums and human durations so fromJson accepts an AutomationTask spec', () => {
    const spec = normalizeTaskJson({
      ephemeralSession: { pool: 'default', options: { ttl: '10m', waitUntil: 'domcontentloaded' } },
      timeout: '1m30s',
      humanInput: { enabled: true, typingDelayMean: '20ms' },
      actions: [
        { name: 'open', navigate: { url: 'https://example.com', waitUntil: 'load' } },
        { waitFor: { selector: '#a', state: 'visible' } },
        { screenshot: { format: 'jpeg' } },
      ],
      idempotencyKey: 'uid-1',
    });
    const msg = fromJson(TaskSpecSchema, spec);
    expect(msg.timeout?.seconds).toBe(90n);
    expect(msg.humanInput?.typingDelayMean?.nanos).toBe(20_000_000);
    const nav = msg.actions[0]?.kind;
    expect(nav?.case === 'navigate' && nav.value.waitUntil).toBe(WaitUntil.LOAD);
    expect(msg.session.case).toBe('ephemeralSession');
    expect(msg.idempotencyKey).toBe('uid-1');
  });

  it('leaves unknown values for fromJson to refuse', () => {
    const spec = normalizeTaskJson({ actions: [{ navigate: { url: 'x', waitUntil: 'eventually' } }] });
    expect(() => fromJson(TaskSpecSchema, spec)).toThrow(/waitUntil|WaitUntil|eventually/);
  });

  it('accepts the operator samples as sent by the task reconciler', async () => {
    for (const file of ['03-task-news-titles.yaml', '04-task-login.yaml', '05-task-form-fill.yaml']) {
      const task = parse(await readFile(new URL(`../../samples/${file}`, import.meta.url), 'utf8')) as AutomationTask;
      task.metadata.uid = 'uid-1';
      const spec = fromJson(
        TaskSpecSchema,
        normalizeTaskJson(toTaskSpec(task, task.spec.session ? 's-1' : undefined) as JsonValue),
      );
      expect(spec.actions.length, file).toBeGreaterThan(5);
      expect(spec.idempotencyKey).toBe('uid-1');
      expect(spec.labels['nightglow.io/task']).toBe(task.metadata.name);
    }
  });
});
