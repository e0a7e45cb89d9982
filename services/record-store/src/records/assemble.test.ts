import { describe, expect, it } from 'vitest';
import { clone, create } from '@bufbuild/protobuf';
import { createEnvelope } from '@nightglow/bus';
import { ArtifactRefSchema, ErrorSnapshotSchema } from '@nightglow/contracts/common/v1';
import { timestampMs } from '@bufbuild/protobuf/wkt';
import { toBinary } from '@bufbuild/protobuf';
import { EnvelopeSchema, type Envelope } from '@nightglow/contracts/events/v1';
import { ActionState, TaskState } from '@nightglow/contracts/executor/v1';
import { TaskRecordSchema, TaskRecordView } from '@nightglow/contracts/records/v1';
import { taskStream } from '../test/fixtures.js';
import { assembleRecord } from './assemble.js';
import { inView } from './record-queries.js';

const t0 = 1_700_000_000_000;

function build(events: Envelope[]) {
  const terminal = events.at(-1) as Envelope;
  return assembleRecord({ recordId: 'r-1', sealMs: t0 + 10_000, terminal, events });
}

describe('assembleRecord', () => {
  it('builds the timeline, per-action summaries, outputs, detections, alerts and counts from the events', () => {
    const r = build(taskStream('t1', t0));
    expect(r.id).toBe('r-1');
    expect(r.state).toBe(TaskState.SUCCEEDED);
    expect(r.sessionId).toBe('s-t1');
    expect(r.timeline.map((a) => [a.result?.index, a.result?.state])).toEqual([
      [0, ActionState.SUCCEEDED],
      [1, ActionState.SUCCEEDED],
    ]);
    expect(r.timeline[0]?.measurements).toMatchObject({ ttfbMs: 42, lcpMs: 1200, measurementCount: 3 });
    expect(r.timeline[0]?.measurements?.requestCount).toBeUndefined();
    expect(r.timeline[1]?.measurements).toMatchObject({ requestCount: 7n, measurementCount: 1 });
    expect(r.detections).toHaveLength(1);
    expect(r.alerts).toHaveLength(1);
    expect(r.eventCount).toBe(10n);
    expect(r.actionCount).toBe(2);
    expect(r.failedActionCount).toBe(0);
    expect(Number(r.duration?.seconds) * 1000 + (r.duration?.nanos ?? 0) / 1e6).toBe(395);
    expect(timestampMs(r.sealTime!)).toBe(t0 + 10_000);
  });

  it('never keeps artifact bytes in the record', () => {
    const r = build(taskStream('t2', t0));
    expect(r.artifacts.map((a) => [a.id, a.data.byteLength])).toEqual([['t2-shot', 0]]);
    expect(r.timeline[1]?.result?.artifacts[0]?.data.byteLength).toBe(0);
  });

  it('lets a finished action event complete a result the terminal event saw running', () => {
    const events = taskStream('t3', t0);
    const terminal = clone(EnvelopeSchema, events.at(-1) as Envelope);
    if (terminal.payload.case !== 'task' || !terminal.payload.value.task) throw new Error('fixture');
    const running = terminal.payload.value.task.actionResults[1];
    if (running) running.state = ActionState.RUNNING;
    const r = build([...events.slice(0, -1), terminal]);
    expect(r.timeline[1]?.result?.state).toBe(ActionState.SUCCEEDED);
  });

  it("attaches the sidecar's error snapshot to its action, without screenshot bytes", () => {
    const events = taskStream('t6', t0);
    const snapshot = createEnvelope({
      type: 'action.error_snapshot',
      source: { service: 'instrumentation-sidecar' },
      taskId: 't6',
      actionId: 't6/1',
      time: t0 + 290,
      payload: {
        case: 'errorSnapshot',
        value: create(ErrorSnapshotSchema, {
          errorMessage: 'boom',
          actionIndex: 1,
          screenshot: create(ArtifactRefSchema, { id: 'snap', data: new Uint8Array([1, 2]) }),
        }),
      },
    });
    const r = build([...events.slice(0, -1), snapshot, events.at(-1) as Envelope]);
    expect(r.timeline[1]?.errorSnapshot?.errorMessage).toBe('boom');
    expect(r.timeline[1]?.errorSnapshot?.screenshot?.data.byteLength).toBe(0);
    expect(r.timeline[0]?.errorSnapshot).toBeUndefined();
  });

  it('refuses a terminal event without a task', () => {
    const events = taskStream('t4', t0);
    expect(() => assembleRecord({ recordId: 'r', sealMs: 0, terminal: events[1] as Envelope, events })).toThrow(
      /no task/,
    );
  });

  it('drops the heavy parts in the BASIC view', () => {
    const bytes = toBinary(TaskRecordSchema, build(taskStream('t5', t0)));
    const basic = inView(bytes, TaskRecordView.BASIC);
    expect([basic.timeline, basic.detections, basic.alerts, basic.spec]).toEqual([[], [], [], undefined]);
    expect(basic.artifacts).toHaveLength(1);
    expect(inView(bytes, TaskRecordView.FULL).timeline).toHaveLength(2);
  });
});
