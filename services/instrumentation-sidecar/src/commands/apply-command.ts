/**
 * Applying an `InstrumentCommand` (from the `instrument-commands` topic) to
 * this sidecar: addressing (target sidecar, target pool), once per command id,
 * then enable / disable / upsert / remove / reload. A malformed command throws
 * INVALID_ARGUMENT naming the field and changes nothing.
 */
import type { InstrumentCommand } from '@nightglow/contracts/instrumentation/v1';
import { normalizeBlueprint } from '../blueprints/builtins.js';
import { blueprintProblems } from '../blueprints/validate.js';
import { SidecarError } from '../errors.js';
import type { InstrumentRegistry } from '../instruments/registry.js';

/** The outcome of one command. */
export type CommandOutcome = 'applied' | 'ignored' | 'duplicate';

/** Inputs of {@link createCommandApplier}. */
export type CommandApplierOptions = {
  readonly registry: InstrumentRegistry;
  /** This sidecar's id and pool, for addressing. */
  readonly sidecarId: string;
  readonly pool: string;
  /** Reloads built-ins plus the blueprint file (throws INVALID_ARGUMENT for a bad file, changing nothing). */
  readonly reload: () => Promise<void>;
  /** How many command ids to remember for deduplication. Default 10 000. */
  readonly rememberIds?: number;
};

/** Applies commands; see the module comment. */
export type CommandApplier = { apply(command: InstrumentCommand): Promise<CommandOutcome> };

function requireName(name: string, field: string): string {
  if (name === '') throw SidecarError.invalid([{ field, description: 'must name an instrument' }]);
  return name;
}

/** Creates an applier. */
export function createCommandApplier(opts: CommandApplierOptions): CommandApplier {
  const seen = new Set<string>();
  const limit = opts.rememberIds ?? 10_000;
  const remember = (id: string): void => {
    seen.add(id);
    if (seen.size > limit) seen.delete(seen.values().next().value ?? '');
  };
  return {
    async apply(command) {
      if (command.commandId === '') throw SidecarError.invalid([{ field: 'command_id', description: 'must be set' }]);
      if (seen.has(command.commandId)) return 'duplicate';
      if (command.targetSidecar !== '' && command.targetSidecar !== opts.sidecarId) return 'ignored';
      if (command.targetPool !== '' && command.targetPool !== opts.pool) return 'ignored';
      const c = command.command;
      switch (c.case) {
        case 'enable':
        case 'disable':
          opts.registry.setEnabled(requireName(c.value, c.case), c.case === 'enable');
          break;
        case 'remove':
          opts.registry.remove(requireName(c.value, 'remove'));
          break;
        case 'upsert': {
          const problems = blueprintProblems(normalizeBlueprint(c.value), 'upsert');
          if (problems.length > 0) throw SidecarError.invalid(problems);
          opts.registry.upsert(c.value);
          break;
        }
        case 'reload':
          await opts.reload();
          break;
        case undefined:
          throw SidecarError.invalid([
            { field: 'command', description: 'exactly one of enable, disable, upsert, remove, reload must be set' },
          ]);
      }
      remember(command.commandId);
      return 'applied';
    },
  };
}
