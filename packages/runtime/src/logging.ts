/**
 * Structured JSON logs (pino). One root logger per service; every RPC gets a
 * child carrying `request_id`, `rpc` and, when tracing, `trace_id`.
 */
import { pino, type Logger, type DestinationStream } from 'pino';

/** Log levels accepted by LOG_LEVEL. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];
export type { Logger };

/** Creates the root logger of a service, writing JSON lines to stdout (or `destination`). */
export function createLogger(opts: {
  readonly service: string;
  readonly level: LogLevel;
  readonly destination?: DestinationStream;
}): Logger {
  const options = {
    level: opts.level,
    base: { service: opts.service, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  return opts.destination ? pino(options, opts.destination) : pino(options);
}
