/** `nightglow session create|get|list|delete|watch`: the session broker's sessions. */
import { create } from '@bufbuild/protobuf';
import { durationFromMs } from '@bufbuild/protobuf/wkt';
import type { Command } from 'commander';
import {
  CloseReason,
  CreateSessionRequestSchema,
  CreateSessionResponseSchema,
  DeleteSessionResponseSchema,
  GetSessionResponseSchema,
  Isolation,
  ListSessionsResponseSchema,
  SessionEventSchema,
  SessionEventType,
  SessionState,
  type Session,
  type SessionEvent,
} from '@nightglow/contracts/broker/v1';
import { WaitUntil } from '@nightglow/contracts/common/v1';
import { toJson } from '@bufbuild/protobuf';
import type { CliRuntime } from '../program.js';
import { enumLabel, formatLabels, renderFields, renderTable } from '../format/table.js';
import { durationMs, formatAge, formatMs, formatTime } from '../format/time.js';
import { durationArg, enumArg, enumListArg, labelArg, positiveIntArg, viewportArg } from '../parse.js';
import { streamFor } from './stream-support.js';

const stateName = (s: SessionState): string => enumLabel(SessionState, s, 'SESSION_STATE_');

/** The CDP URL with the token as query parameter (what puppeteer.connect takes). */
export function cdpUrlWithToken(endpoint: string, token: string): string {
  if (endpoint === '' || token === '') return endpoint;
  return `${endpoint}${endpoint.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}`;
}

/** The `key: value` view of one session. */
export function sessionFields(s: Session, now: number, token = ''): string {
  return renderFields([
    ['session', s.id],
    ['pool', s.pool],
    ['state', stateName(s.state)],
    ['isolation', enumLabel(Isolation, s.isolation, 'ISOLATION_')],
    ['cdp', token ? cdpUrlWithToken(s.cdpEndpoint, token) : s.cdpEndpoint],
    ['token', token],
    ['labels', formatLabels(s.labels)],
    ['created', `${formatTime(s.createTime)} (${formatAge(s.createTime, now)} ago)`],
    ['ready', s.readyTime ? formatTime(s.readyTime) : ''],
    ['expires', formatTime(s.expireTime)],
    ['ttl', s.ttl ? formatMs(durationMs(s.ttl)) : ''],
    ['idle timeout', s.idleTimeout ? formatMs(durationMs(s.idleTimeout)) : ''],
    ['queue position', s.queuePosition > 0 ? String(s.queuePosition) : ''],
    ['closed', s.closeTime ? formatTime(s.closeTime) : ''],
    ['close reason', enumLabel(CloseReason, s.closeReason, 'CLOSE_REASON_').replace(/^-$/, '')],
    ['close message', s.closeMessage],
  ]);
}

/** One table row of a session list. */
function sessionRow(s: Session, now: number): string[] {
  return [
    s.id,
    s.pool,
    stateName(s.state),
    enumLabel(Isolation, s.isolation, 'ISOLATION_'),
    formatAge(s.createTime, now),
    formatLabels(s.labels),
  ];
}

/** One line of `session watch`. */
export function sessionEventLine(e: SessionEvent): string {
  const type = enumLabel(SessionEventType, e.type, 'SESSION_EVENT_TYPE_');
  if (e.type === SessionEventType.SYNCED) return `${formatTime(e.time)}  SYNCED\n`;
  const s = e.session;
  const change =
    e.type === SessionEventType.STATE_CHANGED
      ? `${stateName(e.previousState)} -> ${stateName(s?.state ?? 0)}`
      : stateName(s?.state ?? 0);
  return `${formatTime(e.time)}  ${type}  ${s?.id ?? ''}  ${s?.pool ?? ''}  ${change}\n`;
}

type CreateOptions = {
  pool?: string;
  isolation?: number;
  ttl?: number;
  idleTimeout?: number;
  queueTimeout?: number;
  startUrl?: string;
  waitUntil?: number;
  viewport?: { width: number; height: number };
  userAgent?: string;
  locale?: string;
  timezone?: string;
  proxy?: string;
  label?: Record<string, string>;
  requestId?: string;
  wait: boolean;
};

/** The CreateSession request for `session create`'s options. */
export function createSessionRequest(o: CreateOptions) {
  return create(CreateSessionRequestSchema, {
    pool: o.pool ?? '',
    labels: o.label ?? {},
    requestId: o.requestId ?? '',
    noWait: !o.wait,
    options: {
      isolation: o.isolation ?? Isolation.UNSPECIFIED,
      ...(o.ttl !== undefined ? { ttl: durationFromMs(o.ttl) } : {}),
      ...(o.idleTimeout !== undefined ? { idleTimeout: durationFromMs(o.idleTimeout) } : {}),
      ...(o.queueTimeout !== undefined ? { queueTimeout: durationFromMs(o.queueTimeout) } : {}),
      startUrl: o.startUrl ?? '',
      waitUntil: o.waitUntil ?? WaitUntil.UNSPECIFIED,
      ...(o.viewport ? { viewport: o.viewport } : {}),
      userAgent: o.userAgent ?? '',
      locale: o.locale ?? '',
      timezoneId: o.timezone ?? '',
      proxyServer: o.proxy ?? '',
    },
  });
}

