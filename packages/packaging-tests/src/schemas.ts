/**
 * JSON-schema validation of skaffold.yaml and docker-compose.yml against the
 * published schemas kept in `../shared/schemas` (ajv, draft-07; both schemas
 * are draft-07, the compose one names its meta-schema by an https id ajv does
 * not ship, so `$schema` is dropped before compiling).
 */
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parseYamlDocs, readJson, sharedSchema } from './repo.js';

// ajv-formats is CommonJS with a default export: take it from whichever shape the loader gives.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (
  ajv: Ajv,
) => Ajv;

/** A validator: the problems of a document (empty = valid), each `path: message`. */
export type Validate = (doc: unknown) => string[];

/** Compiles the schema `file` of `../shared/schemas`. */
export function schemaValidator(file: string): Validate {
  const { $schema: _ignored, ...schema } = readJson(sharedSchema(file)) as Record<string, unknown>;
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv);
  const validate = ajv.compile(schema);
  return (doc) => (validate(doc) ? [] : (validate.errors ?? []).map(format));
}

function format(e: ErrorObject): string {
  return `${e.instancePath || '/'}: ${e.message ?? e.keyword} ${JSON.stringify(e.params)}`;
}

/** Reads a single-document YAML file. */
export function readYamlFile(path: string): Record<string, unknown> {
  const docs = parseYamlDocs(readFileSync(path, 'utf8'));
  if (docs.length !== 1 || docs[0] === undefined) throw new Error(`${path}: expected one YAML document`);
  return docs[0];
}
