/**
 * Every difference between Athena (Trino, engine v3) and DuckDB that the named queries meet, in one place.
 * Query templates call these helpers instead of writing engine-specific SQL, so the same definition renders for
 * the console, the Athena API and the local DuckDB views.
 *
 * What is deliberately NOT here because both engines accept it unchanged: `date_diff('minute', a, b)`,
 * `count_if`, `split_part`, `strpos`, `substr`, `round`, `coalesce`, struct/row field access with dots
 * (`useridentity.arn`), `CAST(x AS DOUBLE)`, `CAST(dt AS DATE)`, and the table names (`gateway_audit`,
 * `cloudtrail_events`, `bedrock_invocations`) which the DuckDB views reproduce.
 */

export type Engine = 'athena' | 'duckdb';

export interface Dialect {
  readonly engine: Engine;
  /** An ISO-8601 UTC string (the record's `ts`, CloudTrail's `eventtime`) as a comparable timestamp. */
  timestamp(isoText: string): string;
  /** A DATE expression shifted by `days`, still a DATE. */
  addDays(dateExpression: string, days: number): string;
  /** The Monday starting the ISO week of a DATE, as `YYYY-MM-DD` text. */
  weekStart(dateExpression: string): string;
  /**
   * A FROM-clause fragment that turns each entry of a `map<string,bigint>` column into a row with
   * `<alias>.<keyName>` and `<alias>.<valueName>`.
   */
  unnestMap(mapExpression: string, alias: string, keyName: string, valueName: string): string;
  /** A scalar at `path` (`$.bucketName`) inside JSON text (CloudTrail's `requestparameters` and friends). */
  jsonText(jsonExpression: string, path: string): string;
  /** An array of strings joined with `separator` into one text value. */
  joinArray(arrayExpression: string, separator: string): string;
  /** The first element of an array, or NULL when it is empty or NULL (Trino's `[1]` fails on an empty array). */
  firstElement(arrayExpression: string): string;
}

const JSON_PATH = /^\$(\.[A-Za-z_][A-Za-z0-9_]*)+$/;
const SEPARATOR = /^[ ,;|]{1,3}$/;

function checkedJsonPath(path: string): string {
  if (!JSON_PATH.test(path)) throw new Error(`dialect: unsupported JSON path ${path}`);
  return path;
}

function checkedSeparator(separator: string): string {
  if (!SEPARATOR.test(separator)) throw new Error(`dialect: unsupported separator ${JSON.stringify(separator)}`);
  return separator;
}

function checkedDays(days: number): number {
  if (!Number.isInteger(days)) throw new Error(`dialect: days must be an integer (got ${days})`);
  return days;
}

export const athenaDialect: Dialect = {
  engine: 'athena',
  timestamp: (iso) => `from_iso8601_timestamp(${iso})`,
  addDays: (date, days) => `date_add('day', ${checkedDays(days)}, ${date})`,
  weekStart: (date) => `CAST(date_trunc('week', ${date}) AS VARCHAR)`,
  unnestMap: (map, alias, key, value) => `CROSS JOIN UNNEST(${map}) AS ${alias} (${key}, ${value})`,
  jsonText: (json, path) => `json_extract_scalar(${json}, '${checkedJsonPath(path)}')`,
  joinArray: (array, separator) => `array_join(${array}, '${checkedSeparator(separator)}')`,
  firstElement: (array) => `element_at(${array}, 1)`,
};

export const duckDbDialect: Dialect = {
  engine: 'duckdb',
  // DuckDB parses the trailing `Z` and normalises to UTC; TIMESTAMP (no zone) avoids the ICU time-zone setting.
  timestamp: (iso) => `CAST(${iso} AS TIMESTAMP)`,
  // `date + INTERVAL` is a TIMESTAMP in DuckDB; cast back so comparisons and text output match Athena's DATE.
  addDays: (date, days) => `CAST(${date} + INTERVAL (${checkedDays(days)}) DAY AS DATE)`,
  weekStart: (date) => `CAST(CAST(date_trunc('week', ${date}) AS DATE) AS VARCHAR)`,
  unnestMap: (map, alias, key, value) =>
    `CROSS JOIN LATERAL (SELECT unnest(map_keys(${map})) AS ${key}, unnest(map_values(${map})) AS ${value}) AS ${alias}`,
  jsonText: (json, path) => `json_extract_string(${json}, '${checkedJsonPath(path)}')`,
  joinArray: (array, separator) => `array_to_string(${array}, '${checkedSeparator(separator)}')`,
  // DuckDB list indexing is 1-based and yields NULL out of range.
  firstElement: (array) => `${array}[1]`,
};

export function dialectFor(engine: Engine): Dialect {
  return engine === 'athena' ? athenaDialect : duckDbDialect;
}
