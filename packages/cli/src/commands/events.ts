/** `nightglow events tail`: the record store's live tail (WatchEvents), with filters and an optional replay. */
import { toJson } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import type { Command } from 'commander';
import { SessionState } from '@nightglow/contracts/broker/v1';
import { Severity } from '@nightglow/contracts/common/v1';
import { Topic, type Envelope } from '@nightglow/contracts/events/v1';
import { TaskState } from '@nightglow/contracts/executor/v1';
import { StoredEventSchema, type StoredEvent } from '@nightglow/contracts/records/v1';
import type { CliRuntime } from '../program.js';
import { usageError } from '../errors.js';
import { enumLabel } from '../format/table.js';
import { formatTime, parseSince } from '../format/time.js';
import { durationArg, enumListArg, listArg, positiveIntArg } from '../parse.js';
import { streamFor } from './stream-support.js';

/** A short, human summary of an envelope's payload. */
export function payloadSummary(e: Envelope): string {
  const p = e.payload;
  switch (p.case) {
    case 'session':
      return `session ${enumLabel(SessionState, p.value.session?.state ?? 0, 'SESSION_STATE_')}`;
    case 'task':
      return `task ${enumLabel(TaskState, p.value.task?.state ?? 0, 'TASK_STATE_')}`;
    case 'action': {
      const r = p.value.result;
      return `action ${(r?.index ?? 0) + 1} ${r?.name ?? ''} (${r?.actionType ?? ''})`;
    }
    case 'measurement':
      return `${p.value.instrument}/${p.value.metric}=${Number(p.value.value.toFixed(3))}${p.value.unit ? ` ${p.value.unit}` : ''}`;
    case 'alert':
      return `${enumLabel(Severity, p.value.severity, 'SEVERITY_')} ${p.value.message}`;
    case 'detection':
      return `${p.value.instrument} detected=${p.value.detected}${p.value.observed ? ` (${p.value.observed})` : ''}`;
    case 'anomaly':
      return `${p.value.instrument}/${p.value.metric}=${p.value.value} score ${Number(p.value.score.toFixed(2))}`;
    case 'instrumentCommand':
      return 'instrument command';
    case 'external':
      return p.value.name;
    case 'errorSnapshot':
      return `error snapshot: ${p.value.errorMessage}`;
    case undefined:
      return '';
  }
}

/** One line of `events tail`: time, type, ids, summary. */
export function eventLine(ev: StoredEvent): string {
  const e = ev.envelope;
  if (!e) return '\n';
  const ids = [
    e.sessionId ? `session=${e.sessionId}` : '',
    e.taskId ? `task=${e.taskId}` : '',
    e.pool ? `pool=${e.pool}` : '',
  ].filter((s) => s !== '');
  return `${[formatTime(e.time), e.type, ...ids, payloadSummary(e)].filter((s) => s !== '').join('  ')}\n`;
}

type TailOptions = {
  type?: string[];
  topic?: number[];
  session?: string;
  task?: string;
  pool?: string;
  since?: string;
  limit?: number;
  for?: number;
};

/** Registers `events` and its subcommands. */
export function registerEvents(program: Command, runtime: CliRuntime): void {
  const events = program.command('events').description('follow the events the record store ingests');

  events
    .command('tail')
    .description('stream events live (Ctrl-C to stop); --since replays stored events first')
    .option(
      '--type <type>',
      'only these event types, `prefix.*` for a prefix (repeatable), e.g. task.*,action.succeeded',
      listArg,
    )
    .option(
      '--topic <topic>',
      'only these topics (repeatable): sessions, tasks, actions, measurements, alerts, detections, anomalies, instrument-commands, external',
      enumListArg(Topic, 'TOPIC_'),
    )
    .option('--session <id>', 'only events of this session')
    .option('--task <id>', 'only events of this task')
    .option('--pool <name>', 'only events of this pool')
    .option('--since <when>', 'first replay events stored since a duration ago (10m) or a time (2026-11-26T12:00:00Z)')
    .option('--limit <n>', 'stop after this many events', positiveIntArg)
    .option('--for <duration>', 'stop after this long', durationArg)
    .action(async (o: TailOptions, cmd: Command) => {
      const ctx = runtime.context(cmd);
      let since: number | undefined;
      if (o.since !== undefined) {
        since = parseSince(o.since, ctx.now());
        if (since === undefined)
          throw usageError(
            `--since: expected a duration such as 10m or a time such as 2026-11-26T12:00:00Z, got ${JSON.stringify(o.since)}`,
          );
      }
      await streamFor(
        ctx,
        o,
        (signal) =>
          ctx.clients().records.watchEvents(
            {
              types: o.type ?? [],
              topics: o.topic ?? [],
              sessionId: o.session ?? '',
              taskId: o.task ?? '',
              pool: o.pool ?? '',
              ...(since !== undefined ? { startTime: timestampFromMs(since) } : {}),
            },
            { signal },
          ),
        (res) => {
          const ev = res.event;
          if (ev) ctx.emitItem(toJson(StoredEventSchema, ev), () => eventLine(ev));
        },
      );
    });
}
