import { create } from '@bufbuild/protobuf';
import { BlueprintSchema, InstrumentKind, InstrumentStatus, PageEvent } from '@nightglow/contracts/instrumentation/v1';
import { describe, expect, it } from 'vitest';
import { builtinBlueprints } from '../blueprints/builtins.js';
import { isSidecarError } from '../errors.js';
import { createInstrumentRegistry, type RegistryChange } from './registry.js';

const bp = (name: string, metric = 'ttfb', kind = InstrumentKind.TIMING) =>
  create(BlueprintSchema, { name, kind, metric, trigger: { trigger: { case: 'pageEvent', value: PageEvent.LOAD } } });

describe('instrument registry', () => {
  it('upserts (created / replaced), validates only on request, and lists by name with filters', () => {
    const r = createInstrumentRegistry(() => 1000);
    const changes: RegistryChange[] = [];
    r.onChange((c) => changes.push(c));
    expect(r.upsert(bp('b.one')).created).toBe(true);
    expect(r.upsert(bp('a.two', 'bytes', InstrumentKind.NETWORK)).created).toBe(true);
    expect(r.upsert(bp('b.one')).created).toBe(false);
    expect(r.upsert(bp('c.three'), { validateOnly: true })).toMatchObject({
      created: true,
      instrument: { blueprint: { unit: 'ms' } },
    });
    expect(r.list().map((i) => i.blueprint?.name)).toEqual(['a.two', 'b.one']);
    expect(r.list({ kinds: [InstrumentKind.NETWORK] }).map((i) => i.blueprint?.name)).toEqual(['a.two']);
    expect(changes.map((c) => c.kind)).toEqual(['upsert', 'upsert', 'upsert']);
  });

  it('toggles and removes with NOT_FOUND for unknown names; status follows', () => {
    const r = createInstrumentRegistry(() => 5);
    r.upsert(bp('x'));
    expect(r.setEnabled('x', false).status).toBe(InstrumentStatus.DISABLED);
    expect(r.list({ enabled: false }).length).toBe(1);
    expect(r.setEnabled('x', true).status).toBe(InstrumentStatus.ACTIVE);
    for (const op of [() => r.setEnabled('y', true), () => r.remove('y'), () => r.get('y')]) {
      let error: unknown;
      try {
        op();
      } catch (e) {
        error = e;
      }
      expect(isSidecarError(error, 'NOT_FOUND')).toBe(true);
    }
    r.remove('x');
    expect(r.list()).toEqual([]);
  });

  it('refuses a bad blueprint whole, naming the field, and keeps the old one', () => {
    const r = createInstrumentRegistry(() => 5);
    r.upsert(bp('x'));
    const before = r.get('x');
    expect(() => r.upsert({ ...bp('x'), metric: 'nope' })).toThrow(/blueprint\.metric/);
    expect(r.get('x')).toEqual(before);
  });

  it('replaceAll: built-ins plus file, the file wins by name, built-in flag set', () => {
    const r = createInstrumentRegistry(() => 5);
    r.upsert(bp('gone'));
    r.replaceAll(builtinBlueprints(), [{ ...bp('timing.ttfb'), description: 'mine' }]);
    expect(r.entry('gone')).toBeUndefined();
    expect(r.get('timing.ttfb')).toMatchObject({ builtin: false, blueprint: { description: 'mine' } });
    expect(r.get('timing.lcp').builtin).toBe(true);
    expect(r.list().length).toBe(builtinBlueprints().length);
  });
});
