import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DATASET_PROFILES,
  type DatasetFormat,
  DatasetGenerator,
  type DatasetManifest,
  HEAVY_PAIR_MIN_ROOMS,
  MAX_ROOMS_PER_USER,
  TYPICAL_PAIR_MAX_SHARED,
  TYPICAL_USER_MAX_ROOMS,
  writeDataset,
} from '../../bench/dataset.js';
import { readMembershipRecords } from '../../src/import/reader.js';
import { isRoomId, isUserId } from '../../src/matrix/identifiers.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { MEMBERSHIPS, type MembershipRecord } from '../../src/store/types.js';

/** Collects everything written to the stream into one string. */
class TextSink extends Writable {
  text = '';

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.text += chunk.toString('utf8');
    callback();
  }
}

async function generateText(seed: number, format: DatasetFormat = 'ndjson') {
  const sink = new TextSink();
  const manifest = await writeDataset(new DatasetGenerator({ size: 'small', seed }), sink, format);
  return { text: sink.text, manifest };
}

async function readRecords(text: string, format: DatasetFormat): Promise<MembershipRecord[]> {
  const records: MembershipRecord[] = [];
  const source = { path: `dataset.${format}`, stream: Readable.from([text]) };
  for await (const record of readMembershipRecords(source, { format })) records.push(record);
  return records;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('dataset generator determinism', () => {
  it('gives identical bytes and manifest for one seed', async () => {
    const first = await generateText(42);
    const second = await generateText(42);
    expect(sha256(first.text)).toBe(sha256(second.text));
    expect(second.manifest).toEqual(first.manifest);
  });

  it('gives different bytes for another seed', async () => {
    const first = await generateText(42);
    const other = await generateText(43);
    expect(sha256(other.text)).not.toBe(sha256(first.text));
  });

  it('gives the same records in NDJSON and CSV', async () => {
    const ndjson = await generateText(5, 'ndjson');
    const csv = await generateText(5, 'csv');
    expect(csv.text.startsWith('room_id,user_id,membership\n')).toBe(true);
    expect(await readRecords(csv.text, 'csv')).toEqual(await readRecords(ndjson.text, 'ndjson'));
  });

  it('rejects a second iteration', () => {
    const generator = new DatasetGenerator({ size: 'small', seed: 1 });
    generator.records().next();
    expect(() => generator.records().next()).toThrow(/already called/);
  });

  it('has no manifest before the last record', () => {
    const generator = new DatasetGenerator({ size: 'small', seed: 1 });
    expect(() => generator.manifest()).toThrow(/iterated to the end/);
  });
});

describe('dataset profiles', () => {
  it.each([
    ['small', 10_000],
    ['medium', 1_000_000],
    ['large', 10_000_000],
  ] as const)('%s has %i memberships', (size, memberships) => {
    expect(DATASET_PROFILES[size].memberships).toBe(memberships);
  });
});

describe('dataset generator records', () => {
  let records: MembershipRecord[];
  let manifest: DatasetManifest;

  beforeAll(async () => {
    const generated = await generateText(7);
    manifest = generated.manifest;
    // The reader of `mutual-rooms import` rejects any invalid line with its reason.
    records = await readRecords(generated.text, 'ndjson');
  });

  it('produces exactly the small size', () => {
    expect(records).toHaveLength(DATASET_PROFILES.small.memberships);
    expect(manifest.memberships).toBe(10_000);
  });

  it('produces valid room IDs, user IDs and memberships', () => {
    expect(records.filter((record) => !isRoomId(record.roomId))).toEqual([]);
    expect(records.filter((record) => !isUserId(record.userId))).toEqual([]);
    expect(records.filter((record) => !MEMBERSHIPS.includes(record.membership))).toEqual([]);
  });

  it('produces each room and user pair once', () => {
    const pairs = new Set(records.map((record) => `${record.roomId} ${record.userId}`));
    expect(pairs.size).toBe(records.length);
  });

  it('mixes memberships, mostly join', () => {
    const counts = Object.fromEntries(
      MEMBERSHIPS.map((m) => [m, records.filter((r) => r.membership === m).length]),
    );
    expect(counts).toEqual(manifest.membershipCounts);
    expect(counts.join).toBeGreaterThan(0.8 * records.length);
    for (const membership of MEMBERSHIPS) expect(counts[membership], membership).toBeGreaterThan(0);
  });

  it('places each user in 1 to 10,000 rooms', () => {
    const roomsPerUser = new Map<string, number>();
    for (const record of records) roomsPerUser.set(record.userId, (roomsPerUser.get(record.userId) ?? 0) + 1);
    const counts = [...roomsPerUser.values()];
    expect(Math.min(...counts)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...counts)).toBe(manifest.maxRoomsPerUser);
    expect(manifest.maxRoomsPerUser).toBeLessThanOrEqual(MAX_ROOMS_PER_USER);
    expect(roomsPerUser.size).toBe(manifest.users);
  });

  it('draws skewed room sizes', () => {
    const sizes = new Map<string, number>();
    for (const record of records) sizes.set(record.roomId, (sizes.get(record.roomId) ?? 0) + 1);
    const sorted = [...sizes.values()].sort((a, b) => a - b);
    expect(sizes.size).toBe(manifest.rooms);
    expect(sorted.at(-1)).toBe(manifest.largestRoom);
    // Zipf sizes: the median room is small while the largest has hundreds of members.
    expect(sorted[Math.floor(sorted.length / 2)]).toBeLessThanOrEqual(5);
    expect(manifest.largestRoom).toBeGreaterThan(100);
  });

  it('records typical pairs within the limits', () => {
    expect(manifest.typicalPairs.length).toBeGreaterThanOrEqual(8);
    for (const pair of manifest.typicalPairs) {
      expect(pair.sharedRooms).toBeGreaterThanOrEqual(1);
      expect(pair.sharedRooms).toBeLessThanOrEqual(TYPICAL_PAIR_MAX_SHARED);
      expect(Math.max(pair.roomsA, pair.roomsB)).toBeLessThanOrEqual(TYPICAL_USER_MAX_ROOMS);
    }
  });
});

