import type { CheckResult, Report } from '../types.js';

const LABELS = { pass: 'PASS', fail: 'FAIL', skip: 'SKIP' } as const;

function describeCheck(result: CheckResult, idWidth: number): string[] {
  const lines = [`${LABELS[result.status]}  ${result.id.padEnd(idWidth)}  ${result.description}`];
  const indent = ' '.repeat(6);
  if (result.status === 'skip' && result.reason) lines.push(`${indent}skipped: ${result.reason}`);
  for (const failure of result.failures) {
    const detailIndent = failure.case ? `${indent}  ` : indent;
    if (failure.case) lines.push(`${indent}${failure.case}:`);
    lines.push(`${detailIndent}expected ${failure.expected}`);
    lines.push(`${detailIndent}actual   ${failure.actual}`);
  }
  return lines;
}

/** Formats a report as plain lines for a terminal: one line per check, then each failure. */
export function formatSummary(report: Report): string {
  const idWidth = Math.max(0, ...report.checks.map((result) => result.id.length));
  const lines = [`mutual-rooms conformance against ${report.baseUrl} (Matrix ${report.specVersion})`, ''];
  for (const result of report.checks) lines.push(...describeCheck(result, idWidth));
  for (const warning of report.warnings) lines.push(`warning: ${warning}`);

  const { total, passed, failed, skipped } = report.summary;
  const seconds = (report.durationMs / 1000).toFixed(1);
  lines.push(
    '',
    `${total} checks: ${passed} passed, ${failed} failed, ${skipped} skipped (${report.requests} requests, ${seconds} s)`,
  );
  return `${lines.join('\n')}\n`;
}
