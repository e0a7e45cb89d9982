import { create, equals } from '@bufbuild/protobuf';
import { timestampMs } from '@bufbuild/protobuf/wkt';
import { EnvelopeSchema } from '@nightglow/contracts/events/v1';
import { AlertSchema, MeasurementSchema } from '@nightglow/contracts/instrumentation/v1';
import { describe, expect, it } from 'vitest';
import { createEnvelope, decodeEnvelope, encodeEnvelope, envelopeProblem, keyOf, newEventId } from './envelope.js';
import { BusError } from './errors.js';

const source = { service: 'instrumentation-sidecar', instance: 'pod-1', version: '0.1.0' };
const alert = { case: 'alert' as const, value: create(AlertSchema, { fingerprint: 'f1', value: 2500 }) };

describe('newEventId', () => {
  it('returns UUIDv7 strings that sort by creation time', async () => {
    const first = newEventId();
    await new Promise((r) => setTimeout(r, 3));
    const second = newEventId();
    expect(first).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(second > first).toBe(true);
    expect(new Set(Array.from({ length: 1000 }, newEventId)).size).toBe(1000);
  });
});

describe('createEnvelope', () => {
  it('fills event id and time, and copies the ids it is given', () => {
    const env = createEnvelope({
      type: 'alert.firing',
      source,
      payload: alert,
      sessionId: 's1',
      taskId: 't1',
      actionId: 't1/0',
      pool: 'default',
      labels: { team: 'a' },
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      now: () => 1_700_000_000_123,
    });
    expect(env.eventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(env.time && timestampMs(env.time)).toBe(1_700_000_000_123);
    expect(env.source?.service).toBe('instrumentation-sidecar');
    expect([env.sessionId, env.taskId, env.actionId, env.pool]).toEqual(['s1', 't1', 't1/0', 'default']);
    expect(env.labels).toEqual({ team: 'a' });
    expect(env.payload.case).toBe('alert');
  });

  it('keeps a given event id and time', () => {
    const env = createEnvelope({ type: 'alert.resolved', source, payload: alert, eventId: 'e-1', time: 42 });
    expect(env.eventId).toBe('e-1');
    expect(env.time && timestampMs(env.time)).toBe(42);
  });

  it.each([
    ['Alert.Firing', 'dotted lower case'],
    ['alert', 'dotted lower case'],
    ['measurement.recorded', 'does not match payload alert'],
  ])('refuses type %s with INVALID_ENVELOPE (%s)', (type, why) => {
    const attempt = () => createEnvelope({ type, source, payload: alert });
    expect(attempt).toThrow(BusError);
    expect(attempt).toThrow(why);
    try {
      attempt();
    } catch (error) {
      expect((error as BusError).code).toBe('INVALID_ENVELOPE');
      expect((error as BusError).retryable).toBe(false);
    }
  });

  it('refuses an envelope without payload, and external types that borrow a built-in prefix', () => {
    expect(envelopeProblem(create(EnvelopeSchema, { eventId: 'x', type: 'alert.firing' }))).toBe('payload is not set');
    const external = {
      case: 'external' as const,
      value: { $typeName: 'nightglow.events.v1.ExternalEvent' as const, name: 'deploy' },
    };
    expect(() => createEnvelope({ type: 'task.deploy', source, payload: external })).toThrow('built-in prefix');
    expect(createEnvelope({ type: 'ci.pipeline.finished', source, payload: external }).type).toBe(
      'ci.pipeline.finished',
    );
  });
});

describe('keyOf', () => {
  it('is the session id, else the pool, else none', () => {
    expect(keyOf(createEnvelope({ type: 'alert.firing', source, payload: alert, sessionId: 's', pool: 'p' }))).toBe(
      's',
    );
    expect(keyOf(createEnvelope({ type: 'alert.firing', source, payload: alert, pool: 'p' }))).toBe('p');
    expect(keyOf(createEnvelope({ type: 'alert.firing', source, payload: alert }))).toBeUndefined();
  });
});

describe('encodeEnvelope / decodeEnvelope', () => {
  it('round-trips an envelope byte for byte', () => {
    const measurement = create(MeasurementSchema, { metric: 'lcp', value: 1234.5, unit: 'ms', labels: { host: 'a' } });
    const env = createEnvelope({
      type: 'measurement.recorded',
      source,
      sessionId: 's9',
      payload: { case: 'measurement', value: measurement },
    });
    const bytes = encodeEnvelope(env);
    const back = decodeEnvelope(bytes);
    expect(equals(EnvelopeSchema, back, env)).toBe(true);
    expect(back.payload.case === 'measurement' && back.payload.value.value).toBe(1234.5);
  });

  it.each([
    ['bytes that are not protobuf', new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f, 0x01])],
    ['text that parses as unknown fields', new TextEncoder().encode('hello world')],
    ['an empty message', new Uint8Array(0)],
  ])('fails on %s with DECODE_FAILED carrying the size', (_what, bytes) => {
    let caught: unknown;
    try {
      decodeEnvelope(bytes);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(BusError);
    expect((caught as BusError).code).toBe('DECODE_FAILED');
    expect((caught as BusError).sizeBytes).toBe(bytes.byteLength);
  });

  it('fails on a truncated envelope', () => {
    const bytes = encodeEnvelope(createEnvelope({ type: 'alert.firing', source, payload: alert, sessionId: 's1' }));
    expect(() => decodeEnvelope(bytes.subarray(0, bytes.length - 3))).toThrow(BusError);
  });
});
