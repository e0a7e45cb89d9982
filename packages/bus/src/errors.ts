/**
 * The bus's one error type. Every failure that leaves this package is a
 * {@link BusError} with a machine-readable `code`, the underlying `cause`, and
 * `retryable` saying whether trying the same thing again can succeed.
 */

/**
 * What went wrong:
 * - `INVALID_ENVELOPE`: the envelope breaks the contract (no event id, no payload, a type
 *   that does not match the payload). Terminal.
 * - `NO_TOPIC`: the payload has no Kafka topic (`external` events go through
 *   `RecordStore/IngestEvents`, not the bus). Terminal.
 * - `MESSAGE_TOO_LARGE`: the encoded envelope exceeds its topic's message limit. Terminal.
 * - `DECODE_FAILED`: bytes on a topic are not an `Envelope`; `sizeBytes` says how many. Terminal.
 * - `INVALID_CONFIG`: a bus option is out of range; the message names it. Terminal.
 * - `CLOSED`: the bus (or subscription) is draining or stopped. Terminal.
 * - `UNAVAILABLE`: Kafka could not be reached in time (start, group join). Retryable.
 * - `SEND_FAILED`: one attempt to write a batch failed transiently. Retryable.
 * - `REJECTED`: the broker refused a record for good (e.g. too large for the topic). Terminal.
 */
export type BusErrorCode =
  | 'INVALID_ENVELOPE'
  | 'NO_TOPIC'
  | 'MESSAGE_TOO_LARGE'
  | 'DECODE_FAILED'
  | 'INVALID_CONFIG'
  | 'CLOSED'
  | 'UNAVAILABLE'
  | 'SEND_FAILED'
  | 'REJECTED';

const RETRYABLE_BY_DEFAULT: ReadonlySet<BusErrorCode> = new Set<BusErrorCode>(['UNAVAILABLE', 'SEND_FAILED']);

/** Options of a {@link BusError}. */
export type BusErrorOptions = {
  /** The underlying error. */
  readonly cause?: unknown;
  /** Overrides the code's default retryability (`UNAVAILABLE` and `SEND_FAILED` retry). */
  readonly retryable?: boolean;
  /** For `DECODE_FAILED` and `MESSAGE_TOO_LARGE`: the size of the bytes concerned. */
  readonly sizeBytes?: number;
};

/** An error of the event bus: a code, a cause, and whether it is worth retrying. */
export class BusError extends Error {
  /** What went wrong; see {@link BusErrorCode}. */
  readonly code: BusErrorCode;
  /** True when the same operation may succeed later (e.g. Kafka came back). */
  readonly retryable: boolean;
  /** Size in bytes of the message concerned (decode failures, oversize messages), if any. */
  readonly sizeBytes: number | undefined;

  constructor(code: BusErrorCode, message: string, options: BusErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BusError';
    this.code = code;
    this.retryable = options.retryable ?? RETRYABLE_BY_DEFAULT.has(code);
    this.sizeBytes = options.sizeBytes;
  }

  /**
   * Normalizes anything thrown into a BusError: a BusError is returned as is,
   * anything else is wrapped under `code` (default `SEND_FAILED`) with its message.
   * An error carrying `retriable: false` (kafkajs) becomes non-retryable.
   */
  static from(error: unknown, code: BusErrorCode = 'SEND_FAILED'): BusError {
    if (error instanceof BusError) return error;
    const message = error instanceof Error ? error.message : String(error);
    const retriable = (error as { retriable?: unknown } | null)?.retriable;
    const options: BusErrorOptions =
      typeof retriable === 'boolean' ? { cause: error, retryable: retriable } : { cause: error };
    return new BusError(code, message, options);
  }
}

/** True when `error` is a {@link BusError}, optionally of the given code. */
export function isBusError(error: unknown, code?: BusErrorCode): error is BusError {
  return error instanceof BusError && (code === undefined || error.code === code);
}
