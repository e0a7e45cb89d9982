/**
 * Consumes `<prefix>.instrument-commands` in a consumer group of this sidecar's
 * own (`instrumentation-sidecar.<sidecar id>`), so every sidecar sees every
 * command. A record that is not a command, or a command that is refused, is
 * logged and counted; the batch is still committed (a bad command must not be
 * redelivered forever).
 */
import { type BusLogger, type EventBus, type Subscription } from '@nightglow/bus';
import { Topic } from '@nightglow/contracts/events/v1';
import type { CommandApplier, CommandOutcome } from './apply-command.js';

/** Outcomes counted by the consumer (`rejected`: malformed or refused). */
export type CommandResult = CommandOutcome | 'rejected';

/** Inputs of {@link startCommandConsumer}. */
export type CommandConsumerOptions = {
  readonly bus: EventBus;
  readonly applier: CommandApplier;
  readonly sidecarId: string;
  readonly logger: BusLogger;
  readonly onResult?: (result: CommandResult) => void;
};

/** The consumer group id of a sidecar. */
export function commandGroupId(sidecarId: string): string {
  return `instrumentation-sidecar.${sidecarId}`;
}

/** Joins the sidecar's group and applies commands as they arrive; resolves once consuming. */
export function startCommandConsumer(opts: CommandConsumerOptions): Promise<Subscription> {
  const count = (r: CommandResult): void => opts.onResult?.(r);
  return opts.bus.subscribe({
    groupId: commandGroupId(opts.sidecarId),
    topics: [Topic.INSTRUMENT_COMMANDS],
    handler: async (batch) => {
      for (const record of batch.records) {
        if (record.kind === 'undecodable' || record.envelope.payload.case !== 'instrumentCommand') {
          opts.logger.warn(
            { offset: record.offset, partition: record.partition },
            'instrument-commands: not a command; skipped',
          );
          count('rejected');
          continue;
        }
        const command = record.envelope.payload.value;
        try {
          const outcome = await opts.applier.apply(command);
          if (outcome === 'applied')
            opts.logger.info(
              { commandId: command.commandId, command: command.command.case, issuedBy: command.issuedBy },
              'instrument command applied',
            );
          count(outcome);
        } catch (error) {
          opts.logger.warn(
            { commandId: command.commandId, err: error instanceof Error ? error.message : String(error) },
            'instrument command rejected',
          );
          count('rejected');
        }
      }
    },
  });
}
