/**
 * Seeded generator of membership graphs for the benchmarks, in the import format of
 * `mutual-rooms import`. Room sizes follow a Zipf law (P(size = k) proportional to k^-2), users
 * are drawn with Zipf weights (rank r weighs 1/r) and each user is in 1 to 10,000 rooms. A few
 * planted heavy users join a shared set of hub rooms, so pairs with thousands of mutual rooms
 * exist. Records are produced one at a time and never held all at once.
 *
 * Run as a CLI: `tsx bench/dataset.ts --size small [--seed 1] [--format csv] [--out FILE]`.
 */
import { createWriteStream } from 'node:fs';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { MEMBERSHIPS, type Membership, type MembershipRecord } from '../src/store/types.js';
import { deriveSeed, mix32, Random, WeightedSampler } from './prng.js';

/** The largest number of rooms one user is placed in. */
export const MAX_ROOMS_PER_USER = 10_000;
/** A typical pair shares at least one and at most this many joined rooms. */
export const TYPICAL_PAIR_MAX_SHARED = 50;
/** Each user of a typical pair has joined at most this many rooms. */
export const TYPICAL_USER_MAX_ROOMS = 1_000;
/** A heavy pair's users have each joined at least this many rooms, at medium size and above. */
export const HEAVY_PAIR_MIN_ROOMS = 5_000;

export type DatasetSize = 'small' | 'medium' | 'large';

/** Parameters of one dataset size. */
export interface DatasetProfile {
  /** Records in the output; each is a distinct (room, user) pair. */
  readonly memberships: number;
  /** Ordinary users that can be drawn, besides the heavy users. */
  readonly users: number;
  readonly maxRoomSize: number;
  /** Planted users who join most hub rooms. */
  readonly heavyUsers: number;
}

export const DATASET_PROFILES: Readonly<Record<DatasetSize, DatasetProfile>> = {
  small: { memberships: 10_000, users: 1_500, maxRoomSize: 500, heavyUsers: 3 },
  medium: { memberships: 1_000_000, users: 120_000, maxRoomSize: 20_000, heavyUsers: 4 },
  large: { memberships: 10_000_000, users: 1_000_000, maxRoomSize: 100_000, heavyUsers: 6 },
};

export function isDatasetSize(value: string): value is DatasetSize {
  return Object.hasOwn(DATASET_PROFILES, value);
}

/** Share of each membership state among generated records; mostly `join`. */
const MEMBERSHIP_SHARES: Readonly<Record<Membership, number>> = {
  join: 0.85,
  leave: 0.07,
  invite: 0.04,
  knock: 0.03,
  ban: 0.01,
};

const ROOM_SIZE_EXPONENT = 2;
const USER_RANK_EXPONENT = 1;
/** Probability that a heavy user takes part in a hub room. */
const HEAVY_HUB_PROBABILITY = 0.95;
/** Joined rooms a heavy user aims at: this share of all rooms, at most 7,000. */
const HEAVY_ROOM_SHARE = 0.3;
const HEAVY_ROOM_TARGET = 7_000;
/** Users tracked as typical-pair candidates, and the number of typical and heavy pairs kept. */
const TYPICAL_CANDIDATES = 400;
const TYPICAL_PAIRS = 16;
const HEAVY_PAIRS = 6;
/** Draws per member slot before a room is left smaller than its drawn size. */
const DRAW_ATTEMPTS = 32;

const SERVER_NAMES = ['example.org', 'example.com', 'chat.example.net', 'matrix.example.org'];
const ROOM_ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const ROOM_ID_LENGTH = 18;

// Independent random streams, so changing one part of the generator leaves the others alone.
const STREAM_MAIN = 1;
const STREAM_CANDIDATES = 2;
const STREAM_ROOM_IDS = 3;

export interface DatasetOptions {
  readonly size: DatasetSize;
  /** Any 32-bit integer; the same seed and size give the same records in the same order. */
  readonly seed: number;
}

/** Two users and the rooms they have joined, as recorded in the manifest. */
export interface DatasetPair {
  /** The requester of the benchmark requests. */
  readonly userA: string;
  /** The `user_id` of the benchmark requests. */
  readonly userB: string;
  /** Rooms both have joined: the `count` the API returns for this pair. */
  readonly sharedRooms: number;
  readonly roomsA: number;
  readonly roomsB: number;
}

