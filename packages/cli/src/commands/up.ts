/**
 * `nightglow up`: the whole platform on this machine (see @nightglow/allinone).
 * Prints where everything listens, optionally runs task files against it
 * (`--run samples/news-titles.yaml`, the demo site rebased onto the running
 * one), then serves until Ctrl-C or SIGTERM, when it drains, stops every
 * Chromium and says so. Exit 0 after a clean stop; 1 when a part failed or a
 * Chromium process was left; 2 for bad options; 5 when the start failed.
 */
import { Option, type Command } from 'commander';
// Types only: the platform (every service) is loaded by the `up` action alone, so other commands start fast.
import type {
  Platform,
  PlatformEndpoints,
  PlatformLogLevel,
  PlatformOptionsInput,
  PortMode,
  RunMode,
} from '@nightglow/allinone';
import { renderFields } from '../format/table.js';
import { CliError, ExitCode, usageError } from '../errors.js';
import type { CliRuntime } from '../program.js';
import type { CliIo } from '../context.js';
import { runCli } from '../main.js';

/** The flags of `up`, as commander hands them over. */
type UpFlags = {
  host: string;
  ports: PortMode;
  mode: RunMode;
  redisUrl?: string;
  kafkaBrokers?: string;
  topicPrefix: string;
  databaseUrl?: string;
  kubeconfig?: string;
  prewarm: string;
  maxSessions: string;
  browsers: string;
  chromium?: string;
  demoSite: boolean;
  logLevel: PlatformLogLevel;
  run: string[];
  exitAfterRun: boolean;
};

function intFlag(name: string, value: string): number {
  if (!/^\d+$/.test(value)) throw usageError(`--${name}: must be a whole number, got ${JSON.stringify(value)}`);
  return Number(value);
}

function env(io: CliIo, name: string): string | undefined {
  const v = io.env[name];
  return v === undefined || v === '' ? undefined : v;
}

/** Maps flags (falling back to NIGHTGLOW_* variables for the real parts) to platform options. */
export function upOptions(flags: UpFlags, home: string, io: CliIo): PlatformOptionsInput {
  const brokers = flags.kafkaBrokers ?? env(io, 'NIGHTGLOW_KAFKA_BROKERS');
  return {
    home,
    host: flags.host,
    ports: flags.ports,
    mode: flags.mode,
    redisUrl: flags.redisUrl ?? env(io, 'NIGHTGLOW_REDIS_URL'),
    kafkaBrokers:
      brokers === undefined
        ? []
        : brokers
            .split(',')
            .map((b) => b.trim())
            .filter((b) => b !== ''),
    topicPrefix: flags.topicPrefix,
    databaseUrl: flags.databaseUrl ?? env(io, 'NIGHTGLOW_DATABASE_URL'),
    kubeconfig: flags.kubeconfig,
    prewarm: intFlag('prewarm', flags.prewarm),
    maxSessions: intFlag('max-sessions', flags.maxSessions),
    browsers: intFlag('browsers', flags.browsers),
    chromiumPath: flags.chromium ?? env(io, 'CHROMIUM_PATH') ?? '/usr/bin/chromium',
    demoSite: flags.demoSite,
    logLevel: flags.logLevel,
  };
}

/** The human summary of a running platform. */
export function describePlatform(p: Platform): string {
  const e: PlatformEndpoints = p.endpoints;
  const s = e.services;
  const o = p.options;
  const parts = [
    o.kafkaBrokers.length > 0 ? `Kafka ${o.kafkaBrokers.join(',')}` : 'in-process bus',
    o.redisUrl !== undefined ? 'Redis state' : 'in-memory state',
    o.databaseUrl !== undefined ? 'PostgreSQL' : 'PGlite',
  ];
  const lines = renderFields([
    ['session broker', `grpc ${s.broker.grpc}  http ${s.broker.http}  (CDP proxy on the http port)`],
    ['task executor', `grpc ${s.executor.grpc}  http ${s.executor.http}`],
    ['record store', `grpc ${s.recordStore.grpc}  http ${s.recordStore.http}`],
    ['sidecars', s.sidecars.map((x) => x.grpc).join('  ') + '  (one per browser)'],
    ['operator', s.operator === undefined ? 'off (no --kubeconfig)' : `metrics ${s.operator.metrics}`],
    ['demo site', e.demoSite ?? 'off'],
    ['api key', s.recordStore.apiKey ?? ''],
    ['endpoints file', p.endpointsFile],
    ['logs', p.logs],
  ]);
  return (
    `Nightglow is up (${e.mode}, ${parts.join(', ')}) — ready in ${(p.startupMs / 1000).toFixed(1)} s\n` +
    lines +
    `Try: nightglow task run services/task-executor/samples/news-titles.yaml\n` +
    `Ctrl-C stops everything.\n`
  );
}

