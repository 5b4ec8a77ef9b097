import { basename, dirname, extname, resolve } from 'node:path';
import {
  getAtPointer,
  joinPointer,
  lineOf,
  loadSourceFile,
  parsePointer,
  type SourceFile,
  SpecError,
} from './source.js';

type JsonObject = Record<string, unknown>;

/** Source location of a subtree that was copied into the bundle. */
interface Origin {
  readonly bundlePointer: string;
  readonly source: SourceFile;
  readonly sourcePointer: string;
}

/** One self-contained OpenAPI document and the map back to the files it was built from. */
export interface Bundle {
  readonly document: JsonObject;
  readonly root: SourceFile;
  readonly sources: readonly SourceFile[];
  locate(bundlePointer: string): { file: string; line: number | undefined; pointer: string };
}

const COMPONENT_NAME = /^[A-Za-z0-9._-]+$/;

/**
 * Bundles a multi-file OpenAPI document into one. Every external `$ref` target is copied once
 * into `#/components/<kind>/<name>` and every reference to it points there, so the result has no
 * reference that leaves the document or points into `#/paths`.
 */
export function bundleSpec(rootPath: string): Bundle {
  const root = loadSourceFile(resolve(rootPath));
  checkOpenApiVersion(root);
  const bundler = new Bundler(root);
  bundler.run();
  return bundler.result();
}

class Bundler {
  private readonly document: JsonObject;
  private readonly sources = new Map<string, SourceFile>();
  private readonly origins: Origin[] = [];
  /** `absolutePath#pointer` of each copied target, mapped to its pointer in the bundle. */
  private readonly copied = new Map<string, string>();
  /** Copied subtrees, already walked when they were copied. */
  private readonly walked = new WeakSet<object>();

  constructor(private readonly root: SourceFile) {
    this.document = structuredClone(root.data) as JsonObject;
    this.sources.set(root.absolutePath, root);
    this.origins.push({ bundlePointer: '', source: root, sourcePointer: '' });
  }

  run(): void {
    this.walk(this.document, [], this.root, '');
    this.checkInternalReferences(this.document, []);
  }

  result(): Bundle {
    const origins = [...this.origins].sort((a, b) => b.bundlePointer.length - a.bundlePointer.length);
    return {
      document: this.document,
      root: this.root,
      sources: [...this.sources.values()],
      locate(bundlePointer) {
        const origin = origins.find(
          (candidate) =>
            bundlePointer === candidate.bundlePointer ||
            bundlePointer.startsWith(`${candidate.bundlePointer}/`),
        );
        if (!origin) return { file: '(bundle)', line: undefined, pointer: bundlePointer };
        const pointer = origin.sourcePointer + bundlePointer.slice(origin.bundlePointer.length);
        return { file: origin.source.displayPath, line: lineOf(origin.source, pointer), pointer };
      },
    };
  }

  /** Visits `node`, which sits at `path` in the bundle and at `sourcePointer` in `source`. */
  private walk(node: unknown, path: string[], source: SourceFile, sourcePointer: string): void {
    if (node === null || typeof node !== 'object' || this.walked.has(node)) return;

    if (Array.isArray(node)) {
      node.forEach((item, index) => {
        this.walk(item, [...path, String(index)], source, `${sourcePointer}/${index}`);
      });
      return;
    }

    const object = node as JsonObject;
    if (typeof object.$ref === 'string') {
      this.rewriteReference(object, path, source, sourcePointer);
      return;
    }

    for (const [key, value] of Object.entries(object)) {
      this.walk(value, [...path, key], source, joinPointer(sourcePointer, [key]));
    }
  }

  private rewriteReference(
    object: JsonObject,
    path: string[],
    source: SourceFile,
    sourcePointer: string,
  ): void {
    const reference = object.$ref as string;
    const fail = (reason: string): never => {
      throw new SpecError(source.displayPath, lineOf(source, sourcePointer), sourcePointer, reason);
    };

    // Step 1: find the file and the node the reference names.
    const hashIndex = reference.indexOf('#');
    const filePart = hashIndex === -1 ? reference : reference.slice(0, hashIndex);
    const fragment = hashIndex === -1 ? '' : decodeURIComponent(reference.slice(hashIndex + 1));
    if (/^[a-z][a-z0-9+.-]*:/i.test(filePart)) {
      fail(`$ref "${reference}" names a remote document; copy it into the spec folder instead`);
    }
    if (fragment !== '' && !fragment.startsWith('/')) {
      fail(`$ref "${reference}" has a fragment that is not a JSON pointer; use "#/path/to/node"`);
    }

    const target =
      filePart === '' ? source : this.load(resolve(dirname(source.absolutePath), filePart), fail);
    const targetNode = getAtPointer(target.data, parsePointer(fragment));
    if (targetNode === undefined) {
      const where = filePart === '' ? 'this file' : target.displayPath;
      fail(`cannot resolve $ref "${reference}": ${where} has no node at #${fragment}`);
    }

    // Step 2: references inside the root document that already point at a component stay.
    if (target === this.root && isComponentPointer(fragment)) return;

    // Step 3: a target copied before is shared by every reference to it.
    const key = `${target.absolutePath}#${fragment}`;
    const existing = this.copied.get(key);
    if (existing !== undefined) {
      object.$ref = `#${existing}`;
      return;
    }

    // Step 4: a reference that is itself a component slot, with nothing beside it, is replaced
    // by the target so the component keeps the name the author gave it.
    const siblings = Object.keys(object).filter((name) => name !== '$ref');
    if (path.length === 3 && path[0] === 'components' && siblings.length === 0) {
      const bundlePointer = joinPointer('', path);
      this.copied.set(key, bundlePointer);
      delete object.$ref;
      Object.assign(object, structuredClone(targetNode));
      this.origins.push({ bundlePointer, source: target, sourcePointer: fragment });
      this.walk(object, path, target, fragment);
      return;
    }

    // Step 5: otherwise copy the target into a new component and point the reference at it.
    const kind = componentKindAt(path);
    const name = this.uniqueComponentName(kind, target, fragment);
    this.document.components ??= {};
    const components = this.document.components as JsonObject;
    components[kind] ??= {};
    const group = components[kind] as JsonObject;
    const bundlePointer = joinPointer('', ['components', kind, name]);
    this.copied.set(key, bundlePointer);
    const copy = structuredClone(targetNode) as object;
    group[name] = copy;
    this.origins.push({ bundlePointer, source: target, sourcePointer: fragment });
    object.$ref = `#${bundlePointer}`;
    this.walk(copy, ['components', kind, name], target, fragment);
    this.walked.add(copy);
  }

