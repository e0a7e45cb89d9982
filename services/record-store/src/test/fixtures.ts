/**
 * Envelope builders for the record store's tests: a small task's complete
 * event stream (lifecycle, actions with an inline screenshot, measurements,
 * a detection, an alert).
 */
import { create } from '@bufbuild/protobuf';
import { durationFromMs, timestampFromMs, ValueSchema } from '@bufbuild/protobuf/wkt';
import { createEnvelope } from '@nightglow/bus';
import { ArtifactKind, ArtifactRefSchema } from '@nightglow/contracts/common/v1';
import type { Envelope } from '@nightglow/contracts/events/v1';
import {
  ActionEventSchema,
  ActionEventType,
  ActionResultSchema,
  ActionState,
  TaskEventSchema,
  TaskEventType,
  TaskSchema,
  TaskState,
  type ActionResult,
} from '@nightglow/contracts/executor/v1';
import { DetectionSchema, DetectionSignal } from '@nightglow/contracts/instrumentation/v1';
import { alertEvent, measurement } from './signal-fixtures.js';

const source = { service: 'test', instance: 'test-1', version: '0.0.0' };

function result(taskId: string, index: number, startMs: number, withShot: boolean): ActionResult {
  return create(ActionResultSchema, {
    index,
    name: index === 0 ? 'open' : 'titles',
    actionType: index === 0 ? 'navigate' : 'extract',
    state: ActionState.SUCCEEDED,
    attempts: 1,
    startTime: timestampFromMs(startMs),
    duration: durationFromMs(100),
    ...(index === 1 ? { output: create(ValueSchema, { kind: { case: 'stringValue', value: 'Hello' } }) } : {}),
    artifacts: withShot
      ? [
          create(ArtifactRefSchema, {
            id: `${taskId}-shot`,
            kind: ArtifactKind.SCREENSHOT,
            contentType: 'image/png',
            name: 'shot.png',
            sizeBytes: 4n,
            data: new Uint8Array([137, 80, 78, 71]),
          }),
        ]
      : [],
  });
}

/** The events of a two-action task that succeeded, in time order (the terminal event last). */
export function taskStream(
  taskId: string,
  t0: number,
  labels: Record<string, string> = { team: 'search' },
): Envelope[] {
  const sessionId = `s-${taskId}`;
  const base = { source, sessionId, taskId, pool: 'default', labels };
  const results = [result(taskId, 0, t0 + 10, false), result(taskId, 1, t0 + 200, true)];
  const task = (state: TaskState, done: boolean) =>
    create(TaskSchema, {
      id: taskId,
      state,
      sessionId,
      pool: 'default',
      spec: { labels },
      actionResults: done
        ? results.map((r) => ({ ...r, artifacts: r.artifacts.map((a) => ({ ...a, data: new Uint8Array(0) })) }))
        : [],
      outputs: done ? { titles: create(ValueSchema, { kind: { case: 'stringValue', value: 'Hello' } }) } : {},
      createTime: timestampFromMs(t0),
      startTime: timestampFromMs(t0 + 5),
      ...(done ? { finishTime: timestampFromMs(t0 + 400) } : {}),
    });
  const taskEvent = (type: string, eventType: TaskEventType, state: TaskState, at: number, done = false) =>
    createEnvelope({
      ...base,
      type,
      time: at,
      payload: {
        case: 'task',
        value: create(TaskEventSchema, { type: eventType, task: task(state, done), time: timestampFromMs(at) }),
      },
    });
  const actionEvent = (index: number, at: number) =>
    createEnvelope({
      ...base,
      actionId: `${taskId}/${index}`,
      type: 'action.succeeded',
      time: at,
      payload: {
        case: 'action',
        value: create(ActionEventSchema, {
          type: ActionEventType.SUCCEEDED,
          taskId,
          sessionId,
          actionId: `${taskId}/${index}`,
          result: results[index],
          time: timestampFromMs(at),
        }),
      },
    });
  const detection = createEnvelope({
    ...base,
    type: 'detection.checked',
    time: t0 + 50,
    payload: {
      case: 'detection',
      value: create(DetectionSchema, {
        signal: DetectionSignal.WEBDRIVER,
        detected: true,
        taskId,
        sessionId,
        time: timestampFromMs(t0 + 50),
      }),
    },
  });
  return [
    taskEvent('task.started', TaskEventType.STARTED, TaskState.RUNNING, t0 + 5),
    measurement({ metric: 'ttfb', value: 42, timeMs: t0 + 20, taskId, actionId: `${taskId}/0`, sessionId }),
    measurement({ metric: 'lcp', value: 900, timeMs: t0 + 60, taskId, actionId: `${taskId}/0`, sessionId }),
    measurement({ metric: 'lcp', value: 1200, timeMs: t0 + 80, taskId, actionId: `${taskId}/0`, sessionId }),
    detection,
    actionEvent(0, t0 + 110),
    alertEvent({ fingerprint: `fp-${taskId}`, firing: true, timeMs: t0 + 150, taskId }),
    measurement({ metric: 'requests', value: 7, timeMs: t0 + 250, taskId, actionId: `${taskId}/1`, sessionId }),
    actionEvent(1, t0 + 300),
    taskEvent('task.succeeded', TaskEventType.SUCCEEDED, TaskState.SUCCEEDED, t0 + 400, true),
  ];
}
