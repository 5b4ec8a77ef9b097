import { setTimeout as sleep } from 'node:timers/promises';

/** Clock and sleep of a pacer; tests pass their own. */
export interface PacerClock {
  now(): number;
  sleep(milliseconds: number): Promise<unknown>;
}

const systemClock: PacerClock = { now: () => performance.now(), sleep };

/**
 * Spaces request starts at least `1000 / maxRps` milliseconds apart, across concurrent callers,
 * so the checker never sends more than `maxRps` requests in any second.
 */
export class RequestPacer {
  private readonly intervalMs: number;
  private nextSlot = Number.NEGATIVE_INFINITY;

  constructor(
    maxRps: number,
    private readonly clock: PacerClock = systemClock,
  ) {
    this.intervalMs = 1000 / maxRps;
  }

  /** Resolves when the caller may send its next request. */
  async wait(): Promise<void> {
    const now = this.clock.now();
    const slot = Math.max(now, this.nextSlot);
    this.nextSlot = slot + this.intervalMs;
    if (slot > now) await this.clock.sleep(slot - now);
  }
}
