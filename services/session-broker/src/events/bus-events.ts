/**
 * Publishes every session transition this replica makes to the `sessions`
 * topic as a `nightglow.events.v1.Envelope` (type `session.created`,
 * `session.<state>` or `session.extended`, keyed by session id so one session's
 * events stay ordered). Queue-position changes are watch-only and not
 * published. Publishing never blocks or fails a transition; failures are logged.
 */
import { createEnvelope, type EventBus } from '@nightglow/bus';
import type { Logger } from '@nightglow/runtime';
import type { ChangeObserver } from '../sessions/lifecycle.js';
import { changeToProto } from '../sessions/to-proto.js';
import type { SessionChange } from '../store/port.js';

/** Who this broker is, on the envelopes it publishes. */
export type EventSource = { readonly service: string; readonly instance: string; readonly version: string };

/** The envelope type of a change, or undefined when it is not published. */
export function envelopeType(change: SessionChange): string | undefined {
  switch (change.type) {
    case 'CREATED':
      return 'session.created';
    case 'EXTENDED':
      return 'session.extended';
    case 'STATE_CHANGED':
      return `session.${change.session.state.toLowerCase()}`;
    case 'QUEUE_POSITION_CHANGED':
      return undefined;
  }
}

/** A change observer publishing to `bus`. */
export function createBusPublisher(bus: EventBus, source: EventSource, logger: Logger): ChangeObserver {
  return (change) => {
    const type = envelopeType(change);
    if (type === undefined) return;
    const envelope = createEnvelope({
      type,
      source,
      payload: { case: 'session', value: changeToProto(change) },
      sessionId: change.session.id,
      pool: change.session.pool,
      labels: change.session.labels,
      time: change.timeMs,
    });
    bus
      .publish([envelope])
      .catch((e: unknown) => logger.warn({ err: e, type, session_id: change.session.id }, 'publish failed'));
  };
}
