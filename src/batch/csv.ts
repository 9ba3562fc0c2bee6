/**
 * RFC 4180 CSV: fields separated by commas, records by CRLF; a field holding a
 * comma, a double quote, CR or LF is quoted and its quotes are doubled.
 */
import { terminalText } from '../reporters/escape.js';

/** Quotes one field when RFC 4180 requires it. */
export function csvField(value: string | number): string {
  const text = typeof value === 'number' ? formatNumber(value) : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * Text that may come from learners (folder names, quoted messages) for a
 * spreadsheet cell: control and bidi characters made visible (one line), and
 * formulas defused: a leading `=`, `+`, `-` or `@` makes Excel and
 * LibreOffice evaluate the cell, so such text gets a leading `'`.
 */
export function safeText(text: string): string {
  const visible = terminalText(text);
  return /^[=+\-@]/.test(visible) ? `'${visible}` : visible;
}

export function csvRecord(fields: ReadonlyArray<string | number>): string {
  return fields.map(csvField).join(',') + '\r\n';
}

/** Parses RFC 4180 text (CRLF or LF records) into rows of fields. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  let fieldStarted = false;
  while (i < text.length) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        continue;
      }
      field += ch;
      i++;
      continue;
    }
    if (ch === '"' && field === '') {
      quoted = true;
      fieldStarted = true;
      i++;
    } else if (ch === ',') {
      row.push(field);
      field = '';
      fieldStarted = true;
      i++;
    } else if (ch === '\r' || ch === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      fieldStarted = false;
      i += ch === '\r' && text[i + 1] === '\n' ? 2 : 1;
    } else {
      field += ch;
      fieldStarted = true;
      i++;
    }
  }
  if (fieldStarted || field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return '';
  return String(Math.round(x * 100) / 100);
}
