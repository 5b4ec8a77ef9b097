import type { MembershipRecord } from '../store/types.js';
import { InvalidLineError } from './errors.js';
import { toMembershipRecord } from './records.js';

export const CSV_COLUMNS = ['room_id', 'user_id', 'membership'] as const;

/**
 * Splits one CSV line into fields (RFC 4180 quoting: `"a,b"` and `""` for a quote inside quotes).
 * A quoted field may not span lines.
 */
export function splitCsvLine(line: string): string[] {
  const fields: string[] = [];
  let position = 0;
  while (true) {
    let field: string;
    if (line[position] === '"') {
      ({ field, position } = readQuotedField(line, position + 1));
    } else {
      const comma = line.indexOf(',', position);
      const end = comma === -1 ? line.length : comma;
      field = line.slice(position, end);
      if (field.includes('"')) throw new InvalidLineError('a quote may only appear inside a quoted field');
      position = end;
    }
    fields.push(field);
    if (position === line.length) return fields;
    if (line[position] !== ',')
      throw new InvalidLineError(`expected "," after a quoted field at column ${position + 1}`);
    position += 1;
  }
}

function readQuotedField(line: string, start: number): { field: string; position: number } {
  let field = '';
  let position = start;
  while (true) {
    const quote = line.indexOf('"', position);
    if (quote === -1) throw new InvalidLineError('unterminated quoted field; fields may not span lines');
    field += line.slice(position, quote);
    if (line[quote + 1] !== '"') return { field, position: quote + 1 };
    field += '"';
    position = quote + 2;
  }
}

/** Maps each column name of the header to its index; the header must name exactly the three columns. */
export function parseCsvHeader(line: string): (fields: string[]) => MembershipRecord {
  const names = splitCsvLine(line).map((name) => name.trim());
  const complete =
    names.length === CSV_COLUMNS.length && CSV_COLUMNS.every((column) => names.includes(column));
  if (!complete) {
    throw new InvalidLineError(
      `the CSV header must name the columns ${CSV_COLUMNS.join(',')}, got ${JSON.stringify(line)}`,
    );
  }
  const roomIndex = names.indexOf('room_id');
  const userIndex = names.indexOf('user_id');
  const membershipIndex = names.indexOf('membership');

  return (fields) => {
    if (fields.length !== CSV_COLUMNS.length) {
      throw new InvalidLineError(`expected ${CSV_COLUMNS.length} fields, got ${fields.length}`);
    }
    return toMembershipRecord(fields[roomIndex], fields[userIndex], fields[membershipIndex]);
  };
}
