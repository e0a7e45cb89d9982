/**
 * Template files: a `Template` in the proto3 JSON mapping, as YAML or JSON
 * (`name`, `description`, `parameters`, `actions`, `labels`). Problems —
 * YAML syntax, unknown fields, and the executor's field violations
 * (`template.actions[2].click.selector`) — are reported as
 * `file:line:column: field: message`.
 */
import { fromJson, type JsonValue } from '@bufbuild/protobuf';
import { Code } from '@connectrpc/connect';
import { LineCounter, isMap, isNode, isScalar, parseDocument, type Document } from 'yaml';
import { TemplateSchema, type Template } from '@nightglow/contracts/executor/v1';
import { RpcFailure, usageError, type CliError } from '../errors.js';
import { BadRequestSchema } from '@nightglow/contracts/google/rpc';

/** A parsed template file, able to locate a field path in its text. */
export type TemplateFile = { readonly template: Template; locate(field: string): string };

function segments(field: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const m of field.matchAll(/([^.[\]]+)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]/g)) {
    if (m[1] !== undefined) out.push(m[1].replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()));
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else if (m[3] !== undefined) out.push(m[3]);
  }
  return out;
}

function position(doc: Document, lc: LineCounter, field: string): string {
  const segs = segments(field);
  for (let n = segs.length; n >= 0; n--) {
    const last = segs[n - 1];
    const parent = doc.getIn(segs.slice(0, Math.max(0, n - 1)), true);
    if (n > 0 && typeof last === 'string' && isMap(parent)) {
      const key = parent.items.find((p) => isScalar(p.key) && p.key.value === last)?.key;
      if (isNode(key) && key.range) {
        const p = lc.linePos(key.range[0]);
        return `${p.line}:${p.col}`;
      }
    }
    const node = doc.getIn(segs.slice(0, n), true);
    if (isNode(node) && node.range) {
      const p = lc.linePos(node.range[0]);
      return `${p.line}:${p.col}`;
    }
  }
  return '1:1';
}

/** Parses a template file's text; throws a usage error naming the file (and line) of any problem. */
export function parseTemplateFile(text: string, file: string): TemplateFile {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  if (doc.errors.length > 0) {
    const lines = doc.errors.map((e) => {
      const p = lc.linePos(e.pos[0]);
      return `${file}:${p.line}:${p.col}: ${e.message.split('\n')[0] ?? e.message}`;
    });
    throw usageError(`template file ${file} is not valid YAML; nothing was registered`, lines);
  }
  const json = doc.toJS() as JsonValue;
  if (json === null || typeof json !== 'object' || Array.isArray(json))
    throw usageError(`template file ${file}: must be a mapping with name, parameters and actions`);
  let template: Template;
  try {
    template = fromJson(TemplateSchema, json);
  } catch (e) {
    throw usageError(`template file ${file}: ${(e as Error).message}; nothing was registered`);
  }
  return { template, locate: (field) => `${file}:${position(doc, lc, field)}: ${field}` };
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