/** Facts about a generated dataset, known once its last record was produced. */
export interface DatasetManifest {
  readonly seed: number;
  readonly size: DatasetSize;
  readonly profile: DatasetProfile;
  readonly memberships: number;
  readonly rooms: number;
  /** Users with at least one membership. */
  readonly users: number;
  readonly membershipCounts: Readonly<Record<Membership, number>>;
  readonly largestRoom: number;
  /** The maximum number of rooms one user has a membership in, in any state. */
  readonly maxRoomsPerUser: number;
  /** Joined rooms each user of a heavy pair has; 5,000 at medium and large size, less at small. */
  readonly heavyThreshold: number;
  readonly typicalPairs: readonly DatasetPair[];
  readonly heavyPairs: readonly DatasetPair[];
}

/** Returns the user ID of user `index`: heavy users first, then ordinary users by rank. */
function userIdOf(index: number, heavyUsers: number): string {
  if (index < heavyUsers) return `@heavy${index + 1}:example.org`;
  const rank = index - heavyUsers + 1;
  return `@user${rank}:${SERVER_NAMES[mix32(rank) % SERVER_NAMES.length]}`;
}

/**
 * Returns the room ID of room `index`: 18 random ASCII letters and a server name, the room ID
 * form of room versions 1 to 11.
 */
function roomIdOf(index: number, seed: number): string {
  const random = new Random(deriveSeed(deriveSeed(seed, STREAM_ROOM_IDS), index));
  let opaque = '';
  for (let i = 0; i < ROOM_ID_LENGTH; i += 1) {
    opaque += ROOM_ID_ALPHABET[random.nextInt(ROOM_ID_ALPHABET.length)];
  }
  return `!${opaque}:${SERVER_NAMES[index % SERVER_NAMES.length]}`;
}

function drawMembership(random: Random): Membership {
  let point = random.next();
  for (const membership of MEMBERSHIPS) {
    point -= MEMBERSHIP_SHARES[membership];
    if (point < 0) return membership;
  }
  return 'join';
}

function isTypical(pair: DatasetPair): boolean {
  const sharesSome = pair.sharedRooms >= 1 && pair.sharedRooms <= TYPICAL_PAIR_MAX_SHARED;
  return sharesSome && Math.max(pair.roomsA, pair.roomsB) <= TYPICAL_USER_MAX_ROOMS;
}

/** Counts the elements two ascending arrays have in common. */
function countCommon(left: readonly number[], right: readonly number[]): number {
  let i = 0;
  let j = 0;
  let common = 0;
  while (i < left.length && j < right.length) {
    const a = left[i] ?? 0;
    const b = right[j] ?? 0;
    if (a === b) {
      common += 1;
      i += 1;
      j += 1;
    } else if (a < b) {
      i += 1;
    } else {
      j += 1;
    }
  }
  return common;
}

/**
 * Picks up to TYPICAL_PAIRS pairs whose shared-room counts lie closest to targets spaced
 * log-uniformly from 1 to 50, so few-room and many-room pairs both appear.
 */
function spreadTypicalPairs(eligible: readonly DatasetPair[]): DatasetPair[] {
  const remaining = [...eligible];
  const chosen: DatasetPair[] = [];
  const pairsPerUser = new Map<string, number>();
  const overused = (pair: DatasetPair): boolean =>
    (pairsPerUser.get(pair.userA) ?? 0) >= 2 || (pairsPerUser.get(pair.userB) ?? 0) >= 2;

  for (let i = 0; i < TYPICAL_PAIRS; i += 1) {
    const target = TYPICAL_PAIR_MAX_SHARED ** (i / (TYPICAL_PAIRS - 1));
    let best: number | undefined;
    for (const [index, pair] of remaining.entries()) {
      if (overused(pair)) continue;
      const bestPair = best === undefined ? undefined : remaining[best];
      if (
        bestPair === undefined ||
        Math.abs(pair.sharedRooms - target) < Math.abs(bestPair.sharedRooms - target)
      ) {
        best = index;
      }
    }
    if (best === undefined) break;

    for (const pair of remaining.splice(best, 1)) {
      chosen.push(pair);
      for (const user of [pair.userA, pair.userB]) pairsPerUser.set(user, (pairsPerUser.get(user) ?? 0) + 1);
    }
  }
  return chosen.sort((x, y) => x.sharedRooms - y.sharedRooms);
}

/**
 * Generates one dataset. Iterate `records()` once, then read `manifest()`. Memory use is bounded
 * by the user count, the largest room and the joined rooms of the tracked users, not by the
 * number of memberships.
 */
