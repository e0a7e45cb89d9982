/**
 * `runCli(argv, io)`: runs the program once and returns the exit code. Usage
 * errors (commander) exit 2; anything a command throws is reported as one
 * line `nightglow: …` (plus detail lines) with its exit code, never a stack.
 */
import { CommanderError } from 'commander';
import type { CommandRegistrar } from './commands/index.js';
import type { CliIo } from './context.js';
import { ExitCode, RpcFailure, toCliError, type CliError } from './errors.js';
import { createProgram, type CliRuntime } from './program.js';

/** Whether a process id is alive (signal 0). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A hint when the unreachable URL came from an endpoints.json whose process is gone. */
function staleFileHint(runtime: CliRuntime, e: unknown): string[] {
  if (!(e instanceof RpcFailure)) return [];
  for (const ctx of runtime.contexts) {
    const file = ctx.endpoints().file;
    if (!file || !Object.values(file.services).includes(e.url)) continue;
    if (file.pid !== undefined && !alive(file.pid))
      return [
        `(from ${file.path}, whose process ${file.pid} is not running: start the platform with \`nightglow up\`)`,
      ];
    return [`(from ${file.path})`];
  }
  return [];
}

function report(io: CliIo, err: CliError, extra: readonly string[]): void {
  const lines = [`nightglow: ${err.message}`, ...err.details, ...extra];
  io.stderr.write(`${lines.join('\n')}\n`);
}

/** Runs `nightglow <argv…>` against `io`; resolves to the exit code. */
export async function runCli(
  argv: readonly string[],
  io: CliIo,
  registrars?: readonly CommandRegistrar[],
): Promise<number> {
  const { program, runtime } = createProgram(io, registrars);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return ExitCode.OK;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE;
    const err = toCliError(e);
    let hint: string[] = [];
    try {
      hint = err.exitCode === ExitCode.UNREACHABLE ? staleFileHint(runtime, e) : [];
    } catch {
      hint = [];
    }
    report(io, err, hint);
    return err.exitCode;
  }
}
