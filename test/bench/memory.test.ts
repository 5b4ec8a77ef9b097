import { describe, expect, it } from 'vitest';
import type { RssSample } from '../../bench/child.js';
import { edgeMedian } from '../../bench/memory.js';

function samples(rss: readonly number[]): RssSample[] {
  return rss.map((value, index) => ({ at: index, rss: value, heapUsed: 0 }));
}

describe('edgeMedian', () => {
  it('takes the median of the first and the last quarter', () => {
    // 20 samples make quarters of 5. A single peak at each end does not move the medians.
    const rss = [100, 300, 100, 100, 100, ...Array<number>(10).fill(150), 120, 120, 400, 120, 120];
    expect(edgeMedian(samples(rss), 'first')).toBe(100);
    expect(edgeMedian(samples(rss), 'last')).toBe(120);
  });

  it('uses at least five samples at each end', () => {
    const rss = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(edgeMedian(samples(rss), 'first')).toBe(3);
    expect(edgeMedian(samples(rss), 'last')).toBe(8);
  });

  it('grows the window with the run', () => {
    // 40 samples: the last quarter is 10 samples, six at 70 and the final four at 90.
    const rss = [
      ...Array<number>(10).fill(50),
      ...Array<number>(20).fill(60),
      ...Array<number>(6).fill(70),
      ...Array<number>(4).fill(90),
    ];
    expect(edgeMedian(samples(rss), 'first')).toBe(50);
    expect(edgeMedian(samples(rss), 'last')).toBe(70);
  });
});
