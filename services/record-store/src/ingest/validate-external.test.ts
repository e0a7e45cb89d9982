import { describe, expect, it } from 'vitest';
import { create } from '@bufbuild/protobuf';
import { TimestampSchema } from '@bufbuild/protobuf/wkt';
import { EnvelopeSchema, Topic } from '@nightglow/contracts/events/v1';
import { externalEvent, measurement } from '../test/signal-fixtures.js';
import { validateExternal } from './validate-external.js';

const now = 1_700_000_000_000;
const fields = (events: Parameters<typeof validateExternal>[0]) =>
  validateExternal(events, 'ci').problems.map((p) => `${p.index}.${p.field}`);

describe('validateExternal', () => {
  it('accepts an external event, keeping its id and filling the source from the key name', () => {
    const e = create(EnvelopeSchema, { ...externalEvent('ci.pipeline.finished', now), source: undefined });
    const { valid, problems } = validateExternal([e], 'ci-pipeline');
    expect(problems).toEqual([]);
    expect(valid[0]?.envelope.eventId).toBe(e.eventId);
    expect(valid[0]?.envelope.source?.service).toBe('ci-pipeline');
    expect(valid[0]?.topic).toBe(Topic.EXTERNAL);
  });

  it('assigns a UUIDv7 to an event without id and refuses a malformed one', () => {
    const noId = create(EnvelopeSchema, { ...externalEvent('ci.a', now), eventId: '' });
    const badId = create(EnvelopeSchema, { ...externalEvent('ci.a', now), eventId: 'abc' });
    const r = validateExternal([noId, badId], 'ci');
    expect(r.valid[0]?.envelope.eventId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
    expect(r.problems.map((p) => `${p.index}.${p.field}`)).toEqual(['1.event_id']);
  });

  it('names a missing type, a bad type, a missing or invalid time and a missing payload', () => {
    const base = externalEvent('ci.a', now);
    expect(
      fields([
        create(EnvelopeSchema, { ...base, type: '' }),
        create(EnvelopeSchema, { ...base, type: 'CI Thing' }),
        create(EnvelopeSchema, { ...base, time: undefined }),
        create(EnvelopeSchema, { ...base, time: create(TimestampSchema, { seconds: 300_000_000_000n }) }),
        create(EnvelopeSchema, { ...base, payload: { case: undefined } }),
      ]),
    ).toEqual(['0.type', '1.type', '2.time', '3.time', '4.payload']);
  });

  it('reserves built-in first segments for their payloads', () => {
    const borrowed = create(EnvelopeSchema, { ...externalEvent('ci.a', now), type: 'task.done' });
    const wrong = create(EnvelopeSchema, {
      ...measurement({ metric: 'lcp', value: 1, timeMs: now }),
      type: 'alert.firing',
    });
    const right = measurement({ metric: 'lcp', value: 1, timeMs: now });
    expect(fields([borrowed, wrong, right])).toEqual(['0.type', '1.type']);
    expect(validateExternal([right], 'x').valid[0]?.topic).toBe(Topic.MEASUREMENTS);
  });
});