/** Registers `session` and its subcommands. */
export function registerSession(program: Command, runtime: CliRuntime): void {
  const session = program.command('session').description('create, inspect, list, delete and watch browser sessions');

  session
    .command('create')
    .description('create a session and print its CDP endpoint with its token')
    .option('--pool <name>', 'pool to take the session from (default: the broker default pool)')
    .option('--isolation <mode>', 'context or browser', enumArg(Isolation, 'ISOLATION_'))
    .option('--ttl <duration>', 'maximum lifetime, e.g. 10m', durationArg)
    .option('--idle-timeout <duration>', 'close after this long without CDP traffic, e.g. 2m', durationArg)
    .option(
      '--queue-timeout <duration>',
      'how long to wait in the queue when the pool is full (0s: never)',
      durationArg,
    )
    .option('--start-url <url>', 'page to open before the session is READY')
    .option(
      '--wait-until <event>',
      'how far the start page must load: none, domcontentloaded, load',
      enumArg(WaitUntil, 'WAIT_UNTIL_'),
    )
    .option('--viewport <WxH>', 'viewport size, e.g. 1280x720', viewportArg)
    .option('--user-agent <ua>', 'User-Agent override')
    .option('--locale <locale>', 'BCP 47 locale, e.g. en-US')
    .option('--timezone <zone>', 'IANA time zone, e.g. Europe/Berlin')
    .option('--proxy <url>', 'proxy server, e.g. http://proxy:3128')
    .option('--label <key=value>', 'label (repeatable)', labelArg)
    .option('--request-id <id>', 'idempotency key: a retry returns the same session')
    .option('--no-wait', 'return once accepted instead of when READY')
    .action(async (opts: CreateOptions, cmd: Command) => {
      const ctx = runtime.context(cmd);
      const res = await ctx.clients().broker.createSession(createSessionRequest(opts), { signal: ctx.io.signal });
      ctx.emit(CreateSessionResponseSchema, res, () =>
        res.session ? sessionFields(res.session, ctx.now(), res.token) : `token: ${res.token}\n`,
      );
    });

  session
    .command('get')
    .description('show one session')
    .argument('<session-id>')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const ctx = runtime.context(cmd);
      const res = await ctx.clients().broker.getSession({ sessionId: id });
      ctx.emit(GetSessionResponseSchema, res, () => (res.session ? sessionFields(res.session, ctx.now()) : ''));
    });

  session
    .command('list')
    .description('list sessions, newest first')
    .option('--pool <name>', 'only this pool')
    .option(
      '--state <state>',
      'only these states (repeatable): queued, starting, ready, closing, closed, failed',
      enumListArg(SessionState, 'SESSION_STATE_'),
    )
    .option('-l, --selector <selector>', 'label selector, e.g. team=search,env!=prod')
    .option('--limit <n>', 'at most this many (default 50, max 1000)', positiveIntArg)
    .action(async (o: { pool?: string; state?: number[]; selector?: string; limit?: number }, cmd: Command) => {
      const ctx = runtime.context(cmd);
      const res = await ctx.clients().broker.listSessions({
        pool: o.pool ?? '',
        states: o.state ?? [],
        labelSelector: o.selector ?? '',
        pageSize: o.limit ?? 0,
      });
      ctx.emit(ListSessionsResponseSchema, res, () =>
        res.sessions.length === 0
          ? 'No sessions found.\n'
          : renderTable(
              ['ID', 'POOL', 'STATE', 'ISOLATION', 'AGE', 'LABELS'],
              res.sessions.map((s) => sessionRow(s, ctx.now())),
            ),
      );
    });

  session
    .command('delete')
    .description('close a session')
    .argument('<session-id>')
    .option('--reason <text>', 'note recorded as the close message')
    .action(async (id: string, o: { reason?: string }, cmd: Command) => {
      const ctx = runtime.context(cmd);
      const res = await ctx.clients().broker.deleteSession({ sessionId: id, reason: o.reason ?? '' });
      ctx.emit(DeleteSessionResponseSchema, res, () => `session ${id} ${stateName(res.session?.state ?? 0)}\n`);
    });

  session
    .command('watch')
    .description('stream session events until Ctrl-C (or --limit / --for)')
    .option('--pool <name>', 'only this pool')
    .option('--session <id>', 'only this session')
    .option(
      '--state <state>',
      'only events leaving a session in these states (repeatable)',
      enumListArg(SessionState, 'SESSION_STATE_'),
    )
    .option('-l, --selector <selector>', 'label selector')
    .option('--no-initial', 'skip the snapshot of live sessions sent first')
    .option('--limit <n>', 'stop after this many events (snapshots included)', positiveIntArg)
    .option('--for <duration>', 'stop after this long', durationArg)
    .action(
      async (
        o: {
          pool?: string;
          session?: string;
          state?: number[];
          selector?: string;
          initial: boolean;
          limit?: number;
          for?: number;
        },
        cmd: Command,
      ) => {
        const ctx = runtime.context(cmd);
        await streamFor(
          ctx,
          o,
          (signal) =>
            ctx.clients().broker.watchSessions(
              {
                pool: o.pool ?? '',
                sessionId: o.session ?? '',
                states: o.state ?? [],
                labelSelector: o.selector ?? '',
                sendInitialState: o.initial,
              },
              { signal },
            ),
          (res) => {
            const e = res.event;
            if (!e) return;
            ctx.emitItem(toJson(SessionEventSchema, e), () => sessionEventLine(e));
          },
        );
      },
    );
}
