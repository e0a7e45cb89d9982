import { create } from '@bufbuild/protobuf';
import { EnvelopeSchema, Topic, type Envelope } from '@nightglow/contracts/events/v1';
import { describe, expect, it } from 'vitest';
import { BusError } from './errors.js';
import { BUS_TOPICS, topicFromName, topicName, topicOf, topicOfPayload } from './topics.js';

describe('topic names', () => {
  it('are <prefix>.<suffix> with prefix nightglow by default', () => {
    expect(BUS_TOPICS.map((t) => topicName(t))).toEqual([
      'nightglow.measurements',
      'nightglow.alerts',
      'nightglow.actions',
      'nightglow.tasks',
      'nightglow.sessions',
      'nightglow.detections',
      'nightglow.anomalies',
      'nightglow.instrument-commands',
    ]);
    expect(topicName(Topic.INSTRUMENT_COMMANDS, 'staging')).toBe('staging.instrument-commands');
  });

  it('map back to topics, and foreign names to undefined', () => {
    for (const t of BUS_TOPICS) expect(topicFromName(topicName(t, 'a.b'), 'a.b')).toBe(t);
    expect(topicFromName('nightglow.alerts', 'other')).toBeUndefined();
    expect(topicFromName('nightglow.unknown')).toBeUndefined();
  });

  it('do not exist for EXTERNAL and UNSPECIFIED', () => {
    expect(() => topicName(Topic.EXTERNAL)).toThrow(BusError);
    expect(() => topicName(Topic.UNSPECIFIED)).toThrow(/not on the bus/);
  });
});

describe('topicOf', () => {
  const cases: Array<[NonNullable<Envelope['payload']['case']>, Topic]> = [
    ['session', Topic.SESSIONS],
    ['task', Topic.TASKS],
    ['action', Topic.ACTIONS],
    ['errorSnapshot', Topic.ACTIONS],
    ['measurement', Topic.MEASUREMENTS],
    ['alert', Topic.ALERTS],
    ['detection', Topic.DETECTIONS],
    ['anomaly', Topic.ANOMALIES],
    ['instrumentCommand', Topic.INSTRUMENT_COMMANDS],
    ['external', Topic.EXTERNAL],
  ];
  it.each(cases)('payload %s travels on %s', (payloadCase, topic) => {
    expect(topicOfPayload(payloadCase)).toBe(topic);
  });

  it('is decided by the payload of an envelope', () => {
    const env = create(EnvelopeSchema, { eventId: 'e', type: 'alert.firing', payload: { case: 'alert', value: {} } });
    expect(topicOf(env)).toBe(Topic.ALERTS);
  });

  it('refuses external events (NO_TOPIC) and envelopes without payload (INVALID_ENVELOPE)', () => {
    const external = create(EnvelopeSchema, {
      eventId: 'e',
      type: 'ci.done',
      payload: { case: 'external', value: {} },
    });
    expect(() => topicOf(external)).toThrow(expect.objectContaining({ code: 'NO_TOPIC' }));
    expect(() => topicOf(create(EnvelopeSchema, { eventId: 'e' }))).toThrow(
      expect.objectContaining({ code: 'INVALID_ENVELOPE' }),
    );
  });
});