export class DatasetGenerator {
  readonly size: DatasetSize;
  readonly seed: number;
  readonly profile: DatasetProfile;
  readonly #roomSizes: WeightedSampler;
  readonly #ordinaryUsers: WeightedSampler;
  readonly #hubProbability: number;
  readonly #heavyThreshold: number;
  /** Joined room indices, ascending, of heavy users and typical-pair candidates. */
  readonly #tracked = new Map<number, number[]>();
  #manifest: DatasetManifest | undefined;
  #started = false;
  #produced = 0;

  constructor(options: DatasetOptions) {
    this.size = options.size;
    this.seed = options.seed >>> 0;
    this.profile = DATASET_PROFILES[options.size];
    const { maxRoomSize, users, heavyUsers, memberships } = this.profile;

    this.#roomSizes = new WeightedSampler(maxRoomSize - 1, (i) => (i + 2) ** -ROOM_SIZE_EXPONENT, 2);
    this.#ordinaryUsers = new WeightedSampler(users, (i) => (i + 1) ** -USER_RANK_EXPONENT, heavyUsers);

    // Heavy users join hub rooms; the hub share is set so each reaches its joined-room target.
    const expectedRooms = memberships / this.#roomSizes.mean();
    const heavyTarget = Math.min(HEAVY_ROOM_TARGET, Math.floor(HEAVY_ROOM_SHARE * expectedRooms));
    const joinedPerHub = HEAVY_HUB_PROBABILITY * MEMBERSHIP_SHARES.join;
    this.#hubProbability = Math.min(0.5, heavyTarget / (joinedPerHub * expectedRooms));
    this.#heavyThreshold = Math.min(HEAVY_PAIR_MIN_ROOMS, Math.floor(0.2 * expectedRooms));

    for (let index = 0; index < heavyUsers; index += 1) this.#tracked.set(index, []);
    for (const index of this.#pickCandidates()) this.#tracked.set(index, []);
  }

  /** Candidates for typical pairs: ordinary users with ranks spread log-uniformly over the tail. */
  #pickCandidates(): number[] {
    const random = new Random(deriveSeed(this.seed, STREAM_CANDIDATES));
    const { users, heavyUsers } = this.profile;
    const lowest = Math.log(Math.min(5, users));
    const highest = Math.log(Math.max(5, Math.floor(users / 2)));
    const picked = new Set<number>();
    for (let i = 0; i < TYPICAL_CANDIDATES; i += 1) {
      const rank = Math.floor(Math.exp(lowest + random.next() * (highest - lowest)));
      picked.add(heavyUsers + Math.min(rank, users) - 1);
    }
    return [...picked].sort((a, b) => a - b);
  }

  /** Records yielded so far. */
  get produced(): number {
    return this.#produced;
  }

  /** Yields every record, room by room. Only one iteration per generator is allowed. */
  *records(): Generator<MembershipRecord, void, undefined> {
    if (this.#started)
      throw new Error('DatasetGenerator.records() was already called; create a new generator');
    this.#started = true;

    const { memberships, users, heavyUsers } = this.profile;
    const random = new Random(deriveSeed(this.seed, STREAM_MAIN));
    const roomsPerUser = new Uint16Array(heavyUsers + users);
    const counts: Record<Membership, number> = { join: 0, leave: 0, invite: 0, knock: 0, ban: 0 };
    let emitted = 0;
    let roomIndex = 0;
    let largestRoom = 0;
    let emptyRoomsInARow = 0;

    while (emitted < memberships) {
      const members = this.#drawRoom(random, roomsPerUser, memberships - emitted);
      if (members.length === 0) {
        emptyRoomsInARow += 1;
        if (emptyRoomsInARow > 1000) {
          throw new Error(
            `failed to place memberships after ${emitted}: 1000 rooms in a row found no user below ` +
              `the limit of ${MAX_ROOMS_PER_USER} rooms; give the profile more users`,
          );
        }
        continue;
      }
      emptyRoomsInARow = 0;

      const roomId = roomIdOf(roomIndex, this.seed);
      for (const user of members) {
        const membership = drawMembership(random);
        counts[membership] += 1;
        roomsPerUser[user] = (roomsPerUser[user] ?? 0) + 1;
        if (membership === 'join') this.#tracked.get(user)?.push(roomIndex);
        this.#produced += 1;
        yield { roomId, userId: userIdOf(user, heavyUsers), membership };
      }
      emitted += members.length;
      largestRoom = Math.max(largestRoom, members.length);
      roomIndex += 1;
    }

    this.#manifest = this.#buildManifest(roomIndex, roomsPerUser, counts, largestRoom);
  }

  /** Draws the members of the next room, at most `remaining` of them, all distinct. */
  #drawRoom(random: Random, roomsPerUser: Uint16Array, remaining: number): number[] {
    const { heavyUsers, users } = this.profile;
    const drawnSize = this.#roomSizes.sample(random);
    const members = new Set<number>();

    if (heavyUsers > 0 && random.next() < this.#hubProbability) {
      for (let heavy = 0; heavy < heavyUsers; heavy += 1) {
        const joins = random.next() < HEAVY_HUB_PROBABILITY;
        if (joins && (roomsPerUser[heavy] ?? 0) < MAX_ROOMS_PER_USER) members.add(heavy);
      }
    }

    const size = Math.min(Math.max(drawnSize, members.size), remaining);
    while (members.size < size) {
      const user = this.#drawOrdinaryUser(random, roomsPerUser, members, heavyUsers + users);
      if (user === undefined) break;
      members.add(user);
    }
    return [...members].slice(0, size);
  }

