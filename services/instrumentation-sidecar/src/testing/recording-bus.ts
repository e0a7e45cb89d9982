/**
 * Test helper: an EventBus decorator that records every envelope handed to
 * `publish`, by topic, so tests can count what the sidecar produced and
 * compare it with what arrived. Not part of the service's surface.
 */
import { topicOf, type EventBus } from '@nightglow/bus';
import type { Envelope } from '@nightglow/contracts/events/v1';
import { TOPIC_SUFFIXES } from '@nightglow/bus';

/** The decorated bus and what went through it. */
export type RecordingBus = EventBus & {
  readonly sent: Envelope[];
  /** Envelopes of one topic suffix, e.g. `alerts`. */
  of(suffix: string): Envelope[];
};

/** Wraps `bus`; every other call passes through unchanged. */
export function recordingBus(bus: EventBus): RecordingBus {
  const sent: Envelope[] = [];
  return {
    sent,
    of: (suffix) => sent.filter((e) => TOPIC_SUFFIXES[topicOf(e)] === suffix),
    state: () => bus.state(),
    publish(envelopes) {
      sent.push(...envelopes);
      return bus.publish(envelopes);
    },
    flush: () => bus.flush(),
    subscribe: (o) => bus.subscribe(o),
    stats: () => bus.stats(),
    close: () => bus.close(),
  };
}
