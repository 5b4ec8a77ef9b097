import SwaggerParser from '@apidevtools/swagger-parser';
import { createConfig, getLineColLocation, lint } from '@redocly/openapi-core';
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import type { Bundle } from './bundle.js';
import { displayPathOf, getAtPointer, joinPointer, parsePointer } from './source.js';

/** A finding of the spec checks, located in a source file. */
export interface Diagnostic {
  readonly severity: 'error' | 'warning';
  /** The check that found it: `openapi-structure`, `schema`, `example` or a Redocly rule id. */
  readonly rule: string;
  readonly file: string;
  readonly line: number | undefined;
  readonly pointer: string;
  readonly message: string;
}

type JsonObject = Record<string, unknown>;

/** Formats understood by the Matrix specification; other formats are reported as warnings. */
const KNOWN_FORMATS = ['mx-user-id', 'mx-room-id', 'mx-server-name', 'mx-event-id', 'uri'];

/** Keywords that OpenAPI 3.1 adds to JSON Schema 2020-12 in Schema Objects. */
const OPENAPI_SCHEMA_KEYWORDS = ['example', 'discriminator', 'xml', 'externalDocs'];

/**
 * Checks a bundled spec three ways: the OpenAPI structure with swagger-parser, the source files
 * with Redocly's structural rules, and every Schema Object by compiling it with Ajv 2020.
 */
export async function validateBundle(bundle: Bundle): Promise<Diagnostic[]> {
  const diagnostics = [
    ...(await checkStructure(bundle)),
    ...(await lintSources(bundle)),
    ...checkSchemas(bundle),
  ];
  return dedupe(diagnostics);
}

async function checkStructure(bundle: Bundle): Promise<Diagnostic[]> {
  try {
    // swagger-parser mutates what it is given, so it gets a copy.
    await SwaggerParser.validate(structuredClone(bundle.document) as never);
    return [];
  } catch (error) {
    const message = (error as Error).message.split('\n')[0] ?? 'invalid OpenAPI document';
    const root = bundle.locate('');
    return [{ severity: 'error', rule: 'openapi-structure', ...root, message }];
  }
}

async function lintSources(bundle: Bundle): Promise<Diagnostic[]> {
  const config = await createConfig({
    extends: ['minimal'],
    rules: {
      struct: 'error',
      'operation-operationId-unique': 'error',
      'no-unresolved-refs': 'error',
      'no-invalid-media-type-examples': 'warn',
      'no-invalid-schema-examples': 'warn',
    },
  });
  const problems = await lint({ ref: bundle.root.absolutePath, config });
  return problems
    .filter((problem) => problem.severity === 'error' || problem.severity === 'warn')
    .map((problem) => {
      const [location] = problem.location;
      const file = location ? displayPathOf(location.source.absoluteRef) : bundle.root.displayPath;
      const line = location ? getLineColLocation(location).start.line : undefined;
      let pointer = location?.pointer?.replace(/^#/, '') ?? '';
      // Redocly points at the operationId's value as if it were a key; report the field itself.
      if (problem.ruleId === 'operation-operationId-unique')
        pointer = pointer.replace(/\/[^/]*$/, '/operationId');
      const severity = problem.severity === 'error' ? 'error' : 'warning';
      return { severity, rule: problem.ruleId, file, line, pointer, message: problem.message };
    });
}

/** Compiles every Schema Object with Ajv 2020 in strict mode, then checks each `example`. */
function checkSchemas(bundle: Bundle): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const ajv = new Ajv2020({ strict: true, allErrors: true, validateFormats: false });
  ajv.addVocabulary(OPENAPI_SCHEMA_KEYWORDS);
  for (const format of KNOWN_FORMATS) ajv.addFormat(format, true);
  // Ajv compiles the document root when a `$ref` points into it, so the top-level OpenAPI fields
  // are declared as keywords that validate nothing.
  const rootFields = Object.keys(bundle.document).filter((key) => !ajv.getKeyword(key));
  ajv.addVocabulary(rootFields);
  ajv.addSchema(bundle.document, 'openapi.json', undefined, false);

  for (const pointer of findSchemaPointers(bundle.document)) {
    const schema = getAtPointer(bundle.document, parsePointer(pointer));
    const at = (suffix: string) => bundle.locate(pointer + suffix);

    if (!ajv.validateSchema(schema as JsonObject)) {
      for (const error of ajv.errors ?? []) {
        diagnostics.push({
          severity: 'error',
          rule: 'schema',
          ...at(error.instancePath),
          message: describe(error),
        });
      }
      continue;
    }

    try {
      const validate = ajv.compile({ $ref: `openapi.json#${pointer}` });
      diagnostics.push(...checkExample(schema, validate, at));
    } catch (error) {
      diagnostics.push({ severity: 'error', rule: 'schema', ...at(''), message: (error as Error).message });
    }

    diagnostics.push(...checkFormats(schema, at));
  }
  return diagnostics;
}

