import type { Readable } from 'node:stream';
import type { BatchedRecords, MembershipRecord } from '../store/types.js';
import { parseCsvHeader, splitCsvLine } from './csv.js';
import { ImportError, InvalidLineError } from './errors.js';
import { LineReadError, LineSplitter } from './lines.js';
import { parseNdjsonLine } from './records.js';

/**
 * Default maximum line length in bytes. The Matrix spec caps a whole event at 65,536 bytes, so
 * a longer line is not one membership record but, for example, a file without line ends.
 */
export const MAX_LINE_BYTES = 1024 * 1024;

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
  /** Longest accepted line in bytes, line end excluded; default {@link MAX_LINE_BYTES}. */
  readonly maxLineBytes?: number;
}

/**
 * Streams membership records from NDJSON or CSV, chunk by chunk, so input of any size uses
 * constant memory. The stream is read only as fast as the records are consumed. Lines end with
 * LF or CRLF, and blank lines are skipped. The first invalid or overlong line throws an
 * ImportError with the path, line number and reason, after the records of the lines before it.
 *
 * The result can also be read a batch at a time through `batches()`, the records of one chunk of
 * the stream each, as `SqliteStore.importMemberships` does. Read it one way only: both share
 * one reader.
 */
export function readMembershipRecords(
  source: ImportSource,
  options: ReadOptions = {},
): AsyncGenerator<MembershipRecord> & BatchedRecords {
  const batches = readMembershipBatches(source, options);
  return Object.assign(flattenBatches(batches), { batches: () => batches });
}

async function* flattenBatches(
  batches: AsyncIterable<readonly MembershipRecord[]>,
): AsyncGenerator<MembershipRecord> {
  for await (const batch of batches) yield* batch;
}

/** Yields the records of each chunk of the stream as one array. */
async function* readMembershipBatches(
  source: ImportSource,
  options: ReadOptions,
): AsyncGenerator<MembershipRecord[]> {
  const splitter = new LineSplitter(options.maxLineBytes ?? MAX_LINE_BYTES);
  const progressEvery = options.progressEvery ?? 10_000;
  let parse: ((line: string) => MembershipRecord | undefined) | undefined;
  let lineNumber = 0;

  const toRecord = (rawLine: string): MembershipRecord | undefined => {
    lineNumber += 1;
    const line = lineNumber === 1 ? rawLine.replace(/^\uFEFF/, '') : rawLine;
    if (lineNumber % progressEvery === 0)
      options.onProgress?.({ lines: lineNumber, bytes: bytesRead(source.stream) });
    if (line.trim() === '') return undefined;

    parse ??= createLineParser(options.format ?? detectFormat(line));
    return parseLine(parse, line, source.path, lineNumber);
  };

  // Records parsed before an invalid line are yielded before its error is thrown.
  const batch: MembershipRecord[] = [];
  let failure: unknown;
  const addLines = (lines: readonly string[]) => {
    try {
      for (const line of lines) {
        const record = toRecord(line);
        if (record !== undefined) batch.push(record);
      }
    } catch (error) {
      failure = error;
    }
  };
  const takeBatch = () => batch.splice(0);

  for await (const chunk of source.stream as AsyncIterable<Buffer | string | Uint8Array>) {
    addLines(splitLines(splitter, toBuffer(chunk), source.path));
    if (batch.length > 0) yield takeBatch();
    if (failure !== undefined) throw failure;
  }
  addLines(splitLines(splitter, undefined, source.path));
  if (batch.length > 0) yield takeBatch();
  if (failure !== undefined) throw failure;
  options.onProgress?.({ lines: lineNumber, bytes: bytesRead(source.stream) });
}

/** Returns the lines that `chunk` completes, or the last line at the end of the input. */
function splitLines(splitter: LineSplitter, chunk: Buffer | undefined, path: string): string[] {
  try {
    return chunk === undefined ? splitter.end() : splitter.push(chunk);
  } catch (error) {
    if (error instanceof LineReadError) throw new ImportError(path, error.line, error.message);
    throw error;
  }
}

/** Streams in object mode or with an encoding set yield strings, such as `Readable.from([text])`. */
function toBuffer(chunk: Buffer | string | Uint8Array): Buffer {
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
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