  private load(absolutePath: string, fail: (reason: string) => never): SourceFile {
    const cached = this.sources.get(absolutePath);
    if (cached) return cached;

    let source: SourceFile;
    try {
      source = loadSourceFile(absolutePath);
    } catch (error) {
      if (error instanceof SpecError && error.reason.startsWith('cannot read')) {
        fail(`cannot resolve $ref to ${error.file}: ${error.reason}`);
      }
      throw error;
    }
    this.sources.set(absolutePath, source);
    return source;
  }

  private uniqueComponentName(kind: string, target: SourceFile, fragment: string): string {
    const tokens = parsePointer(fragment);
    const raw = tokens.at(-1) ?? basename(target.absolutePath, extname(target.absolutePath));
    const base = kind === 'schemas' ? toPascalCase(raw) : toIdentifier(raw);
    const group = ((this.document.components as JsonObject | undefined)?.[kind] ?? {}) as JsonObject;
    let name = base;
    for (let suffix = 2; Object.hasOwn(group, name); suffix += 1) name = `${base}${suffix}`;
    return name;
  }

  /** Checks that every `$ref` left in the bundle points under `#/components/` and resolves. */
  private checkInternalReferences(node: unknown, path: string[]): void {
    if (node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      node.forEach((item, index) => {
        this.checkInternalReferences(item, [...path, String(index)]);
      });
      return;
    }

    const object = node as JsonObject;
    if (typeof object.$ref === 'string') {
      const reference = object.$ref;
      const fragment = reference.startsWith('#') ? reference.slice(1) : undefined;
      const resolves =
        fragment !== undefined &&
        isComponentPointer(fragment) &&
        getAtPointer(this.document, parsePointer(fragment)) !== undefined;
      if (!resolves) {
        const { file, line, pointer } = this.result().locate(joinPointer('', path));
        throw new SpecError(file, line, pointer, `cannot resolve $ref "${reference}" in the bundle`);
      }
    }
    for (const [key, value] of Object.entries(object)) {
      this.checkInternalReferences(value, [...path, key]);
    }
  }
}

/** Rejects documents other than OpenAPI 3.1, which is what the checks and the type generator expect. */
function checkOpenApiVersion(root: SourceFile): void {
  const { openapi, swagger } = root.data as { openapi?: unknown; swagger?: unknown };
  if (typeof openapi === 'string' && /^3\.1\.\d+$/.test(openapi)) return;

  const found =
    swagger !== undefined ? `swagger: ${JSON.stringify(swagger)}` : `openapi: ${JSON.stringify(openapi)}`;
  const pointer = swagger !== undefined ? '/swagger' : '/openapi';
  const reason = `expected an OpenAPI 3.1 document ("openapi: 3.1.0"), found ${found}; convert the document to OpenAPI 3.1 first`;
  throw new SpecError(root.displayPath, lineOf(root, pointer), pointer, reason);
}

function isComponentPointer(fragment: string): boolean {
  const tokens = parsePointer(fragment);
  return tokens.length === 3 && tokens[0] === 'components' && COMPONENT_NAME.test(tokens[2] ?? '');
}

/** Chooses the Components Object map a copied target belongs to, from where it is referenced. */
function componentKindAt(path: readonly string[]): string {
  if (path.includes('schema') || (path[0] === 'components' && path[1] === 'schemas')) return 'schemas';

  const parent = path.at(-2);
  const last = path.at(-1);
  if (last === 'requestBody') return 'requestBodies';
  switch (parent) {
    case 'parameters':
    case 'responses':
    case 'headers':
    case 'examples':
    case 'links':
    case 'callbacks':
    case 'securitySchemes':
      return parent;
    case 'paths':
    case 'webhooks':
      return 'pathItems';
    default:
      return 'schemas';
  }
}

function toPascalCase(raw: string): string {
  const words = raw.split(/[^A-Za-z0-9]+/).filter(Boolean);
  const name = words.map((word) => word[0]?.toUpperCase() + word.slice(1)).join('');
  return name === '' ? 'Schema' : name;
}

function toIdentifier(raw: string): string {
  const name = raw.replace(/[^A-Za-z0-9._-]+/g, '_');
  return name === '' ? 'component' : name;
}
