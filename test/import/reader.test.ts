import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { splitCsvLine } from '../../src/import/csv.js';
import { ImportError } from '../../src/import/errors.js';
import { type ImportFormat, readMembershipRecords } from '../../src/import/reader.js';
import type { MembershipRecord } from '../../src/store/types.js';

async function read(text: string, format?: ImportFormat): Promise<MembershipRecord[]> {
  const records: MembershipRecord[] = [];
  for await (const record of readMembershipRecords(
    { path: 'input', stream: Readable.from([text]) },
    { format },
  )) {
    records.push(record);
  }
  return records;
}

async function failure(text: string): Promise<ImportError> {
  try {
    await read(text);
  } catch (error) {
    if (error instanceof ImportError) return error;
    throw error;
  }
  throw new Error('expected an ImportError');
}

const RECORD = { roomId: '!r:example.org', userId: '@a:example.org', membership: 'join' };

describe('membership reader', () => {
  it.each([
    ['NDJSON record', '{"room_id":"!r:example.org","user_id":"@a:example.org","membership":"join"}\n'],
    [
      'm.room.member event',
      '{"type":"m.room.member","room_id":"!r:example.org","state_key":"@a:example.org","sender":"@x:example.org","content":{"membership":"join","displayname":"A"}}\n',
    ],
    ['CSV', 'room_id,user_id,membership\n!r:example.org,@a:example.org,join\n'],
    ['CSV with reordered columns', 'membership,room_id,user_id\njoin,!r:example.org,@a:example.org\n'],
    ['CSV with quoted fields', 'room_id,user_id,membership\n"!r:example.org","@a:example.org","join"\n'],
    ['CRLF line ends', 'room_id,user_id,membership\r\n!r:example.org,@a:example.org,join\r\n'],
    ['a byte order mark', '\uFEFFroom_id,user_id,membership\n!r:example.org,@a:example.org,join'],
    ['blank lines', '\n\n{"room_id":"!r:example.org","user_id":"@a:example.org","membership":"join"}\n\n'],
  ])('reads %s', async (_name, text) => {
    expect(await read(text)).toEqual([RECORD]);
  });

  it('reads quoted commas and quotes in CSV fields', async () => {
    const records = await read('room_id,user_id,membership\n"!a,""b"":example.org",@a:example.org,leave\n');
    expect(records).toEqual([
      { roomId: '!a,"b":example.org', userId: '@a:example.org', membership: 'leave' },
    ]);
  });

  it('reads every membership kind', async () => {
    const lines = ['join', 'invite', 'leave', 'ban', 'knock'].map(
      (membership, i) =>
        `{"room_id":"!r${i}:example.org","user_id":"@a:example.org","membership":"${membership}"}`,
    );
    expect((await read(lines.join('\n'))).map((record) => record.membership)).toEqual([
      'join',
      'invite',
      'leave',
      'ban',
      'knock',
    ]);
  });

  it.each([
    ['invalid JSON', '{"room_id": ', 1, 'invalid JSON'],
    ['a JSON array', '[1]', 1, 'must be a JSON object'],
    ['another event type', '{"type":"m.room.message","room_id":"!r:example.org"}', 1, 'is not m.room.member'],
    [
      'an event without content',
      '{"type":"m.room.member","room_id":"!r:example.org","state_key":"@a:example.org"}',
      1,
      'content',
    ],
    [
      'an unknown membership',
      '{"room_id":"!r:example.org","user_id":"@a:example.org","membership":"joined"}',
      1,
      'membership "joined"',
    ],
    [
      'an invalid room ID',
      '{"room_id":"r:example.org","user_id":"@a:example.org","membership":"join"}',
      1,
      'room_id "r:example.org" is invalid',
    ],
    [
      'an invalid user ID',
      '{"room_id":"!r:example.org","user_id":"@:example.org","membership":"join"}',
      1,
      'user_id "@:example.org" is invalid',
    ],
    [
      'an invalid state_key',
      '{"type":"m.room.member","room_id":"!r:example.org","state_key":"a","content":{"membership":"join"}}',
      1,
      'state_key',
    ],
    [
      'a numeric user ID',
      '{"room_id":"!r:example.org","user_id":5,"membership":"join"}',
      1,
      'user_id must be a string',
    ],
    [
      'a bad line after good ones',
      `${'{"room_id":"!r:example.org","user_id":"@a:example.org","membership":"join"}\n'.repeat(3)}\n{`,
      5,
      'invalid JSON',
    ],
    ['a wrong CSV header', 'room,user,membership\n', 1, 'header must name the columns'],
    [
      'a CSV row with 2 fields',
      'room_id,user_id,membership\n!r:example.org,@a:example.org\n',
      2,
      'expected 3 fields, got 2',
    ],
    [
      'an unterminated quote',
      'room_id,user_id,membership\n"!r:example.org,@a:example.org,join\n',
      2,
      'unterminated',
    ],
  ])('rejects %s with line and reason', async (_name, text, line, reason) => {
    const error = await failure(text);
    expect(error.path).toBe('input');
    expect(error.line).toBe(line);
    expect(error.reason).toContain(reason);
    expect(error.message).toBe(`input:${line}: ${error.reason}`);
  });

  it('uses the given format over detection', async () => {
    await expect(read('room_id,user_id,membership\n', 'ndjson')).rejects.toThrow('input:1: invalid JSON');
  });

  it('reports progress with line counts', async () => {
    const text =
      `${JSON.stringify({ room_id: '!r:example.org', user_id: '@a:example.org', membership: 'join' })}\n`.repeat(
        25,
      );
    const seen: number[] = [];
    const source = { path: 'input', stream: Readable.from([text]) };
    for await (const _record of readMembershipRecords(source, {
      progressEvery: 10,
      onProgress: (p) => seen.push(p.lines),
    })) {
      // Drain the records.
    }
    expect(seen).toEqual([10, 20, 25]);
  });
});

describe('CSV line splitting', () => {
  it.each([
    ['a,b,c', ['a', 'b', 'c']],
    ['a,,c', ['a', '', 'c']],
    ['"a""b",c', ['a"b', 'c']],
    ['"",x', ['', 'x']],
    ['a,', ['a', '']],
  ])('%s', (line, fields) => {
    expect(splitCsvLine(line)).toEqual(fields);
  });

  it.each(['a"b,c', '"a"b,c'])('rejects %s', (line) => {
    expect(() => splitCsvLine(line)).toThrow();
  });
});