async function stopAndReport(platform: Platform, io: CliIo): Promise<number> {
  io.stderr.write('Stopping: draining tasks, closing sessions and browsers…\n');
  const report = await platform.stop();
  for (const p of report.problems) io.stderr.write(`nightglow: ${p}\n`);
  if (report.leftoverChromium > 0)
    io.stderr.write(`nightglow: ${report.leftoverChromium} Chromium process(es) of this platform are still running\n`);
  const ok = report.clean && report.leftoverChromium === 0;
  io.stderr.write(ok ? 'Stopped cleanly; no Chromium left running.\n' : 'Stopped with problems (see above).\n');
  return ok ? ExitCode.OK : ExitCode.TASK_UNSUCCESSFUL;
}

/** Registers `up`. */
export function registerUp(program: Command, runtime: CliRuntime): void {
  program
    .command('up')
    .description('run the whole platform on this machine until Ctrl-C (embedded defaults; swap in the real parts)')
    .option('--host <address>', 'address every listener binds', '127.0.0.1')
    .addOption(
      new Option('--ports <mode>', 'standard service ports, or free ones')
        .choices(['standard', 'ephemeral'])
        .default('standard'),
    )
    .addOption(
      new Option('--mode <mode>', 'one process, or a process per service and browser (needs Kafka)')
        .choices(['in-process', 'processes'])
        .default('in-process'),
    )
    .option('--redis-url <url>', 'real Redis for broker and executor state [env NIGHTGLOW_REDIS_URL]')
    .option('--kafka-brokers <host:port,…>', 'real Kafka instead of the in-process bus [env NIGHTGLOW_KAFKA_BROKERS]')
    .option('--topic-prefix <prefix>', 'Kafka topic prefix (and consumer-group namespace)', 'nightglow')
    .option('--database-url <url>', 'real PostgreSQL instead of PGlite [env NIGHTGLOW_DATABASE_URL]')
    .option('--kubeconfig <file>', 'run the operator against this Kubernetes API')
    .option('--prewarm <n>', 'browsers kept launched and waiting (in-process mode)', '1')
    .option('--max-sessions <n>', 'sessions the default pool admits at once', '10')
    .option('--browsers <n>', 'browsers, each with its sidecar process (processes mode)', '2')
    .option('--chromium <path>', 'Chromium executable [env CHROMIUM_PATH, default /usr/bin/chromium]')
    .option('--no-demo-site', 'do not serve the bundled demo site')
    .addOption(
      new Option('--log-level <level>', 'services log level (logs go to <home>/logs)')
        .choices(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'])
        .default('info'),
    )
    .option(
      '--run <file>',
      'after start, run this task file (repeatable); demo-site URLs follow the running demo site',
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .option('--exit-after-run', 'stop once the --run files are done (exit 1 if one did not succeed)', false)
    .action(async (flags: UpFlags, cmd: Command) => {
      const ctx = runtime.context(cmd);
      const io = runtime.io;
      const { PlatformBusyError, PlatformOptionsError, PortInUseError, startPlatform } =
        await import('@nightglow/allinone');
      let platform: Platform;
      try {
        platform = await startPlatform(upOptions(flags, ctx.home, io));
      } catch (e) {
        if (e instanceof PlatformOptionsError) throw usageError('bad options for up', e.message.split('\n'));
        if (e instanceof PortInUseError || e instanceof PlatformBusyError)
          throw new CliError(e.message, ExitCode.USAGE);
        throw new CliError(
          `the platform did not start: ${e instanceof Error ? e.message : String(e)}`,
          ExitCode.SERVER_ERROR,
          {
            cause: e,
          },
        );
      }
      if (ctx.format === 'table') ctx.print(describePlatform(platform));
      else ctx.emitData({ ...platform.endpoints, startupMs: Math.round(platform.startupMs) }, () => '');

      let runFailed = false;
      for (const file of flags.run) {
        if (io.signal.aborted) break;
        const site = platform.endpoints.demoSite;
        const argv = ['--home', ctx.home, '-o', ctx.format, 'task', 'run', file, ...(site ? ['--site', site] : [])];
        const code = await runCli(argv, io);
        if (code !== ExitCode.OK) runFailed = true;
      }
      if (flags.exitAfterRun && flags.run.length > 0) {
        const stopped = await stopAndReport(platform, io);
        if (runFailed || stopped !== ExitCode.OK)
          throw new CliError('a --run task did not succeed or the stop was not clean', ExitCode.TASK_UNSUCCESSFUL);
        return;
      }

      const why = await Promise.race([
        new Promise<string>((resolve) => {
          if (io.signal.aborted) resolve('');
          io.signal.addEventListener('abort', () => resolve(''), { once: true });
        }),
        platform.failed,
      ]);
      if (why !== '') io.stderr.write(`nightglow: ${why}\n`);
      const code = await stopAndReport(platform, io);
      if (why !== '') throw new CliError('a part of the platform died', ExitCode.SERVER_ERROR);
      if (code !== ExitCode.OK) throw new CliError('the platform did not stop cleanly', code);
    });
}