  /** Draws a user not yet in the room and below the room cap: by Zipf weight, then uniformly. */
  #drawOrdinaryUser(
    random: Random,
    roomsPerUser: Uint16Array,
    members: ReadonlySet<number>,
    userCount: number,
  ): number | undefined {
    const { heavyUsers } = this.profile;
    for (let attempt = 0; attempt < 2 * DRAW_ATTEMPTS; attempt += 1) {
      const user =
        attempt < DRAW_ATTEMPTS
          ? this.#ordinaryUsers.sample(random)
          : heavyUsers + random.nextInt(userCount - heavyUsers);
      if (!members.has(user) && (roomsPerUser[user] ?? 0) < MAX_ROOMS_PER_USER) return user;
    }
    return undefined;
  }

  /** Returns the manifest; throws until `records()` has been iterated to the end. */
  manifest(): DatasetManifest {
    if (this.#manifest === undefined) {
      throw new Error('the manifest is known only after records() has been iterated to the end');
    }
    return this.#manifest;
  }

  #buildManifest(
    rooms: number,
    roomsPerUser: Uint16Array,
    membershipCounts: Record<Membership, number>,
    largestRoom: number,
  ): DatasetManifest {
    let users = 0;
    let maxRoomsPerUser = 0;
    for (const count of roomsPerUser) {
      if (count > 0) users += 1;
      maxRoomsPerUser = Math.max(maxRoomsPerUser, count);
    }
    return {
      seed: this.seed,
      size: this.size,
      profile: this.profile,
      memberships: this.profile.memberships,
      rooms,
      users,
      membershipCounts,
      largestRoom,
      maxRoomsPerUser,
      heavyThreshold: this.#heavyThreshold,
      typicalPairs: this.#choosePairs(false),
      heavyPairs: this.#choosePairs(true),
    };
  }

  /**
   * Heavy pairs: heavy users who each joined at least the heavy threshold, most shared rooms
   * first. Typical pairs: candidates in at most 1,000 joined rooms each who share 1 to 50 joined
   * rooms, spread over that range.
   */
  #choosePairs(heavy: boolean): DatasetPair[] {
    const { heavyUsers } = this.profile;
    const users = [...this.#tracked.keys()].filter((user) => user < heavyUsers === heavy);
    const eligible: DatasetPair[] = [];
    for (const [i, a] of users.entries()) {
      for (const b of users.slice(i + 1)) {
        const pair = this.#pairOf(a, b);
        const keep = heavy ? Math.min(pair.roomsA, pair.roomsB) >= this.#heavyThreshold : isTypical(pair);
        if (keep) eligible.push(pair);
      }
    }

    if (heavy) {
      return eligible.sort((x, y) => y.sharedRooms - x.sharedRooms).slice(0, HEAVY_PAIRS);
    }
    return spreadTypicalPairs(eligible);
  }

  #pairOf(a: number, b: number): DatasetPair {
    const roomsA = this.#tracked.get(a) ?? [];
    const roomsB = this.#tracked.get(b) ?? [];
    const { heavyUsers } = this.profile;
    return {
      userA: userIdOf(a, heavyUsers),
      userB: userIdOf(b, heavyUsers),
      sharedRooms: countCommon(roomsA, roomsB),
      roomsA: roomsA.length,
      roomsB: roomsB.length,
    };
  }
}

