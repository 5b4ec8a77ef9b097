/** Summary statistics of benchmark samples. */

/** Latency percentiles in milliseconds. */
export interface LatencySummary {
  readonly samples: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

/** Returns the value below which `fraction` of the sorted samples lie (nearest-rank method). */
export function percentile(sorted: Float64Array | readonly number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil(fraction * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? Number.NaN;
}

/** Collects latencies in a growable typed array, so millions of samples stay compact. */
export class LatencyRecorder {
  #values = new Float64Array(4096);
  #length = 0;

  record(milliseconds: number): void {
    if (this.#length === this.#values.length) {
      const grown = new Float64Array(this.#values.length * 2);
      grown.set(this.#values);
      this.#values = grown;
    }
    this.#values[this.#length] = milliseconds;
    this.#length += 1;
  }

  get length(): number {
    return this.#length;
  }

  summary(): LatencySummary {
    const sorted = this.#values.slice(0, this.#length).sort();
    return {
      samples: this.#length,
      p50Ms: round(percentile(sorted, 0.5), 3),
      p99Ms: round(percentile(sorted, 0.99), 3),
      maxMs: round(sorted[sorted.length - 1] ?? Number.NaN, 3),
    };
  }
}

/** Rounds to `digits` decimal places; NaN stays NaN. */
export function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** Returns the median of the samples: the middle one, or the mean of the two middle ones. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const upper = Math.floor(sorted.length / 2);
  if (sorted.length % 2 === 1) return sorted[upper] as number;
  if (sorted.length === 0) return Number.NaN;
  return ((sorted[upper - 1] as number) + (sorted[upper] as number)) / 2;
}
