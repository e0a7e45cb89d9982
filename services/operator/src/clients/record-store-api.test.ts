import { describe, expect, it } from 'vitest';
import { create, fromJson } from '@bufbuild/protobuf';
import { durationFromMs, timestampFromMs, ValueSchema } from '@bufbuild/protobuf/wkt';
import { ArtifactRefSchema } from '@nightglow/contracts/common/v1';
import {
  ActionResultSchema,
  ActionState,
  TaskErrorSchema,
  TaskFailureReason,
  TaskState,
} from '@nightglow/contracts/executor/v1';
import { AlertSchema, DetectionSchema } from '@nightglow/contracts/instrumentation/v1';
import { ActionMeasurementSummarySchema, ActionRecordSchema, TaskRecordSchema } from '@nightglow/contracts/records/v1';
import { toSealedRecord } from './record-store-api.js';

const T0 = Date.parse('2026-01-01T00:00:01Z');

describe('a sealed TaskRecord as the operator sees it', () => {
  it('keeps identity, times, the timeline with its measurements, outputs and signal counts', () => {
    const record = create(TaskRecordSchema, {
      id: 'rec-1',
      taskId: 't-1',
      sessionId: 's-1',
      pool: 'default',
      state: TaskState.FAILED,
      templateName: 'news-titles',
      ephemeralSession: true,
      actionCount: 2,
      failedActionCount: 1,
      eventCount: 17n,
      startTime: timestampFromMs(T0),
      finishTime: timestampFromMs(T0 + 2_500),
      sealTime: timestampFromMs(T0 + 8_000),
      duration: durationFromMs(2_500),
      timeline: [
        create(ActionRecordSchema, {
          result: create(ActionResultSchema, {
            name: 'open',
            state: ActionState.SUCCEEDED,
            attempts: 1,
            startTime: timestampFromMs(T0),
            duration: durationFromMs(1_500),
          }),
          measurements: create(ActionMeasurementSummarySchema, {
            ttfbMs: 11,
            fcpMs: 90,
            lcpMs: 140,
            requestCount: 4n,
            failedRequestCount: 1n,
            measurementCount: 9,
          }),
        }),
        create(ActionRecordSchema, {
          result: create(ActionResultSchema, { name: 'check', state: ActionState.FAILED, attempts: 2 }),
        }),
      ],
      outputs: { titles: fromJson(ValueSchema, ['one', 'two']) },
      artifacts: [create(ArtifactRefSchema, { id: 'a-1', name: 'page.png' }), create(ArtifactRefSchema, { id: 'a-2' })],
      alerts: [create(AlertSchema), create(AlertSchema)],
      detections: [create(DetectionSchema)],
      error: create(TaskErrorSchema, { reason: TaskFailureReason.ACTION_FAILED, message: 'title', actionIndex: 1 }),
    });
    const r = toSealedRecord(record);
    expect(r).toMatchObject({
      id: 'rec-1',
      taskId: 't-1',
      state: 'FAILED',
      templateName: 'news-titles',
      startTime: '2026-01-01T00:00:01.000Z',
      finishTime: '2026-01-01T00:00:03.500Z',
      sealTime: '2026-01-01T00:00:09.000Z',
      durationMs: 2_500,
      actionCount: 2,
      failedActionCount: 1,
      eventCount: 17,
      outputs: { titles: ['one', 'two'] },
      artifacts: ['page.png', 'a-2'],
      alertCount: 2,
      detectionCount: 1,
      anomalyCount: 0,
      error: { reason: 'ACTION_FAILED', message: 'title', actionIndex: 1 },
    });
    expect(r.timeline).toEqual([
      {
        name: 'open',
        state: 'SUCCEEDED',
        attempts: 1,
        startTime: '2026-01-01T00:00:01.000Z',
        durationMs: 1_500,
        ttfbMs: 11,
        fcpMs: 90,
        lcpMs: 140,
        cls: undefined,
        requests: 4,
        failedRequests: 1,
        transferBytes: undefined,
      },
      {
        name: 'check',
        state: 'FAILED',
        attempts: 2,
        startTime: undefined,
        durationMs: undefined,
        ttfbMs: undefined,
        fcpMs: undefined,
        lcpMs: undefined,
        cls: undefined,
        requests: undefined,
        failedRequests: undefined,
        transferBytes: undefined,
      },
    ]);
  });
});
