/**
 * Redaction of secrets before a spec or action list leaves the runner: the
 * text of `type` actions marked `sensitive` becomes `***` in stored tasks,
 * events and logs (sensitive template parameters are masked at expansion).
 */
import { clone } from '@bufbuild/protobuf';
import { ActionSchema, type Action } from '@nightglow/contracts/executor/v1';

/** The placeholder that replaces a secret. */
export const REDACTED = '***';

/** A copy of `action` with the text of a sensitive `type` action replaced by `***`. */
export function redactAction(action: Action): Action {
  const copy = clone(ActionSchema, action);
  const k = copy.kind;
  if (k.case === 'type' && k.value.sensitive) k.value.text = REDACTED;
  return copy;
}
