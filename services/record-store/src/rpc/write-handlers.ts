/**
 * The changing RPCs: IngestEvents, AcknowledgeAlert, ResolveAlert and the
 * API-key RPCs.
 */
import { create } from '@bufbuild/protobuf';
import type { ServiceImpl } from '@connectrpc/connect';
import {
  AcknowledgeAlertResponseSchema,
  CreateApiKeyResponseSchema,
  IngestErrorSchema,
  IngestEventsResponseSchema,
  ListApiKeysResponseSchema,
  ResolveAlertResponseSchema,
  RevokeApiKeyResponseSchema,
  type RecordStore,
} from '@nightglow/contracts/records/v1';
import { acknowledgeAlert, resolveAlert } from '../alerts/alert-store.js';
import { createApiKey, listApiKeys, revokeApiKey } from '../auth/api-keys.js';
import { invalid } from '../errors.js';
import { MAX_INGEST_BATCH, validateExternal } from '../ingest/validate-external.js';
import { storeEvents } from '../ingest/write-events.js';
import type { HandlerDeps } from './deps.js';
import type { Guard } from './guard.js';

type Impl = ServiceImpl<typeof RecordStore>;
type WriteMethods =
  'ingestEvents' | 'acknowledgeAlert' | 'resolveAlert' | 'createApiKey' | 'listApiKeys' | 'revokeApiKey';

function checkNote(note: string): void {
  if (note.length > 1024) throw invalid([{ field: 'note', description: 'is longer than 1024 characters' }]);
}

/** The changing handlers, each behind the guard. */
export function writeHandlers(d: HandlerDeps, g: Guard): Pick<Impl, WriteMethods> {
  return {
    ingestEvents: g.unary('IngestEvents', async (req, who) => {
      if (req.events.length === 0) throw invalid([{ field: 'events', description: 'needs at least one event' }]);
      if (req.events.length > MAX_INGEST_BATCH) {
        throw invalid([
          { field: 'events', description: `holds ${req.events.length} events; at most ${MAX_INGEST_BATCH}` },
        ]);
      }
      const { valid, problems } = validateExternal(req.events, who.name);
      if (problems.length > 0 && !req.allowPartial) {
        throw invalid(problems.map((p) => ({ field: `events[${p.index}].${p.field}`, description: p.description })));
      }
      const nowMs = d.clock.now();
      const result = await storeEvents(
        d.db,
        valid.map((v) => ({ envelope: v.envelope, topic: v.topic })),
        { nowMs, sealGraceMs: d.sealGraceMs },
      );
      d.metrics.ingested('external', result.inserted.length);
      if (result.inserted.length > 0) d.onCommitted?.(result);
      const ids = new Map(valid.map((v) => [v.index, v.envelope.eventId]));
      return create(IngestEventsResponseSchema, {
        acceptedCount: result.inserted.length,
        duplicateCount: result.duplicates,
        errors: problems.map((p) => create(IngestErrorSchema, p)),
        eventIds: req.events.map((_e, i) => ids.get(i) ?? ''),
      });
    }),
    acknowledgeAlert: g.unary('AcknowledgeAlert', async (req, who) => {
      checkNote(req.note);
      const change = { fingerprint: req.fingerprint, by: req.by || who.name, note: req.note, nowMs: d.clock.now() };
      return create(AcknowledgeAlertResponseSchema, { alert: await acknowledgeAlert(d.db, change) });
    }),
    resolveAlert: g.unary('ResolveAlert', async (req, who) => {
      checkNote(req.note);
      const change = { fingerprint: req.fingerprint, by: req.by || who.name, note: req.note, nowMs: d.clock.now() };
      return create(ResolveAlertResponseSchema, { alert: await resolveAlert(d.db, change) });
    }),
    createApiKey: g.unary('CreateApiKey', async (req, who) =>
      create(CreateApiKeyResponseSchema, await createApiKey(d.db, req, { createdBy: who.name, nowMs: d.clock.now() })),
    ),
    listApiKeys: g.unary('ListApiKeys', async (req) =>
      create(ListApiKeysResponseSchema, await listApiKeys(d.db, req, d.clock.now())),
    ),
    revokeApiKey: g.unary('RevokeApiKey', async (req) =>
      create(RevokeApiKeyResponseSchema, { apiKey: await revokeApiKey(d.db, req.apiKeyId, d.clock.now()) }),
    ),
  };
}
