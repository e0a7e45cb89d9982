/**
 * The `nightglow` program: global options, then every command module's
 * registrar from `commands/index.ts`. Errors and help are routed to the
 * injected I/O and turned into exit codes by `runCli` (never process.exit).
 */
import { Command, Option } from 'commander';
import { COMMANDS, type CommandRegistrar } from './commands/index.js';
import { OUTPUT_FORMATS, createContext, type CliIo, type CommandContext } from './context.js';

/** The CLI's version. */
export const CLI_VERSION = '0.1.0';

/** What a registrar may use besides the program: the I/O and the context factory. */
export type CliRuntime = {
  readonly io: CliIo;
  /** The context of a command being run (call it inside the action, with the action's Command). */
  context(cmd: Command): CommandContext;
  /** Every context created so far (for error reporting). */
  readonly contexts: readonly CommandContext[];
};

/** Builds the program with the given registrars (default: every command module). */
export function createProgram(
  io: CliIo,
  registrars: readonly CommandRegistrar[] = COMMANDS,
): { program: Command; runtime: CliRuntime } {
  const contexts: CommandContext[] = [];
  const runtime: CliRuntime = {
    io,
    contexts,
    context(cmd) {
      const ctx = createContext(io, cmd);
      contexts.push(ctx);
      return ctx;
    },
  };
  const program = new Command('nightglow')
    .description('Drive a Nightglow browser fleet: sessions, tasks, templates, records, events, alerts, screencasts.')
    .version(CLI_VERSION)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => void io.stdout.write(s),
      writeErr: (s) => void io.stderr.write(s),
      getOutHelpWidth: () => io.stdout.columns ?? 100,
      getErrHelpWidth: () => io.stderr.columns ?? 100,
    })
    .showHelpAfterError('(add --help for usage)')
    .option(
      '--endpoint <url>',
      'one host for every service, standard ports unless the URL names one [env NIGHTGLOW_ENDPOINT]',
    )
    .option('--broker <url>', 'session broker HTTP URL [env NIGHTGLOW_BROKER_URL]')
    .option('--executor <url>', 'task executor HTTP URL [env NIGHTGLOW_EXECUTOR_URL]')
    .option('--records <url>', 'record store HTTP URL [env NIGHTGLOW_RECORDS_URL]')
    .option('--api-key <key>', 'record store API key [env NIGHTGLOW_API_KEY]')
    .option(
      '--home <dir>',
      'folder of endpoints.json written by `nightglow up` [env NIGHTGLOW_HOME, default ~/.nightglow]',
    )
    .addOption(new Option('-o, --output <format>', 'output format').choices(OUTPUT_FORMATS).default('table'));
  for (const register of registrars) register(program, runtime);
  return { program, runtime };
}
