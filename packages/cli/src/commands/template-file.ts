/**
 * Template files: a `Template` in the proto3 JSON mapping, as YAML or JSON
 * (`name`, `description`, `parameters`, `actions`, `labels`), with the task
 * files' short enum values (`type: string`) and durations (parsed by the
 * executor's `parseTemplateFile`, which task files share). Problems —
 * YAML syntax, unknown fields, and the executor's field violations
 * (`template.actions[2].click.selector`) — are reported as
 * `file:line:column: field: message`.
 */
import { Code } from '@connectrpc/connect';
import { BadRequestSchema } from '@nightglow/contracts/google/rpc';
import type { Template } from '@nightglow/contracts/executor/v1';
import { parseTemplateFile as parseFile, TaskFileError } from '@nightglow/task-executor';
import { RpcFailure, usageError, type CliError } from '../errors.js';

/** A parsed template file, able to locate a field path in its text. */
export type TemplateFile = { readonly template: Template; locate(field: string): string };

/** Parses a template file's text; throws a usage error with a `file:line:column: field: message` line per problem. */
export function parseTemplateFile(text: string, file: string): TemplateFile {
  try {
    const parsed = parseFile(text, file);
    return {
      template: parsed.template,
      locate: (field) => {
        const p = parsed.locate(field);
        return `${file}:${p.line}:${p.column}: ${field}`;
      },
    };
  } catch (e) {
    if (!(e instanceof TaskFileError)) throw e;
    const n = e.problems.length;
    throw usageError(
      `template file ${file} has ${n} problem${n === 1 ? '' : 's'}; nothing was registered`,
      e.message.split('\n'),
    );
  }
}

/** Maps the executor's INVALID_ARGUMENT for a template to `file:line:column: field: message` lines. */
export function templateRefusal(e: unknown, tf: TemplateFile, file: string): CliError | undefined {
  if (!(e instanceof RpcFailure) || e.error.code !== Code.InvalidArgument) return undefined;
  const lines = e.error
    .findDetails(BadRequestSchema)
    .flatMap((b) => b.fieldViolations)
    .map((v) => `${tf.locate(v.field.replace(/^template\./, ''))}: ${v.description}`);
  return usageError(`the task executor refused template file ${file}: ${e.error.rawMessage}`, lines);
}