function checkExample(
  schema: unknown,
  validate: (data: unknown) => boolean,
  at: (suffix: string) => { file: string; line: number | undefined; pointer: string },
): Diagnostic[] {
  if (schema === null || typeof schema !== 'object' || !('example' in schema)) return [];

  const diagnostics: Diagnostic[] = [
    {
      severity: 'warning',
      rule: 'example',
      ...at('/example'),
      message: 'the Schema Object keyword `example` is deprecated in OpenAPI 3.1; use `examples`, an array',
    },
  ];
  if (!validate((schema as JsonObject).example)) {
    diagnostics.push({
      severity: 'warning',
      rule: 'example',
      ...at('/example'),
      message: 'the example does not match its own schema',
    });
  }
  return diagnostics;
}

function checkFormats(
  schema: unknown,
  at: (suffix: string) => { file: string; line: number | undefined; pointer: string },
): Diagnostic[] {
  if (schema === null || typeof schema !== 'object') return [];
  const format = (schema as JsonObject).format;
  if (typeof format !== 'string' || KNOWN_FORMATS.includes(format) || isStandardFormat(format)) return [];
  return [
    {
      severity: 'warning',
      rule: 'schema',
      ...at('/format'),
      message: `format "${format}" is not a JSON Schema or Matrix format, so validators will ignore it`,
    },
  ];
}

function isStandardFormat(format: string): boolean {
  const standard = ['date-time', 'date', 'time', 'duration', 'email', 'hostname', 'ipv4', 'ipv6'];
  const more = [
    'uri-reference',
    'iri',
    'uuid',
    'regex',
    'int32',
    'int64',
    'float',
    'double',
    'byte',
    'binary',
    'password',
  ];
  return standard.includes(format) || more.includes(format);
}

/**
 * Lists the pointers of every Schema Object in the document, including nested subschemas, so
 * each is compiled and located on its own.
 */
function findSchemaPointers(document: JsonObject): string[] {
  const pointers: string[] = [];
  const visitSchema = (node: unknown, pointer: string): void => {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return;
    pointers.push(pointer);
    for (const [key, value] of Object.entries(node)) {
      if (['properties', 'patternProperties', '$defs', 'dependentSchemas'].includes(key) && isObject(value)) {
        for (const [name, child] of Object.entries(value))
          visitSchema(child, joinPointer(pointer, [key, name]));
      } else if (['allOf', 'anyOf', 'oneOf', 'prefixItems'].includes(key) && Array.isArray(value)) {
        value.forEach((child, index) => {
          visitSchema(child, joinPointer(pointer, [key, index]));
        });
      } else if (['items', 'not', 'if', 'then', 'else', 'additionalProperties', 'contains'].includes(key)) {
        visitSchema(value, joinPointer(pointer, [key]));
      }
    }
  };
  const visitDocument = (node: unknown, pointer: string): void => {
    if (node === null || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      const child = joinPointer(pointer, [key]);
      if (key === 'schema' && isObject(value)) visitSchema(value, child);
      else if (key === 'schemas' && pointer === '/components' && isObject(value)) {
        for (const [name, schema] of Object.entries(value)) visitSchema(schema, joinPointer(child, [name]));
      } else visitDocument(value, child);
    }
  };
  visitDocument(document, '');
  return pointers;
}

function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function describe(error: ErrorObject): string {
  const allowed = (error.params as { allowedValues?: unknown[] }).allowedValues;
  const suffix = allowed ? `: ${allowed.map((value) => JSON.stringify(value)).join(', ')}` : '';
  return `schema ${error.instancePath || 'root'} ${error.message ?? 'is invalid'}${suffix}`;
}

/** Keeps one diagnostic per location and message, in a stable order. */
function dedupe(diagnostics: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  const unique = diagnostics.filter((diagnostic) => {
    const key = `${diagnostic.file}#${diagnostic.pointer}:${diagnostic.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return unique.sort((a, b) => {
    if (a.severity !== b.severity) return a.severity === 'error' ? -1 : 1;
    return a.file.localeCompare(b.file) || (a.line ?? 0) - (b.line ?? 0);
  });
}
