import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { describe, expect, it } from 'vitest';
import { series } from '../../src/server/openapi.js';

/** Runs `handler` once and resolves with what it passed to `next`, or 'no next call' after a tick. */
function run(handler: RequestHandler): Promise<unknown> {
  return new Promise((resolve) => {
    const next: NextFunction = (error?: unknown) => resolve(error === undefined ? 'next' : error);
    handler({} as Request, {} as Response, next);
    setTimeout(() => resolve('no next call'), 20);
  });
}

describe('series', () => {
  it('runs every handler in order, then calls next', async () => {
    const calls: number[] = [];
    const handlers = [1, 2, 3].map(
      (n): RequestHandler =>
        (_req, _res, next) => {
          calls.push(n);
          next();
        },
    );
    expect(await run(series(handlers))).toBe('next');
    expect(calls).toEqual([1, 2, 3]);
  });

  it('waits for a handler that calls next later', async () => {
    const calls: string[] = [];
    const handler = series([
      (_req, _res, next) => {
        setTimeout(() => {
          calls.push('late');
          next();
        }, 5);
      },
      (_req, _res, next) => {
        calls.push('second');
        next();
      },
    ]);
    expect(await run(handler)).toBe('next');
    expect(calls).toEqual(['late', 'second']);
  });

  const skipped: RequestHandler = () => {
    throw new Error('a handler after a failure ran');
  };
  const failure = new Error('failed');

  it.each<[string, RequestHandler]>([
    ['passed to next', (_req, _res, next) => next(failure)],
    [
      'thrown',
      () => {
        throw failure;
      },
    ],
    ['rejecting the returned promise', async () => Promise.reject(failure)],
  ])('stops at an error %s', async (_name, failing) => {
    expect(await run(series([failing, skipped]))).toBe(failure);
  });

  it.each<[string, unknown]>([
    ["'route'", 'route'],
    ['false', false],
    ['an empty string', ''],
  ])('goes on after next(%s), as Express does', async (_name, value) => {
    const calls: string[] = [];
    const handler = series([
      (_req, _res, next) => next(value),
      (_req, _res, next) => {
        calls.push('second');
        next();
      },
    ]);
    expect(await run(handler)).toBe('next');
    expect(calls).toEqual(['second']);
  });

  it("passes next('router') on and skips the rest", async () => {
    expect(await run(series([(_req, _res, next) => next('router'), skipped]))).toBe('router');
  });

  it('stops at a rejected thenable', async () => {
    // A promise-like object that is no Promise instance, as some libraries return.
    // biome-ignore lint/suspicious/noThenProperty: the thenable is the case under test
    const thenable = { then: (_resolve: unknown, reject: (reason: unknown) => void) => reject(failure) };
    expect(await run(series([(() => thenable) as unknown as RequestHandler, skipped]))).toBe(failure);
  });

  it('turns a rejection without a reason into an error', async () => {
    const outcome = await run(series([async () => Promise.reject(undefined), skipped]));
    expect(outcome).toBeInstanceOf(Error);
    expect((outcome as Error).message).toMatch(/rejected a promise without a reason/);
  });

  it('calls next for an empty list', async () => {
    expect(await run(series([]))).toBe('next');
  });
});
