import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { MembershipRecord } from '../store/types.js';
import { parseCsvHeader, splitCsvLine } from './csv.js';
import { ImportError, InvalidLineError } from './errors.js';
import { parseNdjsonLine } from './records.js';

export type ImportFormat = 'ndjson' | 'csv';

/** An input to import: a stream and the name used in messages ("-" for stdin). */
export interface ImportSource {
  readonly path: string;
  readonly stream: Readable;
}

/** How far the reader has got, reported every `progressEvery` lines. */
export interface ImportProgress {
  readonly lines: number;
  /** Bytes read from the stream so far, when the stream counts them. */
  readonly bytes: number | undefined;
}

export interface ReadOptions {
  /** Input format; detected from the first non-blank line when omitted (`{` or `[` means NDJSON). */
  readonly format?: ImportFormat;
  readonly onProgress?: (progress: ImportProgress) => void;
  readonly progressEvery?: number;
}

/**
 * Streams membership records from NDJSON or CSV, one line at a time, so input of any size uses
 * constant memory. Blank lines are skipped. The first invalid line throws an ImportError with
 * the path, line number and reason.
 */
export async function* readMembershipRecords(
  source: ImportSource,
  options: ReadOptions = {},
): AsyncGenerator<MembershipRecord> {
  const lines = createInterface({ input: source.stream, crlfDelay: Number.POSITIVE_INFINITY });
  const progressEvery = options.progressEvery ?? 10_000;
  let parse: ((line: string) => MembershipRecord | undefined) | undefined;
  let lineNumber = 0;

  try {
    for await (const rawLine of lines) {
      lineNumber += 1;
      const line = lineNumber === 1 ? rawLine.replace(/^\uFEFF/, '') : rawLine;
      if (lineNumber % progressEvery === 0)
        options.onProgress?.({ lines: lineNumber, bytes: bytesRead(source.stream) });
      if (line.trim() === '') continue;

      parse ??= createLineParser(options.format ?? detectFormat(line));
      const record = parseLine(parse, line, source.path, lineNumber);
      if (record !== undefined) yield record;
    }
  } finally {
    lines.close();
  }
  options.onProgress?.({ lines: lineNumber, bytes: bytesRead(source.stream) });
}

function parseLine(
  parse: (line: string) => MembershipRecord | undefined,
  line: string,
  path: string,
  lineNumber: number,
): MembershipRecord | undefined {
  try {
    return parse(line);
  } catch (error) {
    if (error instanceof InvalidLineError) throw new ImportError(path, lineNumber, error.message);
    throw error;
  }
}

/** A JSON object or array starts NDJSON; anything else must be a CSV header. */
function detectFormat(firstLine: string): ImportFormat {
  return /^\s*[[{]/.test(firstLine) ? 'ndjson' : 'csv';
}

/** Returns a parser for one format; the CSV parser reads the header from its first call. */
function createLineParser(format: ImportFormat): (line: string) => MembershipRecord | undefined {
  if (format === 'ndjson') return parseNdjsonLine;
  let toRecord: ((fields: string[]) => MembershipRecord) | undefined;
  return (line) => {
    if (toRecord === undefined) {
      toRecord = parseCsvHeader(line);
      return undefined;
    }
    return toRecord(splitCsvLine(line));
  };
}

function bytesRead(stream: Readable): number | undefined {
  const count = (stream as Readable & { bytesRead?: unknown }).bytesRead;
  return typeof count === 'number' ? count : undefined;
}
