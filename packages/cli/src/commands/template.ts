/** `nightglow template register|list`: the task executor's templates. */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import {
  ListTemplatesResponseSchema,
  ParameterType,
  RegisterTemplateResponseSchema,
  type Template,
} from '@nightglow/contracts/executor/v1';
import type { CliRuntime } from '../program.js';
import { usageError } from '../errors.js';
import { enumLabel, renderTable } from '../format/table.js';
import { formatTime } from '../format/time.js';
import { positiveIntArg } from '../parse.js';
import { parseTemplateFile, templateRefusal } from './template-file.js';

function params(t: Template): string {
  return t.parameters
    .map(
      (p) =>
        `${p.name}${p.required ? '' : '?'}:${p.type === ParameterType.UNSPECIFIED ? 'string' : enumLabel(ParameterType, p.type, 'PARAMETER_TYPE_').toLowerCase()}`,
    )
    .join(',');
}

/** Registers `template` and its subcommands. */
export function registerTemplate(program: Command, runtime: CliRuntime): void {
  const template = program.command('template').description('register and list task templates');

  template
    .command('register')
    .description('create or replace a template from a file (YAML or JSON Template)')
    .argument('<file>')
    .option('--validate', 'only check it with the executor (nothing is stored)')
    .action(async (file: string, o: { validate?: boolean }, cmd: Command) => {
      const ctx = runtime.context(cmd);
      let text: string;
      try {
        text = await readFile(resolve(ctx.io.cwd, file), 'utf8');
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        throw usageError(`template file ${file}: ${code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
      }
      const tf = parseTemplateFile(text, file);
      const res = await ctx
        .clients()
        .executor.registerTemplate({ template: tf.template, validateOnly: o.validate ?? false })
        .catch((e: unknown) => {
          throw templateRefusal(e, tf, file) ?? e;
        });
      const t = res.template;
      ctx.emit(RegisterTemplateResponseSchema, res, () =>
        o.validate
          ? `template ${tf.template.name} is valid\n`
          : `template ${t?.name ?? ''} ${res.created ? 'created' : 'replaced'} (revision ${t?.revision ?? 0})\n`,
      );
    });

  template
    .command('list')
    .description('list templates by name')
    .option('-l, --selector <selector>', 'label selector')
    .option('--limit <n>', 'at most this many (default 50, max 1000)', positiveIntArg)
    .action(async (o: { selector?: string; limit?: number }, cmd: Command) => {
      const ctx = runtime.context(cmd);
      const res = await ctx
        .clients()
        .executor.listTemplates({ labelSelector: o.selector ?? '', pageSize: o.limit ?? 0 });
      ctx.emit(ListTemplatesResponseSchema, res, () =>
        res.templates.length === 0
          ? 'No templates found.\n'
          : renderTable(
              ['NAME', 'REVISION', 'ACTIONS', 'PARAMETERS', 'UPDATED', 'DESCRIPTION'],
              res.templates.map((t) => [
                t.name,
                String(t.revision),
                String(t.actions.length),
                params(t) || '-',
                formatTime(t.updateTime ?? t.createTime),
                t.description,
              ]),
            ),
      );
    });
}
