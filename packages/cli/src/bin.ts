#!/usr/bin/env node
/**
 * The `nightglow` executable: runs the program with the process's I/O. The
 * first Ctrl-C (or SIGTERM) stops streams and cancels a running `task run`;
 * a second one exits at once with 130.
 */
import { runCli } from './main.js';

const interrupt = new AbortController();
let signals = 0;
const onSignal = (): void => {
  signals += 1;
  if (signals > 1) process.exit(130);
  interrupt.abort();
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
// A reader that went away (`nightglow events tail | head -3`) ends the run quietly.
process.stdout.on('error', (e: NodeJS.ErrnoException) => process.exit(e.code === 'EPIPE' ? 0 : 1));

const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  signal: interrupt.signal,
});
// Idle keep-alive sockets must not hold the process: exit once stdout has drained.
process.stdout.write('', () => process.exit(code));
