/**
 * Task files: YAML (or JSON) in the shape of the `AutomationTask` CRD spec —
 * a `TaskSpec` in the proto3 JSON mapping with short enum values. Every
 * problem (YAML syntax, unknown field or action, bad enum value, wrong type,
 * invalid value such as an empty selector or a bad URL) is reported with the
 * file, line, column and field path, e.g.
 * `news.yaml:7:19: actions[1].click.selector: must be a non-empty selector`.
 * Used by the executor's tests and samples and by the CLI.
 */
import { readFile } from 'node:fs/promises';
import { fromJson, type DescMessage, type JsonValue, type MessageShape } from '@bufbuild/protobuf';
import { LineCounter, isMap, isNode, isScalar, parseDocument, type Document } from 'yaml';
import { TaskSpecSchema, TemplateSchema, type TaskSpec, type Template } from '@nightglow/contracts/executor/v1';
import { isExecutorError } from '../errors.js';
import { validateTask } from '../spec/validate-spec.js';
import { normalizeJson, type JsonProblem } from './normalize-json.js';

/** One problem of a task file, located. Line and column are 1-based (0 when unknown). */
export type TaskFileProblem = {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly field: string;
  readonly message: string;
};

/** A task file that cannot be used; `problems` lists each one with its location. */
export class TaskFileError extends Error {
  readonly problems: readonly TaskFileProblem[];
  constructor(problems: readonly TaskFileProblem[]) {
    super(
      problems.map((p) => `${p.file}:${p.line}:${p.column}: ${p.field ? `${p.field}: ` : ''}${p.message}`).join('\n'),
    );
    this.name = 'TaskFileError';
    this.problems = problems;
  }
}

/** `actions[3].wait_for.selector` → `['actions', 3, 'waitFor', 'selector']` (map keys in `["…"]` kept verbatim). */
export function pathSegments(field: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const m of field.matchAll(/([^.[\]]+)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]/g)) {
    if (m[1] !== undefined) out.push(m[1].replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()));
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else if (m[3] !== undefined) out.push(JSON.parse(`"${m[3]}"`) as string);
  }
  return out;
}

/** A violation path in the file's camelCase spelling: `actions[2].wait_for` → `actions[2].waitFor` (quoted keys untouched). */
export function camelPath(field: string): string {
  return field
    .split('"')
    .map((part, i) => (i % 2 === 0 ? part.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()) : part))
    .join('"');
}

function locate(doc: Document, lc: LineCounter, field: string): { line: number; column: number } {
  const segs = pathSegments(field);
  const last = segs[segs.length - 1];
  const parent = doc.getIn(segs.slice(0, -1), true);
  if (typeof last === 'string' && isMap(parent)) {
    const key = parent.items.find((p) => isScalar(p.key) && p.key.value === last)?.key;
    if (isNode(key) && key.range) {
      const pos = lc.linePos(key.range[0]);
      return { line: pos.line, column: pos.col };
    }
  }
  for (let n = segs.length; n >= 0; n--) {
    const node = doc.getIn(segs.slice(0, n), true);
    if (isNode(node) && node.range) {
      const pos = lc.linePos(node.range[0]);
      return { line: pos.line, column: pos.col };
    }
  }
  return { line: 0, column: 0 };
}

/** A YAML document with its line counter, so problems can be located in its text. */
type LocatedDocument = { readonly doc: Document; readonly lc: LineCounter; readonly file: string };

function parseYaml(text: string, file: string): LocatedDocument {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new TaskFileError(
      doc.errors.map((e) => {
        const pos = lc.linePos(e.pos[0]);
        return { file, line: pos.line, column: pos.col, field: '', message: e.message.split('\n')[0] ?? e.message };
      }),
    );
  }
  return { doc, lc, file };
}

function problemAt(d: LocatedDocument, p: JsonProblem): TaskFileProblem {
  return { file: d.file, ...locate(d.doc, d.lc, p.path), field: p.path, message: p.message };
}

/** The document as `schema`'s message, short enum values and friendly durations accepted. */
function decode<D extends DescMessage>(d: LocatedDocument, schema: D): MessageShape<D> {
  const problems: JsonProblem[] = [];
  const json = normalizeJson((d.doc.toJS() ?? {}) as JsonValue, schema, '', problems);
  if (problems.length > 0) throw new TaskFileError(problems.map((p) => problemAt(d, p)));
  try {
    return fromJson(schema, json);
  } catch (e) {
    throw new TaskFileError([{ file: d.file, line: 1, column: 1, field: '', message: (e as Error).message }]);
  }
}

/** Parses and validates a task file's text; throws {@link TaskFileError} naming file, line and field of every problem. */
export function parseTaskFile(text: string, file = '<task file>'): TaskSpec {
  const d = parseYaml(text, file);
  const spec = decode(d, TaskSpecSchema);
  try {
    validateTask(spec, { actions: spec.actions, allowEvaluate: true });
  } catch (e) {
    if (!isExecutorError(e)) throw e;
    throw new TaskFileError(
      e.violations.map((v) => problemAt(d, { path: camelPath(v.field), message: v.description })),
    );
  }
  return spec;
}

/** A parsed template file and a way to point at one of its fields (e.g. from the executor's field violations). */
export type TemplateFile = {
  readonly template: Template;
  /** Line and column (1-based) of `field`, a violation path such as `actions[2].click.selector`. */
  locate(field: string): { readonly line: number; readonly column: number };
};

/**
 * Parses a template file's text (a `Template` in the proto3 JSON mapping, with the
 * task files' short enum values and durations). Structural problems throw
 * {@link TaskFileError}; parameter typing is the executor's to check (RegisterTemplate).
 */
export function parseTemplateFile(text: string, file = '<template file>'): TemplateFile {
  const d = parseYaml(text, file);
  const template = decode(d, TemplateSchema);
  return { template, locate: (field) => locate(d.doc, d.lc, camelPath(field)) };
}

/** Reads and parses a task file from disk (see {@link parseTaskFile}). */
export async function loadTaskFile(path: string): Promise<TaskSpec> {
  return parseTaskFile(await readFile(path, 'utf8'), path);
}
