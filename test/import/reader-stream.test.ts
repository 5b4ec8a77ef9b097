import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ImportError } from '../../src/import/errors.js';
import { type ReadOptions, readMembershipRecords } from '../../src/import/reader.js';
import type { MembershipRecord } from '../../src/store/types.js';

const line = (room: number) =>
  `${JSON.stringify({ room_id: `!r${room}:example.org`, user_id: '@a:example.org', membership: 'join' })}\n`;

async function readAll(stream: Readable, options: ReadOptions = {}): Promise<MembershipRecord[]> {
  const records: MembershipRecord[] = [];
  for await (const record of readMembershipRecords({ path: 'input', stream }, options)) records.push(record);
  return records;
}

async function failure(stream: Readable, options: ReadOptions = {}): Promise<ImportError> {
  try {
    await readAll(stream, options);
  } catch (error) {
    if (error instanceof ImportError) return error;
    throw error;
  }
  throw new Error('expected an ImportError');
}

/** Splits `text` into byte chunks of `size`, as a file stream with a small buffer would. */
function chunked(text: string, size: number): Readable {
  const bytes = Buffer.from(text);
  const chunks: Buffer[] = [];
  for (let start = 0; start < bytes.length; start += size) chunks.push(bytes.subarray(start, start + size));
  return Readable.from(chunks);
}

describe('membership reader on streams', () => {
  it('reads records from byte chunks that split lines and characters', async () => {
    const text = `${line(1)}{"room_id":"!é:example.org","user_id":"@a:example.org","membership":"leave"}\r\n${line(3)}`;
    const records = await readAll(chunked(text, 7));
    expect(records.map((record) => record.roomId)).toEqual([
      '!r1:example.org',
      '!é:example.org',
      '!r3:example.org',
    ]);
  });

  it('numbers lines across chunks in errors', async () => {
    const text = `${line(1)}\n${line(2)}${line(3)}{"room_id": 5}\n${line(5)}`;
    const error = await failure(chunked(text, 5));
    expect(error.line).toBe(5);
    expect(error.message).toBe('input:5: room_id must be a string');
  });

  it('rejects a line over the limit with its number', async () => {
    const text = `${line(1)}${line(2)}{"room_id":"${'x'.repeat(200)}"}\n${line(4)}`;
    const error = await failure(chunked(text, 16), { maxLineBytes: 100 });
    expect(error.line).toBe(3);
    expect(error.message).toBe(
      'input:3: the line is longer than 100 bytes; put each record on a line of its own',
    );
  });

  it('reports an invalid line before a later overlong line of the same chunk', async () => {
    const text = `${line(1)}{}\n${'x'.repeat(200)}\n`;
    const error = await failure(Readable.from([text]), { maxLineBytes: 100 });
    expect(error.line).toBe(2);
  });

  it('hands over the records of each chunk as one batch', async () => {
    const stream = Readable.from([Buffer.from(`${line(1)}${line(2)}`), Buffer.from(`${line(3)}\n`)]);
    const batches: string[][] = [];
    for await (const batch of readMembershipRecords({ path: 'input', stream }).batches()) {
      batches.push(batch.map((record) => record.roomId));
    }
    expect(batches).toEqual([['!r1:example.org', '!r2:example.org'], ['!r3:example.org']]);
  });

  it('yields the records before an invalid line of the same chunk', async () => {
    const records: string[] = [];
    const stream = Readable.from([`${line(1)}${line(2)}{}\n${line(4)}`]);
    await expect(async () => {
      for await (const record of readMembershipRecords({ path: 'input', stream }))
        records.push(record.roomId);
    }).rejects.toThrow('input:3:');
    expect(records).toEqual(['!r1:example.org', '!r2:example.org']);
  });

  it('reads the stream only as fast as records are taken', async () => {
    let chunksRead = 0;
    function* chunks() {
      for (let room = 0; room < 1000; room += 1) {
        chunksRead += 1;
        yield Buffer.from(line(room));
      }
    }
    const stream = Readable.from(chunks(), { objectMode: false, highWaterMark: 256 });
    const records = readMembershipRecords({ path: 'input', stream });
    const first = await records.next();
    await records.return(undefined);

    expect(first.value).toEqual({ roomId: '!r0:example.org', userId: '@a:example.org', membership: 'join' });
    expect(chunksRead).toBeLessThan(100);
    expect(stream.destroyed).toBe(true);
  });
});
