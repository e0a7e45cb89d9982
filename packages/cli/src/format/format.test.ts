import { create } from '@bufbuild/protobuf';
import { durationFromMs, timestampFromMs } from '@bufbuild/protobuf/wkt';
import { describe, expect, it } from 'vitest';
import {
  ActionEventSchema,
  ActionEventType,
  ActionState,
  TaskFailureReason,
  TaskSchema,
  TaskState,
} from '@nightglow/contracts/executor/v1';
import { actionEventLine, progressBar, taskSummary } from './progress.js';
import { enumLabel, formatLabels, renderFields, renderTable } from './table.js';
import { formatAge, formatMs, formatTime, parseDurationMs, parseSince } from './time.js';

describe('tables', () => {
  it('pads columns, keeps the last unpadded and trims', () => {
    expect(
      renderTable(
        ['ID', 'STATE', 'LABELS'],
        [
          ['a', 'READY', ''],
          ['bbbb', 'CLOSED', 'x=y'],
        ],
      ),
    ).toBe('ID    STATE   LABELS\na     READY\nbbbb  CLOSED  x=y\n');
    expect(
      renderFields([
        ['session', 's1'],
        ['token', ''],
        ['cdp', 'ws://x'],
      ]),
    ).toBe('session: s1\ncdp:     ws://x\n');
    expect(formatLabels({ b: '2', a: '1' })).toBe('a=1,b=2');
    expect(enumLabel(TaskState, TaskState.TIMED_OUT, 'TASK_STATE_')).toBe('TIMED_OUT');
    expect(enumLabel(TaskState, TaskState.UNSPECIFIED, 'TASK_STATE_')).toBe('-');
  });
});

describe('durations and times', () => {
  it('parses friendly durations and refuses others', () => {
    expect(parseDurationMs('500ms')).toBe(500);
    expect(parseDurationMs('1.5s')).toBe(1500);
    expect(parseDurationMs('1h30m')).toBe(5_400_000);
    expect(parseDurationMs('2')).toBe(2000);
    expect(parseDurationMs('3x')).toBeUndefined();
    expect(parseDurationMs('')).toBeUndefined();
  });

  it('prints durations, times and ages', () => {
    expect([formatMs(250), formatMs(1234), formatMs(65_000), formatMs(7_260_000)]).toEqual([
      '250ms',
      '1.2s',
      '1m5s',
      '2h1m',
    ]);
    expect(formatTime(timestampFromMs(Date.UTC(2026, 10, 26, 12, 0, 1, 500)))).toBe('2026-11-26T12:00:01Z');
    expect(formatTime(undefined)).toBe('-');
    const now = Date.UTC(2026, 10, 26, 12, 0, 0);
    expect(formatAge(timestampFromMs(now - 5000), now)).toBe('5s');
    expect(formatAge(timestampFromMs(now - 3 * 3_600_000), now)).toBe('3h');
  });

  it('--since takes a duration ago or a time', () => {
    const now = Date.UTC(2026, 10, 26, 12, 0, 0);
    expect(parseSince('10m', now)).toBe(now - 600_000);
    expect(parseSince('2026-11-26T11:00:00Z', now)).toBe(now - 3_600_000);
    expect(parseSince('yesterday', now)).toBeUndefined();
  });
});

describe('task progress', () => {
  it('draws a bar', () => {
    expect(progressBar(3, 6, 10)).toBe('[#####-----] 3/6');
    expect(progressBar(0, 0, 4)).toBe('[----] 0/0');
    expect(progressBar(6, 6, 4)).toBe('[####] 6/6');
  });

  it('prints one plain line per action event', () => {
    const ok = create(ActionEventSchema, {
      type: ActionEventType.SUCCEEDED,
      result: {
        index: 2,
        name: 'titles',
        actionType: 'extract',
        state: ActionState.SUCCEEDED,
        duration: durationFromMs(120),
      },
      progress: { completed: 3, total: 6 },
    });
    expect(actionEventLine(ok)).toBe('[3/6] titles (extract) succeeded in 120ms');
    const failed = create(ActionEventSchema, {
      type: ActionEventType.FAILED,
      result: {
        index: 1,
        name: 'click-1',
        actionType: 'click',
        duration: durationFromMs(500),
        error: { message: 'waiting for selector `#never` failed' },
      },
      progress: { completed: 2, total: 2 },
    });
    expect(actionEventLine(failed)).toBe('[2/2] click-1 (click) failed in 500ms: waiting for selector `#never` failed');
  });

  it('summarizes a task with its error', () => {
    const t = create(TaskSchema, {
      id: 't1',
      state: TaskState.FAILED,
      progress: { completed: 2, total: 3 },
      startTime: timestampFromMs(1000),
      finishTime: timestampFromMs(3500),
      error: { reason: TaskFailureReason.ACTION_FAILED, message: 'boom', actionIndex: 1 },
    });
    expect(taskSummary(t)).toBe('task t1 FAILED in 2.5s (2/3 actions)\nerror: ACTION_FAILED at action 2: boom\n');
  });
});
