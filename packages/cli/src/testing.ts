/** Test support (not part of the package surface): an in-memory CliIo whose output can be read back. */
import type { CliIo, Output } from './context.js';

/** A buffer standing in for stdout or stderr. */
export type BufferOutput = Output & { text(): string };

/** An Output collecting what is written; `isTTY` as given. */
export function bufferOutput(isTTY = false): BufferOutput {
  let text = '';
  return {
    isTTY,
    columns: 100,
    write(chunk: string) {
      text += chunk;
      return true;
    },
    text: () => text,
  };
}

/** A CliIo over buffers, with the given environment and working folder. */
export function memoryIo(
  opts: {
    readonly env?: Record<string, string>;
    readonly cwd?: string;
    readonly tty?: boolean | undefined;
    readonly signal?: AbortSignal | undefined;
  } = {},
): CliIo & { stdout: BufferOutput; stderr: BufferOutput } {
  return {
    stdout: bufferOutput(opts.tty ?? false),
    stderr: bufferOutput(false),
    env: opts.env ?? {},
    cwd: opts.cwd ?? process.cwd(),
    signal: opts.signal ?? new AbortController().signal,
  };
}
