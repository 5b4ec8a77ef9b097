import { describe, expect, it } from 'vitest';
import { matrixErrors } from '../../src/matrix/errors.js';

describe('Matrix error catalog', () => {
  it.each([
    ['missingToken', matrixErrors.missingToken('m'), 401, { errcode: 'M_MISSING_TOKEN', error: 'm' }],
    ['unknownToken', matrixErrors.unknownToken(), 401, { errcode: 'M_UNKNOWN_TOKEN', soft_logout: false }],
    ['missingParam', matrixErrors.missingParam('m'), 400, { errcode: 'M_MISSING_PARAM', error: 'm' }],
    ['invalidParam', matrixErrors.invalidParam('m'), 400, { errcode: 'M_INVALID_PARAM', error: 'm' }],
    [
      'limitExceeded',
      matrixErrors.limitExceeded(1_200),
      429,
      { errcode: 'M_LIMIT_EXCEEDED', retry_after_ms: 1_200 },
    ],
    ['unrecognized', matrixErrors.unrecognized('m'), 404, { errcode: 'M_UNRECOGNIZED', error: 'm' }],
    ['unrecognized 405', matrixErrors.unrecognized('m', 405), 405, { errcode: 'M_UNRECOGNIZED' }],
    [
      'unknown',
      matrixErrors.unknown(new Error('secret cause')),
      500,
      { errcode: 'M_UNKNOWN', error: 'Internal server error' },
    ],
  ])('%s', (_name, error, status, body) => {
    expect(error.status).toBe(status);
    expect(error.toBody()).toMatchObject(body);
    expect(typeof error.toBody().error).toBe('string');
  });

  it('never sends the cause of a 500', () => {
    expect(JSON.stringify(matrixErrors.unknown(new Error('secret cause')).toBody())).not.toContain('secret');
  });

  it.each([
    [1, '1'],
    [999, '1'],
    [1_000, '1'],
    [1_001, '2'],
    [59_999, '60'],
  ])('Retry-After for %i ms is %s s', (ms, seconds) => {
    expect(matrixErrors.limitExceeded(ms).headers['Retry-After']).toBe(seconds);
  });
});
