/** Output formats of `gateway-audit run`: an aligned text table, RFC 4180 CSV, or a JSON array of row objects. */

export const OUTPUT_FORMATS = ['table', 'csv', 'json'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

type Row = Readonly<Record<string, unknown>>;

function text(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'string' ? value : String(value);
}

function csvField(value: unknown): string {
  const raw = text(value);
  return /[",\r\n]/.test(raw) ? `"${raw.replace(/"/g, '""')}"` : raw;
}

/** CSV with a header line; null is an empty field. */
export function toCsv(columns: readonly string[], rows: readonly Row[]): string {
  const lines = [columns.map(csvField).join(','), ...rows.map((row) => columns.map((c) => csvField(row[c])).join(','))];
  return `${lines.join('\n')}\n`;
}

/** A JSON array of row objects (columns in query order). */
export function toJson(columns: readonly string[], rows: readonly Row[]): string {
  const ordered = rows.map((row) => Object.fromEntries(columns.map((column) => [column, row[column] ?? null])));
  return `${JSON.stringify(ordered, null, 2)}\n`;
}

/** An aligned table for terminals; numbers right-aligned, null shown as `NULL`, then a row count. */
export function toTable(columns: readonly string[], rows: readonly Row[]): string {
  const cells = rows.map((row) => columns.map((column) => (row[column] === null ? 'NULL' : text(row[column]))));
  const widths = columns.map((column, index) =>
    Math.max(column.length, ...cells.map((cell) => (cell[index] ?? '').length)),
  );
  const numeric = columns.map(
    (column) => rows.length > 0 && rows.every((row) => row[column] === null || typeof row[column] === 'number'),
  );
  const line = (values: readonly string[]): string =>
    values
      .map((value, index) => (numeric[index] ? value.padStart(widths[index] ?? 0) : value.padEnd(widths[index] ?? 0)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  const count = `(${rows.length} ${rows.length === 1 ? 'row' : 'rows'})`;
  return `${[line(columns), rule, ...cells.map(line), count].join('\n')}\n`;
}

export function formatRows(format: OutputFormat, columns: readonly string[], rows: readonly Row[]): string {
  if (format === 'csv') return toCsv(columns, rows);
  if (format === 'json') return toJson(columns, rows);
  return toTable(columns, rows);
}
