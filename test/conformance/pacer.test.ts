import { describe, expect, it } from 'vitest';
import { RequestPacer } from '../../src/conformance/pacer.js';

function fakeClock() {
  let now = 1000;
  const sleeps: number[] = [];
  return {
    sleeps,
    advance: (milliseconds: number) => {
      now += milliseconds;
    },
    clock: {
      now: () => now,
      sleep: async (milliseconds: number) => {
        sleeps.push(milliseconds);
      },
    },
  };
}

describe('RequestPacer', () => {
  it('spaces concurrent requests by 1000 / maxRps ms', async () => {
    const fake = fakeClock();
    const pacer = new RequestPacer(10, fake.clock);
    await Promise.all([pacer.wait(), pacer.wait(), pacer.wait()]);
    expect(fake.sleeps).toEqual([100, 200]);
  });

  it('does not wait when the interval has passed', async () => {
    const fake = fakeClock();
    const pacer = new RequestPacer(4, fake.clock);
    await pacer.wait();
    fake.advance(250);
    await pacer.wait();
    expect(fake.sleeps).toEqual([]);
  });

  it('waits for the rest of the interval', async () => {
    const fake = fakeClock();
    const pacer = new RequestPacer(4, fake.clock);
    await pacer.wait();
    fake.advance(100);
    await pacer.wait();
    expect(fake.sleeps).toEqual([150]);
  });
});
