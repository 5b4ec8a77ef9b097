/**
 * Seeded pseudo-random numbers for the benchmark dataset: xoshiro128** (Blackman and Vigna,
 * https://prng.di.unimi.it/), seeded through a SplitMix32-style mixer. Not for cryptography.
 */

/** Mixes a 32-bit integer into a well-spread 32-bit integer (the MurmurHash3 finalizer). */
export function mix32(value: number): number {
  let z = value | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** Combines a seed and a stream number into one 32-bit seed, so each stream is independent. */
export function deriveSeed(seed: number, stream: number): number {
  return mix32(mix32(seed) ^ Math.imul(stream + 1, 0x9e3779b9));
}

function rotateLeft(value: number, bits: number): number {
  return (value << bits) | (value >>> (32 - bits));
}

/** A deterministic random number generator with 128 bits of state. */
export class Random {
  #s0: number;
  #s1: number;
  #s2: number;
  #s3: number;

  constructor(seed: number) {
    // Four SplitMix32 steps fill the state; they never yield four zero words for any seed.
    let x = seed >>> 0;
    const next = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      return mix32(x);
    };
    this.#s0 = next();
    this.#s1 = next();
    this.#s2 = next();
    this.#s3 = next();
  }

  /** Returns a uniformly distributed unsigned 32-bit integer. */
  nextUint32(): number {
    const result = Math.imul(rotateLeft(Math.imul(this.#s1, 5), 7), 9) >>> 0;
    const t = this.#s1 << 9;
    this.#s2 ^= this.#s0;
    this.#s3 ^= this.#s1;
    this.#s1 ^= this.#s2;
    this.#s0 ^= this.#s3;
    this.#s2 ^= t;
    this.#s3 = rotateLeft(this.#s3, 11);
    return result;
  }

  /** Returns a float in [0, 1) with 32 bits of randomness. */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Returns an integer in [0, bound), for bound up to 2^32. */
  nextInt(bound: number): number {
    return Math.floor(this.next() * bound);
  }
}

/**
 * Samples integers from a finite discrete distribution given by weights, by binary search in
 * the cumulative weights: O(log n) per sample, 8 bytes of memory per value.
 */
export class WeightedSampler {
  readonly #cumulative: Float64Array;
  readonly #total: number;

  /** `weight(i)` is the relative weight of value `offset + i`, for i in [0, count). */
  constructor(
    count: number,
    weight: (index: number) => number,
    readonly offset = 0,
  ) {
    if (!Number.isSafeInteger(count) || count < 1) {
      throw new RangeError(`a sampler needs at least one value, got count ${count}`);
    }
    this.#cumulative = new Float64Array(count);
    let total = 0;
    for (let i = 0; i < count; i += 1) {
      total += weight(i);
      this.#cumulative[i] = total;
    }
    this.#total = total;
  }

  /** Returns a value drawn with probability proportional to its weight. */
  sample(random: Random): number {
    const target = random.next() * this.#total;
    let low = 0;
    let high = this.#cumulative.length - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((this.#cumulative[middle] ?? 0) > target) {
        high = middle;
      } else {
        low = middle + 1;
      }
    }
    return this.offset + low;
  }

  /** Returns the mean value of the distribution. */
  mean(): number {
    let previous = 0;
    let sum = 0;
    for (let i = 0; i < this.#cumulative.length; i += 1) {
      const cumulative = this.#cumulative[i] ?? previous;
      sum += (this.offset + i) * (cumulative - previous);
      previous = cumulative;
    }
    return sum / this.#total;
  }
}
