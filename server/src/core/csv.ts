/**
 * CSV as RFC 4180 writes it (comma-separated, double quotes around fields that hold a comma, a
 * quote or a line break, quotes doubled inside), for the suppression list's export and import.
 */

/** Parses CSV text into rows of fields; throws on an unterminated quoted field. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  const endField = (): void => {
    row.push(field);
    field = '';
  };
  const endRow = (): void => {
    endField();
    rows.push(row);
    row = [];
  };
  // A spreadsheet's byte-order mark is not part of the first field.
  for (let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; i < text.length; i += 1) {
    const c = text[i];
    if (quoted && c === '"' && text[i + 1] === '"') {
      field += '"';
      i += 1;
    } else if (quoted) {
      if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') endField();
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i += 1;
      endRow();
    } else field += c;
  }
  if (quoted) throw new Error('a quoted field is not closed');
  if (field !== '' || row.length > 0) endRow();
  return rows.filter((r) => !(r.length === 1 && r[0].trim() === ''));
}

/**
 * One field. Text that a spreadsheet would run as a formula (`=`, `@`, a leading tab) is prefixed
 * with an apostrophe; `+` and `-` are left alone, since phone numbers start with `+`.
 */
export function csvField(value: string | null): string {
  const text = value ?? '';
  const safe = /^[=@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function csvLine(values: (string | null)[]): string {
  return `${values.map(csvField).join(',')}\r\n`;
}
