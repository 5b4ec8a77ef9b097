import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidUtf8Error, LineSplitter, LineTooLongError } from '../../src/import/lines.js';

/** Feeds `chunks` to a new splitter and returns every line, or the error it threw. */
function split(chunks: readonly (string | Buffer)[], maxLineBytes = 1024): string[] | LineTooLongError {
  const splitter = new LineSplitter(maxLineBytes);
  const lines: string[] = [];
  try {
    for (const chunk of chunks) lines.push(...splitter.push(Buffer.from(chunk)));
    lines.push(...splitter.end());
  } catch (error) {
    if (error instanceof LineTooLongError) return error;
    throw error;
  }
  return lines;
}

/** Returns the lines of `text` as the splitter defines them: LF or CRLF ends a line. */
function expectedLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n').map((line) => line.replace(/\r$/, ''));
  return text.endsWith('\n') ? lines.slice(0, -1) : lines;
}

/** Cuts the UTF-8 bytes of `text` at the given offsets, possibly inside a character. */
function cut(text: string, offsets: readonly number[]): Buffer[] {
  const bytes = Buffer.from(text);
  const points = [...new Set(offsets.map((offset) => offset % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let start = 0;
  for (const point of points) {
    chunks.push(bytes.subarray(start, point));
    start = point;
  }
  chunks.push(bytes.subarray(start));
  return chunks;
}

describe('LineSplitter', () => {
  it.each([
    ['LF line ends', ['a\nb\n'], ['a', 'b']],
    ['CRLF line ends', ['a\r\nb\r\n'], ['a', 'b']],
    ['a last line without line end', ['a\nb'], ['a', 'b']],
    ['blank lines', ['\n\na\n\n'], ['', '', 'a', '']],
    ['a line across chunks', ['ab', 'c', 'd\ne'], ['abcd', 'e']],
    ['CR and LF in different chunks', ['a\r', '\nb'], ['a', 'b']],
    ['a chunk that is only a line end', ['a', '\n', 'b'], ['a', 'b']],
    [
      'a character split between chunks',
      [Buffer.from('é\n').subarray(0, 1), Buffer.from('é\n').subarray(1)],
      ['é'],
    ],
    ['a CR inside a line', ['a\rb\n'], ['a\rb']],
    ['no input', [], []],
  ])('splits %s', (_name, chunks, lines) => {
    expect(split(chunks)).toEqual(lines);
  });

  it('splits any text the same for any chunking', () => {
    const pieces = fc.constantFrom('a', 'b', '\r', '\n', '\r\n', 'é', '😀', '{}');
    const text = fc.array(pieces, { maxLength: 40 }).map((parts) => parts.join(''));
    fc.assert(
      fc.property(text, fc.array(fc.nat(), { maxLength: 8 }), (value, offsets) => {
        expect(split(cut(value, offsets))).toEqual(expectedLines(value));
      }),
    );
  });

  it.each([
    ['exactly the limit', ['1234\n'], ['1234']],
    ['the limit with a CRLF line end', ['1234\r\n'], ['1234']],
    ['the limit across chunks with a CR', ['12', '34\r', '\n'], ['1234']],
    ['the limit in multi-byte characters', ['éé\n'], ['éé']],
  ])('accepts a line of %s', (_name, chunks, lines) => {
    expect(split(chunks, 4)).toEqual(lines);
  });

  it.each([
    ['inside one chunk', ['a\nb\n12345\nc\n'], 3],
    ['across chunks', ['a\n123', '45'], 2],
    ['growing over many chunks', ['a\nb\n', '1', '2', '3', '4', '5', '6'], 3],
    ['as the last line', ['a\n12345'], 2],
    ['in multi-byte characters', ['ééé\n'], 1],
    ['with a CR that is not a line end', ['1234\r5\n'], 1],
  ])('rejects a line over the limit %s with its number', (_name, chunks, line) => {
    const error = split(chunks, 4);
    expect(error).toBeInstanceOf(LineTooLongError);
    expect((error as LineTooLongError).line).toBe(line);
    expect((error as LineTooLongError).message).toContain('longer than 4 bytes');
  });

  it('returns the lines before an overlong line first', () => {
    const splitter = new LineSplitter(4);
    expect(splitter.push(Buffer.from('a\nb\n123456789'))).toEqual(['a', 'b']);
    expect(() => splitter.push(Buffer.from('\nc\n'))).toThrow(LineTooLongError);
  });

  it.each([0, -1, 1.5])('rejects a maximum of %s', (max) => {
    expect(() => new LineSplitter(max)).toThrow(RangeError);
  });
});

describe('LineSplitter on bytes that are not UTF-8', () => {
  it.each([
    { name: 'invalid byte in the second line', chunks: ['{"a":1}\n', '{"b":"\xff"}\n'], want: 2 },
    { name: 'Latin-1 in the first line', chunks: ['caf\xe9\n'], want: 1 },
    { name: 'invalid byte in a last line without newline', chunks: ['ok\nok\n\xfe'], want: 3 },
    { name: 'invalid byte in a line split across chunks', chunks: ['ok\nab', 'c\xffd\n'], want: 2 },
  ])('rejects $name with its line number', ({ chunks, want }) => {
    const splitter = new LineSplitter(1024);
    let thrown: unknown;
    try {
      for (const chunk of chunks) splitter.push(Buffer.from(chunk, 'latin1'));
      splitter.end();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidUtf8Error);
    expect((thrown as InvalidUtf8Error).line).toBe(want);
  });

  it('keeps a real U+FFFD character', () => {
    const splitter = new LineSplitter(1024);
    expect(splitter.push(Buffer.from('a\uFFFDb\n', 'utf8'))).toEqual(['a\uFFFDb']);
  });
});