describe('dataset manifest counts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mutual-rooms-bench-dataset-'));
  let store: SqliteStore;
  let manifest: DatasetManifest;

  beforeAll(async () => {
    const generator = new DatasetGenerator({ size: 'small', seed: 11 });
    store = SqliteStore.open(join(dir, 'small.db'));
    await store.importMemberships(
      (async function* () {
        yield* generator.records();
      })(),
    );
    manifest = generator.manifest();
  });

  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('match the store for every pair', async () => {
    const pairs = [...manifest.typicalPairs, ...manifest.heavyPairs];
    expect(manifest.heavyPairs.length).toBeGreaterThan(0);
    for (const pair of pairs) {
      const page = await store.mutualRooms(pair.userA, pair.userB, { limit: 1 });
      expect(page.count, `${pair.userA} with ${pair.userB}`).toBe(pair.sharedRooms);
    }
  });
});

describe('dataset generator at medium size', () => {
  it('plants heavy pairs of 5,000+ joined rooms each', { timeout: 120_000 }, () => {
    const generator = new DatasetGenerator({ size: 'medium', seed: 1 });
    const joined = new Map<string, Set<string>>();
    let records = 0;
    for (const record of generator.records()) {
      records += 1;
      if (record.membership !== 'join' || !record.userId.startsWith('@heavy')) continue;
      let rooms = joined.get(record.userId);
      if (rooms === undefined) {
        rooms = new Set();
        joined.set(record.userId, rooms);
      }
      rooms.add(record.roomId);
    }
    const manifest = generator.manifest();

    expect(records).toBe(1_000_000);
    expect(manifest.heavyThreshold).toBe(HEAVY_PAIR_MIN_ROOMS);
    expect(manifest.heavyPairs.length).toBeGreaterThanOrEqual(3);
    for (const pair of manifest.heavyPairs) {
      const roomsA = joined.get(pair.userA) ?? new Set<string>();
      const roomsB = joined.get(pair.userB) ?? new Set<string>();
      const shared = [...roomsA].filter((roomId) => roomsB.has(roomId)).length;
      expect(roomsA.size).toBe(pair.roomsA);
      expect(roomsB.size).toBe(pair.roomsB);
      expect(Math.min(roomsA.size, roomsB.size)).toBeGreaterThanOrEqual(HEAVY_PAIR_MIN_ROOMS);
      expect(shared).toBe(pair.sharedRooms);
    }
  });
});

describe('dataset streaming', () => {
  it('reads ahead only a few chunks of a slow output', async () => {
    const generator = new DatasetGenerator({ size: 'small', seed: 3 });
    let linesWritten = 0;
    let maxLead = 0;
    const slow = new Writable({
      highWaterMark: 1,
      write(chunk: Buffer, _encoding, callback) {
        linesWritten += chunk.toString('utf8').split('\n').length - 1;
        maxLead = Math.max(maxLead, generator.produced - linesWritten);
        setTimeout(callback, 1);
      },
    });
    await writeDataset(generator, slow, 'ndjson');

    expect(linesWritten).toBe(10_000);
    // Four chunks of 512 lines wait in the stream, one more is being formatted.
    expect(maxLead).toBeLessThanOrEqual(6 * 512);
  });

  it('writes the same bytes from the CLI', async () => {
    const expected = await generateText(9, 'csv');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        '--import',
        'tsx',
        'bench/dataset.ts',
        '--size',
        'small',
        '--seed',
        '9',
        '--format',
        'csv',
        '--manifest',
        '/dev/null',
      ],
      { maxBuffer: 16 * 2 ** 20 },
    );
    expect(sha256(stdout)).toBe(sha256(expected.text));
  });

  it('writes the manifest next to the CLI output file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mutual-rooms-bench-cli-'));
    try {
      const out = join(dir, 'small.ndjson');
      await promisify(execFile)(process.execPath, [
        '--import',
        'tsx',
        'bench/dataset.ts',
        '--seed',
        '9',
        '--out',
        out,
      ]);
      const manifest = JSON.parse(readFileSync(`${out}.manifest.json`, 'utf8')) as DatasetManifest;
      const expected = await generateText(9);
      expect(manifest).toEqual(expected.manifest);
      expect(readFileSync(out, 'utf8')).toBe(expected.text);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