export type DatasetFormat = 'ndjson' | 'csv';

/** CSV field quoting of RFC 4180: quotes a field containing a comma, quote or line break. */
function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** Returns one record as a line of the import format, with its line break. */
export function formatRecord(record: MembershipRecord, format: DatasetFormat): string {
  if (format === 'csv') {
    return `${csvField(record.roomId)},${csvField(record.userId)},${record.membership}\n`;
  }
  return `${JSON.stringify({ room_id: record.roomId, user_id: record.userId, membership: record.membership })}\n`;
}

const CSV_HEADER = 'room_id,user_id,membership\n';
const LINES_PER_CHUNK = 512;
/** Chunks the stream reads ahead of the output; with 512 lines each, about 200 KB. */
const CHUNKS_AHEAD = 4;

/** Yields the import-format text of `records` in chunks of 512 lines. */
export function* formatChunks(records: Iterable<MembershipRecord>, format: DatasetFormat): Generator<string> {
  if (format === 'csv') yield CSV_HEADER;
  let lines: string[] = [];
  for (const record of records) {
    lines.push(formatRecord(record, format));
    if (lines.length === LINES_PER_CHUNK) {
      yield lines.join('');
      lines = [];
    }
  }
  if (lines.length > 0) yield lines.join('');
}

/**
 * Writes the dataset to `output` in the import format and returns its manifest. The stream
 * pipeline pulls a chunk only when `output` accepts more, so memory stays flat.
 */
export async function writeDataset(
  generator: DatasetGenerator,
  output: Writable,
  format: DatasetFormat,
): Promise<DatasetManifest> {
  await pipeline(
    Readable.from(formatChunks(generator.records(), format), { highWaterMark: CHUNKS_AHEAD }),
    output,
  );
  return generator.manifest();
}

const USAGE = `Usage: tsx bench/dataset.ts [--size small|medium|large] [--seed N] [--format ndjson|csv]
                           [--out FILE] [--manifest FILE]

Writes a seeded membership dataset in the import format of "mutual-rooms import".
  --size       small (10,000 memberships, default), medium (1,000,000) or large (10,000,000)
  --seed       32-bit integer seed; the same seed gives the same bytes (default 1)
  --format     ndjson (default) or csv
  --out        output file (default: standard output)
  --manifest   JSON file for the manifest: counts, typical pairs and heavy pairs
               (default: FILE.manifest.json with --out, else standard error)
`;

async function main(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      size: { type: 'string', default: 'small' },
      seed: { type: 'string', default: '1' },
      format: { type: 'string', default: 'ndjson' },
      out: { type: 'string' },
      manifest: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }

  const { size, format } = values;
  const seed = Number(values.seed);
  if (!isDatasetSize(size)) return usageError(`invalid --size "${size}"; use small, medium or large`);
  if (format !== 'ndjson' && format !== 'csv')
    return usageError(`invalid --format "${format}"; use ndjson or csv`);
  if (!Number.isInteger(seed)) return usageError(`invalid --seed "${values.seed}"; use an integer`);

  const generator = new DatasetGenerator({ size, seed });
  const output = values.out === undefined ? process.stdout : createWriteStream(values.out);
  const started = performance.now();
  const manifest = await writeDataset(generator, output, format);
  const seconds = (performance.now() - started) / 1000;

  const manifestText = `${JSON.stringify(manifest, null, 2)}\n`;
  const manifestPath =
    values.manifest ?? (values.out === undefined ? undefined : `${values.out}.manifest.json`);
  if (manifestPath === undefined) {
    process.stderr.write(manifestText);
  } else {
    await pipeline(Readable.from([manifestText]), createWriteStream(manifestPath));
  }
  process.stderr.write(
    `wrote ${manifest.memberships} memberships in ${manifest.rooms} rooms for ${manifest.users} users ` +
      `in ${seconds.toFixed(1)} s (seed ${seed}, ${size}, ${format})\n`,
  );
  return 0;
}

function usageError(message: string): number {
  process.stderr.write(`error: ${message}\n\n${USAGE}`);
  return 2;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      // A closed pipe (such as `| head`) ends the output early, which is not a failure.
      if ((error as NodeJS.ErrnoException).code === 'EPIPE') return;
      process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
