import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { formatJson, formatJunit, formatSummary, type Report } from '../../src/conformance/index.js';

const NASTY = 'a <b> & "c" \'d\' ]]> \u0001 \uD800 line\nbreak';

const REPORT: Report = {
  tool: 'mutual-rooms conformance',
  specVersion: 'v1.19',
  baseUrl: 'http://127.0.0.1:1',
  startedAt: '2026-01-01T00:00:00.000Z',
  durationMs: 1234,
  requests: 7,
  summary: { total: 3, passed: 1, failed: 1, skipped: 1 },
  checks: [
    {
      id: 'auth.missing-token',
      description: 'passes',
      status: 'pass',
      failures: [],
      notes: ['note'],
      requests: 1,
      durationMs: 5,
    },
    {
      id: 'params.self',
      description: 'fails',
      status: 'fail',
      failures: [
        { case: 'first', expected: '400 M_INVALID_PARAM', actual: NASTY },
        { expected: 'x', actual: 'y' },
      ],
      notes: [],
      requests: 1,
      durationMs: 6,
    },
    {
      id: 'rate-limit.429',
      description: 'skips',
      status: 'skip',
      reason: `not requested ${NASTY}`,
      failures: [],
      notes: [],
      requests: 0,
      durationMs: 0,
    },
  ],
  warnings: ['could not leave a room'],
};

interface TestCase {
  '@_name': string;
  '@_classname': string;
  failure?: { '@_message': string; '#text': string };
  skipped?: { '@_message': string };
}

function parseJunit(xml: string) {
  const parser = new XMLParser({ ignoreAttributes: false, isArray: (name) => name === 'testcase' });
  return parser.parse(xml) as {
    testsuites: {
      '@_tests': string;
      testsuite: { '@_failures': string; '@_skipped': string; testcase: TestCase[] };
    };
  };
}

describe('formatJunit', () => {
  const xml = formatJunit(REPORT);

  it('is well-formed XML', () => {
    expect(XMLValidator.validate(xml)).toBe(true);
  });

  it('has one testcase per check', () => {
    const suite = parseJunit(xml).testsuites.testsuite;
    expect(suite.testcase.map((testCase) => testCase['@_name'])).toEqual(
      REPORT.checks.map((check) => check.id),
    );
  });

  it('counts tests, failures and skips', () => {
    const parsed = parseJunit(xml).testsuites;
    expect(parsed['@_tests']).toBe('3');
    expect(parsed.testsuite['@_failures']).toBe('1');
    expect(parsed.testsuite['@_skipped']).toBe('1');
  });

  it('marks a failed check with failure and its first case', () => {
    const failed = parseJunit(xml).testsuites.testsuite.testcase[1];
    expect(failed?.failure?.['@_message']).toContain(
      'first: expected 400 M_INVALID_PARAM; actual a <b> & "c"',
    );
    expect(failed?.skipped).toBeUndefined();
  });

  it('marks a skipped check with skipped and no failure', () => {
    const skipped = parseJunit(xml).testsuites.testsuite.testcase[2];
    expect(skipped?.skipped).toBeDefined();
    expect(skipped?.failure).toBeUndefined();
  });

  it('escapes markup and replaces characters XML cannot hold', () => {
    expect(xml).not.toContain('<b>');
    expect(xml).not.toContain('\u0001');
    expect(xml).not.toContain('\uD800');
    expect(xml).toContain('a &lt;b&gt; &amp; &quot;c&quot;');
  });

  it('groups checks by id prefix as classname', () => {
    const classes = parseJunit(xml).testsuites.testsuite.testcase.map((testCase) => testCase['@_classname']);
    expect(classes).toEqual(['conformance.auth', 'conformance.params', 'conformance.rate-limit']);
  });
});

describe('formatJson', () => {
  it('round-trips the report', () => {
    expect(JSON.parse(formatJson(REPORT))).toEqual(REPORT);
  });
});

describe('formatSummary', () => {
  const summary = formatSummary(REPORT);

  it('labels each check', () => {
    expect(summary).toContain('PASS  auth.missing-token');
    expect(summary).toContain('FAIL  params.self');
    expect(summary).toContain('SKIP  rate-limit.429');
  });

  it('shows expected and actual of each failure', () => {
    expect(summary).toContain('expected 400 M_INVALID_PARAM');
    expect(summary).toContain('actual   y');
  });

  it('shows the skip reason, warnings and totals', () => {
    expect(summary).toContain('skipped: not requested');
    expect(summary).toContain('warning: could not leave a room');
    expect(summary).toContain('3 checks: 1 passed, 1 failed, 1 skipped (7 requests, 1.2 s)');
  });
});
