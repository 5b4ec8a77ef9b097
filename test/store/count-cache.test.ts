import { describe, expect, it } from 'vitest';
import { CountCache } from '../../src/store/count-cache.js';

describe('CountCache', () => {
  it('returns a stored count for either order of the pair', () => {
    const cache = new CountCache(4);
    cache.set('@a:x.org', '@b:x.org', 7);
    expect(cache.get('@a:x.org', '@b:x.org')).toBe(7);
    expect(cache.get('@b:x.org', '@a:x.org')).toBe(7);
    expect(cache.size).toBe(1);
  });

  it('keeps pairs with the same concatenation apart', () => {
    const cache = new CountCache(4);
    cache.set('@a', '@bc', 1);
    cache.set('@ab', '@c', 2);
    expect(cache.get('@a', '@bc')).toBe(1);
    expect(cache.get('@ab', '@c')).toBe(2);
  });

  it('evicts the least recently used pair when full', () => {
    const cache = new CountCache(2);
    cache.set('@a', '@b', 1);
    cache.set('@a', '@c', 2);
    expect(cache.get('@a', '@b')).toBe(1);
    cache.set('@a', '@d', 3);
    expect(cache.size).toBe(2);
    expect(cache.get('@a', '@c')).toBeUndefined();
    expect(cache.get('@a', '@b')).toBe(1);
    expect(cache.get('@a', '@d')).toBe(3);
  });

  it('replaces the count of a cached pair without evicting another', () => {
    const cache = new CountCache(2);
    cache.set('@a', '@b', 1);
    cache.set('@a', '@c', 2);
    cache.set('@b', '@a', 5);
    expect(cache.size).toBe(2);
    expect(cache.get('@a', '@b')).toBe(5);
    expect(cache.get('@a', '@c')).toBe(2);
  });

  it('forgets every pair on clear', () => {
    const cache = new CountCache(2);
    cache.set('@a', '@b', 1);
    cache.clear();
    expect(cache.size).toBe(0);
    expect(cache.get('@a', '@b')).toBeUndefined();
  });

  it('stores nothing with capacity 0', () => {
    const cache = new CountCache(0);
    cache.set('@a', '@b', 1);
    expect(cache.size).toBe(0);
    expect(cache.get('@a', '@b')).toBeUndefined();
  });

  it.each([-1, 1.5, Number.NaN])('rejects capacity %s', (capacity) => {
    expect(() => new CountCache(capacity)).toThrow(RangeError);
  });
});
