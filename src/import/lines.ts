/**
 * Splits a byte stream into lines ending in LF or CRLF, chunk by chunk. `Buffer.indexOf` finds
 * the newline bytes, and the complete lines of a chunk are decoded from UTF-8 in one call, which
 * is several times faster than `node:readline`. A newline byte never occurs inside a multi-byte
 * UTF-8 sequence, so splitting bytes at it never cuts a character.
 */

import { isUtf8 } from 'node:buffer';

/** A line that cannot be read, with its 1-based number. */
export class LineReadError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

/** A line that exceeds the maximum length. */
export class LineTooLongError extends LineReadError {
  override readonly name = 'LineTooLongError';

  constructor(
    line: number,
    readonly maxLineBytes: number,
  ) {
    super(line, `the line is longer than ${maxLineBytes} bytes; put each record on a line of its own`);
  }
}

/** A line whose bytes are not UTF-8; decoding would silently turn them into U+FFFD. */
export class InvalidUtf8Error extends LineReadError {
  override readonly name = 'InvalidUtf8Error';

  constructor(line: number) {
    super(line, 'the line is not valid UTF-8; convert the file to UTF-8 and import it again');
  }
}

const LF = 0x0a;

/**
 * Turns chunks into complete lines and keeps a partial last line until the chunk that ends it.
 * A line longer than `maxLineBytes` (without its line end) is not kept: the next call of `push`
 * or `end` throws a LineTooLongError, so the lines before it are returned and checked first.
 */
export class LineSplitter {
  readonly #maxLineBytes: number;
  /** The bytes of the line still open at the end of the last chunk. */
  #partial: Buffer[] = [];
  #partialBytes = 0;
  /** Lines returned so far. */
  #lines = 0;
  #tooLong: LineTooLongError | undefined;

  constructor(maxLineBytes: number) {
    if (!Number.isInteger(maxLineBytes) || maxLineBytes < 1) {
      throw new RangeError(`maximum line length must be a positive integer, got ${maxLineBytes}`);
    }
    this.#maxLineBytes = maxLineBytes;
  }

  /** Returns the lines that `chunk` completes, without their line ends. */
  push(chunk: Buffer): string[] {
    if (this.#tooLong !== undefined) throw this.#tooLong;
    const lines: string[] = [];
    let start = 0;

    // The first line of the chunk completes the partial line of earlier chunks.
    if (this.#partialBytes > 0) {
      const newline = chunk.indexOf(LF);
      if (newline === -1) {
        this.#keepPartial(chunk);
        return lines;
      }
      this.#keepPartial(chunk.subarray(0, newline));
      if (this.#tooLong !== undefined) return lines;
      this.#addLine(lines, this.#decode(Buffer.concat(this.#partial, this.#partialBytes)));
      this.#partial = [];
      this.#partialBytes = 0;
      start = newline + 1;
    }

    const lastNewline = chunk.lastIndexOf(LF);
    if (lastNewline >= start) {
      const text = this.#decode(chunk.subarray(start, lastNewline));
      let lineStart = 0;
      while (this.#tooLong === undefined) {
        const newline = text.indexOf('\n', lineStart);
        if (newline === -1) {
          this.#addLine(lines, text.slice(lineStart));
          break;
        }
        this.#addLine(lines, text.slice(lineStart, newline));
        lineStart = newline + 1;
      }
      start = lastNewline + 1;
    }
    if (start < chunk.length && this.#tooLong === undefined) this.#keepPartial(chunk.subarray(start));
    return lines;
  }

  /** Returns the last line when the input does not end with a line end. */
  end(): string[] {
    if (this.#tooLong !== undefined) throw this.#tooLong;
    if (this.#partialBytes === 0) return [];
    const lines: string[] = [];
    this.#addLine(lines, this.#decode(Buffer.concat(this.#partial, this.#partialBytes)));
    this.#partial = [];
    this.#partialBytes = 0;
    if (this.#tooLong !== undefined) throw this.#tooLong;
    return lines;
  }

  /**
   * Decodes whole lines from UTF-8, the next of which is line `#lines + 1`. `isUtf8` checks the
   * bytes first because `toString` would replace invalid sequences with U+FFFD.
   */
  #decode(bytes: Buffer): string {
    if (isUtf8(bytes)) return bytes.toString('utf8');
    let lineStart = 0;
    let line = this.#lines + 1;
    for (;;) {
      const newline = bytes.indexOf(LF, lineStart);
      const end = newline === -1 ? bytes.length : newline;
      if (!isUtf8(bytes.subarray(lineStart, end))) throw new InvalidUtf8Error(line);
      lineStart = end + 1;
      line += 1;
    }
  }

  #keepPartial(bytes: Buffer): void {
    this.#partialBytes += bytes.length;
    if (this.#partialBytes > this.#maxLineBytes + 1) {
      // One byte more than the limit may be the CR of a CRLF line end.
      this.#markTooLong();
      return;
    }
    this.#partial.push(bytes);
  }

  #addLine(lines: string[], text: string): void {
    const line = text.endsWith('\r') ? text.slice(0, -1) : text;
    // A UTF-16 code unit takes at most 3 bytes in UTF-8, so short lines need no byte count.
    if (line.length * 3 > this.#maxLineBytes && Buffer.byteLength(line, 'utf8') > this.#maxLineBytes) {
      this.#markTooLong();
      return;
    }
    this.#lines += 1;
    lines.push(line);
  }

  #markTooLong(): void {
    this.#tooLong = new LineTooLongError(this.#lines + 1, this.#maxLineBytes);
    this.#partial = [];
    this.#partialBytes = 0;
  }
}
