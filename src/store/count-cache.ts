/**
 * A least-recently-used cache of mutual-room counts, keyed by the unordered pair of users. It
 * contains at most `capacity` pairs. The store clears it whenever the memberships may have
 * changed, so it never decides on its own whether an entry is still valid.
 */
export class CountCache {
  readonly #capacity: number;
  // A Map iterates in insertion order, so re-inserting an entry on each hit keeps the least
  // recently used pair first.
  readonly #counts = new Map<string, number>();

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 0) {
      throw new RangeError(`count cache capacity must be a non-negative integer, got ${capacity}`);
    }
    this.#capacity = capacity;
  }

  /** Pairs currently cached. */
  get size(): number {
    return this.#counts.size;
  }

  /** Returns the cached count of the pair, marking it as most recently used. */
  get(userA: string, userB: string): number | undefined {
    const key = pairKey(userA, userB);
    const count = this.#counts.get(key);
    if (count !== undefined) {
      this.#counts.delete(key);
      this.#counts.set(key, count);
    }
    return count;
  }

  /** Stores the count of the pair, evicting the least recently used pair when full. */
  set(userA: string, userB: string, count: number): void {
    if (this.#capacity === 0) return;
    const key = pairKey(userA, userB);
    this.#counts.delete(key);
    if (this.#counts.size >= this.#capacity) {
      const oldest = this.#counts.keys().next();
      if (oldest.done !== true) this.#counts.delete(oldest.value);
    }
    this.#counts.set(key, count);
  }

  clear(): void {
    this.#counts.clear();
  }
}

/**
 * Returns one key for (a, b) and (b, a), because both users share the same rooms. The length
 * prefix keeps the key unambiguous for any strings.
 */
function pairKey(userA: string, userB: string): string {
  const [first, second] = userA <= userB ? [userA, userB] : [userB, userA];
  return `${first.length}:${first}${second}`;
}
