/**
 * `nightglow.instrumentation.v1.Instrumentation`, one handler per RPC over a
 * {@link Sidecar}. Domain errors (`SidecarError`) map themselves to gRPC codes
 * with field details at this boundary; nothing else here knows about codes.
 */
import { create } from '@bufbuild/protobuf';
import { timestampMs } from '@bufbuild/protobuf/wkt';
import type { ServiceImpl } from '@connectrpc/connect';
import {
  ActionPhase,
  AttachSessionResponseSchema,
  DetachSessionResponseSchema,
  GetInstrumentResponseSchema,
  type Instrumentation,
  ListInstrumentsResponseSchema,
  MarkPhaseResponseSchema,
  SetInstrumentEnabledResponseSchema,
  UpsertBlueprintResponseSchema,
} from '@nightglow/contracts/instrumentation/v1';
import type { Clock } from '@nightglow/runtime';
import { SidecarError } from '../errors.js';
import type { Sidecar } from '../sidecar.js';

function required(value: string, field: string): string {
  if (value === '') throw SidecarError.invalid([{ field, description: 'must be set' }]);
  return value;
}

/** The RPC implementation; `clock` stamps phase marks that carry no time. */
export function createInstrumentationHandlers(sidecar: Sidecar, clock: Clock): ServiceImpl<typeof Instrumentation> {
  const { registry, sessions } = sidecar;
  return {
    listInstruments(req) {
      const filter = { kinds: req.kinds, ...(req.enabled === undefined ? {} : { enabled: req.enabled }) };
      return create(ListInstrumentsResponseSchema, { instruments: registry.list(filter) });
    },
    getInstrument(req) {
      return create(GetInstrumentResponseSchema, { instrument: registry.get(required(req.name, 'name')) });
    },
    upsertBlueprint(req) {
      if (req.blueprint === undefined) throw SidecarError.invalid([{ field: 'blueprint', description: 'must be set' }]);
      const { instrument, created } = registry.upsert(req.blueprint, { validateOnly: req.validateOnly });
      return create(UpsertBlueprintResponseSchema, { instrument, created });
    },
    setInstrumentEnabled(req) {
      return create(SetInstrumentEnabledResponseSchema, {
        instrument: registry.setEnabled(required(req.name, 'name'), req.enabled),
      });
    },
    markPhase(req) {
      required(req.sessionId, 'session_id');
      required(req.actionId, 'action_id');
      if (req.phase === ActionPhase.UNSPECIFIED)
        throw SidecarError.invalid([{ field: 'phase', description: 'must be START or END' }]);
      const atMs = req.time === undefined ? clock.now() : timestampMs(req.time);
      const { durationMs } = sessions.mark(req, atMs);
      sidecar.sampler.onPhase(req, durationMs);
      return create(MarkPhaseResponseSchema, {});
    },
    attachSession(req) {
      required(req.sessionId, 'session_id');
      sessions.attach(req);
      const count = sidecar.browser
        .pages()
        .filter((p) => req.browserContextId === '' || p.browserContextId === req.browserContextId).length;
      return create(AttachSessionResponseSchema, { attachedTargetCount: count });
    },
    detachSession(req) {
      sessions.detach(required(req.sessionId, 'session_id'));
      return create(DetachSessionResponseSchema, {});
    },
    async *streamMeasurements(req, ctx) {
      const filter = {
        instruments: req.instruments,
        metrics: req.metrics,
        kinds: req.kinds,
        sessionId: req.sessionId,
        taskId: req.taskId,
        pool: req.pool,
      };
      for await (const measurement of sidecar.hub.subscribe(filter, ctx.signal)) yield { measurement };
    },
  };
}
