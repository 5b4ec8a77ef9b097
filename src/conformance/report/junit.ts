import type { CheckResult, Failure, Report } from '../types.js';

// XML 1.0 allows tab, line feed, carriage return and the ranges below. Other characters that a
// server may send, such as control characters and lone surrogates, are replaced with U+FFFD so
// that the file stays well-formed.
const INVALID_XML_CHARS = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Escapes text for XML element content. */
export function escapeXmlText(text: string): string {
  return text
    .replace(INVALID_XML_CHARS, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

/** Escapes text for a double-quoted XML attribute, keeping line breaks and tabs as references. */
export function escapeXmlAttribute(text: string): string {
  return escapeXmlText(text)
    .replace(/"/g, '&quot;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;')
    .replace(/\t/g, '&#9;');
}

function seconds(milliseconds: number): string {
  return (milliseconds / 1000).toFixed(3);
}

function failureLine(failure: Failure): string {
  return `${failure.case ? `${failure.case}: ` : ''}expected ${failure.expected}; actual ${failure.actual}`;
}

function testCase(result: CheckResult): string {
  const group = result.id.split('.')[0] ?? result.id;
  const open = `    <testcase classname="conformance.${escapeXmlAttribute(group)}" name="${escapeXmlAttribute(result.id)}" time="${seconds(result.durationMs)}">`;
  const body: string[] = [];
  if (result.status === 'skip') {
    body.push(`      <skipped message="${escapeXmlAttribute(result.reason ?? '')}"/>`);
  }
  if (result.status === 'fail') {
    const first = result.failures[0];
    const message = first ? failureLine(first) : 'failed';
    const details = result.failures.map(failureLine).join('\n');
    body.push(
      `      <failure message="${escapeXmlAttribute(message)}" type="${escapeXmlAttribute(result.id)}">${escapeXmlText(details)}</failure>`,
    );
  }
  const out = [result.description, ...result.notes].join('\n');
  body.push(`      <system-out>${escapeXmlText(out)}</system-out>`);
  return [open, ...body, '    </testcase>'].join('\n');
}

/** Formats a report as JUnit XML: one testsuite, one testcase per check that was selected. */
export function formatJunit(report: Report): string {
  const { total, failed, skipped } = report.summary;
  const counts = `tests="${total}" failures="${failed}" errors="0" skipped="${skipped}" time="${seconds(report.durationMs)}"`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="mutual-rooms conformance" ${counts}>`,
    `  <testsuite name="${escapeXmlAttribute(`mutual-rooms conformance ${report.baseUrl}`)}" ${counts} timestamp="${escapeXmlAttribute(report.startedAt)}">`,
    ...report.checks.map(testCase),
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
