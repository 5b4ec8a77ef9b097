import { readFileSync } from 'node:fs';
import { relative, sep } from 'node:path';
import { type Document, isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';

/** A problem found in a spec, located in the source file it comes from. */
export class SpecError extends Error {
  override name = 'SpecError';

  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly pointer: string,
    readonly reason: string,
  ) {
    super(`${formatLocation(file, line, pointer)}: ${reason}`);
  }
}

/** One parsed YAML or JSON file, with what is needed to turn a JSON pointer into a line. */
export interface SourceFile {
  /** Path relative to the working directory, with `/` separators, as shown in messages. */
  readonly displayPath: string;
  readonly absolutePath: string;
  readonly data: unknown;
  readonly document: Document.Parsed;
  readonly lineCounter: LineCounter;
}

export function displayPathOf(absolutePath: string): string {
  const relativePath = relative(process.cwd(), absolutePath);
  return relativePath.split(sep).join('/');
}

export function formatLocation(file: string, line: number | undefined, pointer: string): string {
  const where = line === undefined ? file : `${file}:${line}`;
  return `${where} (#${pointer})`;
}

/**
 * Reads and parses a YAML file (JSON is a subset of YAML 1.2). A syntax error becomes a
 * SpecError with the file and line, so callers never see a bare parser exception.
 */
export function loadSourceFile(absolutePath: string): SourceFile {
  const displayPath = displayPathOf(absolutePath);
  let text: string;
  try {
    text = readFileSync(absolutePath, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'read error';
    throw new SpecError(displayPath, undefined, '', `cannot read the file (${code})`);
  }

  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const [firstError] = document.errors;
  if (firstError) {
    const line = lineCounter.linePos(firstError.pos[0]).line;
    const reason = `not valid YAML: ${firstError.message.split('\n')[0]}`;
    throw new SpecError(displayPath, line, '', reason);
  }

  const data: unknown = document.toJS({ maxAliasCount: 100 });
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new SpecError(displayPath, 1, '', 'expected a YAML mapping at the top of the file');
  }
  return { displayPath, absolutePath, data, document, lineCounter };
}

/** Splits a JSON pointer (RFC 6901) into its unescaped reference tokens. */
export function parsePointer(pointer: string): string[] {
  if (pointer === '' || pointer === '/') return pointer === '' ? [] : [''];
  if (!pointer.startsWith('/')) throw new Error(`JSON pointer "${pointer}" must start with "/"`);
  return pointer
    .slice(1)
    .split('/')
    .map((token) => token.replaceAll('~1', '/').replaceAll('~0', '~'));
}

export function joinPointer(base: string, tokens: readonly (string | number)[]): string {
  const escaped = tokens.map((token) => `/${String(token).replaceAll('~', '~0').replaceAll('/', '~1')}`);
  return base + escaped.join('');
}

export function getAtPointer(data: unknown, tokens: readonly string[]): unknown {
  let node = data;
  for (const token of tokens) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, token)) return undefined;
    node = (node as Record<string, unknown>)[token];
  }
  return node;
}

/**
 * Returns the 1-based line of the node at `pointer`, or of its nearest existing ancestor. For a
 * mapping entry it is the line of the key, which is where an editor shows the problem.
 */
export function lineOf(source: SourceFile, pointer: string): number | undefined {
  let node: unknown = source.document.contents;
  let offset = rangeStart(node);
  for (const token of parsePointer(pointer)) {
    const child = childOf(node, token);
    if (child === undefined) break;
    node = child.value;
    offset = rangeStart(child.key) ?? rangeStart(child.value) ?? offset;
  }
  return offset === undefined ? undefined : source.lineCounter.linePos(offset).line;
}

/** Finds a child of a YAML mapping or sequence by JSON pointer token, whatever the key's type. */
function childOf(node: unknown, token: string): { key?: unknown; value: unknown } | undefined {
  if (isMap(node)) {
    const pair = node.items.find((item) => String(isScalar(item.key) ? item.key.value : item.key) === token);
    return pair && { key: pair.key, value: pair.value };
  }
  if (isSeq(node) && /^\d+$/.test(token)) {
    const item = node.items[Number(token)];
    return item === undefined ? undefined : { value: item };
  }
  return undefined;
}

function rangeStart(node: unknown): number | undefined {
  return (node as { range?: [number, number, number] } | undefined)?.range?.[0];
}
