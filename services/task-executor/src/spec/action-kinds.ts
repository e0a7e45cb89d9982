/**
 * The action vocabulary: every `Action.kind` member, its reported type name
 * (the proto field name, e.g. `wait_for`) and the default action name
 * (`<index>-<type>`).
 */
import type { Action } from '@nightglow/contracts/executor/v1';

/** The `Action.kind` oneof case names, in proto order. */
export const ACTION_KINDS = [
  'navigate',
  'click',
  'type',
  'press',
  'hover',
  'select',
  'scroll',
  'waitFor',
  'extract',
  'screenshot',
  'assert',
  'setViewport',
  'setCookies',
  'fillForm',
  'evaluate',
] as const;

/** One `Action.kind` case (camelCase, as protobuf-es names it). */
export type ActionKind = (typeof ACTION_KINDS)[number];

/** camelCase → snake_case, e.g. `waitFor` → `wait_for`. */
export function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** The action type reported in events and records (`wait_for`), or `unknown` when no kind is set. */
export function actionType(action: Action): string {
  return action.kind.case === undefined ? 'unknown' : snakeCase(action.kind.case);
}

/** The given name, or the default `<index>-<type>` (e.g. `2-click`). */
export function actionName(action: Action, index: number): string {
  return action.name !== '' ? action.name : `${index}-${actionType(action)}`;
}

/** Every action type name (snake_case), e.g. for error messages listing what is allowed. */
export const ACTION_TYPE_NAMES: readonly string[] = ACTION_KINDS.map(snakeCase);
