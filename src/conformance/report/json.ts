import type { Report } from '../types.js';

/** Formats a report as indented JSON, the shape of the Report type. */
export function formatJson(report: Report): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
