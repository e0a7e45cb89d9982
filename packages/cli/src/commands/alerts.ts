/** `nightglow alerts list|ack|resolve`: deduplicated alerts in the record store. */
import type { Command } from 'commander';
import { Severity } from '@nightglow/contracts/common/v1';
import {
  AcknowledgeAlertResponseSchema,
  AlertStatus,
  ListAlertsResponseSchema,
  ResolveAlertResponseSchema,
  type StoredAlert,
} from '@nightglow/contracts/records/v1';
import type { CliRuntime } from '../program.js';
import { enumLabel, renderTable } from '../format/table.js';
import { formatAge } from '../format/time.js';
import { enumArg, enumListArg, positiveIntArg } from '../parse.js';

const statusName = (s: AlertStatus): string => enumLabel(AlertStatus, s, 'ALERT_STATUS_');

function alertRow(a: StoredAlert, now: number): string[] {
  const x = a.alert;
  return [
    x?.fingerprint ?? '',
    statusName(a.status),
    enumLabel(Severity, x?.severity ?? 0, 'SEVERITY_'),
    `${x?.instrument ?? ''}/${x?.metric ?? ''}`,
    x ? `${Number(x.value.toFixed(3))}${x.unit ? ` ${x.unit}` : ''}` : '',
    String(a.occurrenceCount),
    formatAge(a.lastSeenTime, now),
    x?.message ?? '',
  ];
}

/** `alert <fingerprint> ACKNOWLEDGED by <who>` for ack/resolve. */
function changed(a: StoredAlert | undefined, fingerprint: string): string {
  const by = a?.status === AlertStatus.RESOLVED ? a.resolvedBy : a?.acknowledgedBy;
  return `alert ${fingerprint} ${statusName(a?.status ?? 0)}${by ? ` by ${by}` : ''}\n`;
}

type NoteOptions = { by?: string; note?: string };

/** Registers `alerts` and its subcommands. */
export function registerAlerts(program: Command, runtime: CliRuntime): void {
  const alerts = program.command('alerts').description('list, acknowledge and resolve alerts');

  alerts
    .command('list')
    .description('list alerts, most recently seen first')
    .option(
      '--status <status>',
      'only these statuses (repeatable): firing, acknowledged, resolved',
      enumListArg(AlertStatus, 'ALERT_STATUS_'),
    )
    .option('--severity <severity>', 'at least this severity: info, warning, critical', enumArg(Severity, 'SEVERITY_'))
    .option('--instrument <name>', 'only this instrument')
    .option('--pool <name>', 'only this pool')
    .option('--session <id>', 'only this session')
    .option('--task <id>', 'only this task')
    .option('--limit <n>', 'at most this many (default 50, max 1000)', positiveIntArg)
    .action(
      async (
        o: {
          status?: number[];
          severity?: number;
          instrument?: string;
          pool?: string;
          session?: string;
          task?: string;
          limit?: number;
        },
        cmd: Command,
      ) => {
        const ctx = runtime.context(cmd);
        const res = await ctx.clients().records.listAlerts({
          statuses: o.status ?? [],
          minSeverity: o.severity ?? Severity.UNSPECIFIED,
          instrument: o.instrument ?? '',
          pool: o.pool ?? '',
          sessionId: o.session ?? '',
          taskId: o.task ?? '',
          pageSize: o.limit ?? 0,
        });
        ctx.emit(ListAlertsResponseSchema, res, () =>
          res.alerts.length === 0
            ? 'No alerts found.\n'
            : renderTable(
                ['FINGERPRINT', 'STATUS', 'SEVERITY', 'METRIC', 'VALUE', 'COUNT', 'LAST SEEN', 'MESSAGE'],
                res.alerts.map((a) => alertRow(a, ctx.now())),
              ),
        );
      },
    );

  alerts
    .command('ack')
    .description('acknowledge a firing alert')
    .argument('<fingerprint>')
    .option('--by <who>', 'who acknowledges (default: the API key name)')
    .option('--note <text>', 'note')
    .action(async (fingerprint: string, o: NoteOptions, cmd: Command) => {
      const ctx = runtime.context(cmd);
      const res = await ctx.clients().records.acknowledgeAlert({ fingerprint, by: o.by ?? '', note: o.note ?? '' });
      ctx.emit(AcknowledgeAlertResponseSchema, res, () => changed(res.alert, fingerprint));
    });

  alerts
    .command('resolve')
    .description('resolve an alert by hand')
    .argument('<fingerprint>')
    .option('--by <who>', 'who resolves (default: the API key name)')
    .option('--note <text>', 'note')
    .action(async (fingerprint: string, o: NoteOptions, cmd: Command) => {
      const ctx = runtime.context(cmd);
      const res = await ctx.clients().records.resolveAlert({ fingerprint, by: o.by ?? '', note: o.note ?? '' });
      ctx.emit(ResolveAlertResponseSchema, res, () => changed(res.alert, fingerprint));
    });
}
