/**
 * Status conditions in the Kubernetes convention (`type`, `status`,
 * `reason`, `message`, `observedGeneration`, `lastTransitionTime`):
 * `lastTransitionTime` moves only when `status` changes.
 */

/** One status condition. */
export type Condition = {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  observedGeneration: number;
  lastTransitionTime: string;
};

/** A condition to set; the generation and time are filled in by {@link setCondition}. */
export type ConditionInput = Pick<Condition, 'type' | 'status' | 'reason' | 'message'>;

/** Returns `conditions` with `input` set for `generation` at `nowMs`, keeping the others. */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  input: ConditionInput,
  at: { readonly generation: number; readonly nowMs: number },
): Condition[] {
  const list = [...(conditions ?? [])];
  const i = list.findIndex((c) => c.type === input.type);
  const prev = i >= 0 ? list[i] : undefined;
  const next: Condition = {
    ...input,
    observedGeneration: at.generation,
    lastTransitionTime:
      prev && prev.status === input.status
        ? prev.lastTransitionTime
        : new Date(at.nowMs).toISOString().replace(/\.\d{3}Z$/, 'Z'),
  };
  if (i >= 0) list[i] = next;
  else list.push(next);
  return list;
}

/** The condition of `type`, if present. */
export function findCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}
