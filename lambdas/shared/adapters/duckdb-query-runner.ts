/**
 * QueryRunner over a local audit folder with DuckDB (in memory, offline). The folder has the audit bucket's
 * layout: `audit/v1/dt=…/tenant=…/*.json` (gateway records), `cloudtrail/**` (CloudTrail `{"Records":[…]}`
 * files, optionally gzipped) and `bedrock-invocations/**` (NDJSON, optionally gzipped). Three views reproduce
 * the Athena tables, partition columns included, so the named queries run unchanged apart from `dialect.ts`.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type DuckDBConnection, DuckDBInstance, type DuckDBValue } from '@duckdb/node-api';
import { AUDIT_COLUMNS, duckDbType } from '../audit/columns';
import type { QueryRunner } from '../ports';
import {
  BEDROCK_INVOCATION_COLUMNS,
  BEDROCK_INVOCATION_PARTITION,
  CLOUDTRAIL_COLUMNS,
  CLOUDTRAIL_PARTITION,
  CLOUDTRAIL_REGION_PARTITION,
  type SourceColumn,
  sourceDuckDbType,
} from '../queries/tables';

/** Files under `dir` (recursively) whose names match `pattern`, sorted; none when `dir` does not exist. */
export function listFiles(dir: string, pattern: RegExp): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && pattern.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

const quote = (text: string): string => `'${text.replace(/'/g, "''")}'`;
const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`;
const fileList = (files: readonly string[]): string => `[${files.map(quote).join(', ')}]`;
const structOf = (columns: readonly SourceColumn[]): string =>
  `{${columns.map((column) => `${quote(column.jsonKey)}: ${quote(sourceDuckDbType(column))}`).join(', ')}}`;
const emptyView = (columns: ReadonlyArray<{ name: string; type: string }>): string =>
  `SELECT ${columns.map((column) => `CAST(NULL AS ${column.type}) AS ${ident(column.name)}`).join(', ')} WHERE false`;

function sourceSelect(alias: string, columns: readonly SourceColumn[]): string {
  return columns
    .map((column) => {
      const value = `${alias}.${ident(column.jsonKey)}`;
      return `${column.jsonText ? `CAST(${value} AS VARCHAR)` : value} AS ${ident(column.name)}`;
    })
    .join(', ');
}

const viewColumns = (columns: readonly SourceColumn[], partition: string) => [
  ...columns.map((column) => ({ name: column.name, type: column.jsonText ? 'VARCHAR' : duckDbType(column.type) })),
  { name: partition, type: 'VARCHAR' },
];

/**
 * DuckDB reads at most 16 MB per JSON object by default, and one record of a 20 MB PII-dense prompt is about 55 MB
 * (tokens and the envelope grow it): past the default a single record makes every local query fail. 256 MB covers
 * the largest record a 20 MB body can produce, with room.
 */
const MAX_OBJECT = 'maximum_object_size = 268435456';

/** The `CREATE VIEW` statements for a local audit folder (exported for tests and `--explain`-style debugging). */
export function localViewStatements(root: string): string[] {
  const auditFiles = listFiles(join(root, 'audit', 'v1'), /\.json$/);
  const auditColumns = AUDIT_COLUMNS.map((column) => ({ name: column.name, type: duckDbType(column.type) }));
  const auditSql =
    auditFiles.length === 0
      ? emptyView([...auditColumns, { name: 'dt', type: 'VARCHAR' }, { name: 'tenant', type: 'VARCHAR' }])
      : `SELECT * FROM read_json(${fileList(auditFiles)}, format = 'newline_delimited', ${MAX_OBJECT}, ` +
        `columns = {${auditColumns.map((column) => `${quote(column.name)}: ${quote(column.type)}`).join(', ')}}, ` +
        `hive_partitioning = true, hive_types = {'dt': 'VARCHAR', 'tenant': 'VARCHAR'})`;

  const trailFiles = listFiles(join(root, 'cloudtrail'), /\.json(\.gz)?$/);
  const trailSql =
    trailFiles.length === 0
      ? emptyView([
          ...viewColumns(CLOUDTRAIL_COLUMNS, CLOUDTRAIL_PARTITION).slice(0, -1),
          { name: CLOUDTRAIL_REGION_PARTITION, type: 'VARCHAR' },
          { name: CLOUDTRAIL_PARTITION, type: 'VARCHAR' },
        ])
      : `SELECT ${sourceSelect('r', CLOUDTRAIL_COLUMNS)}, ` +
        `regexp_extract(f.filename, '/CloudTrail/([^/]+)/\\d{4}/', 1) AS ${ident(CLOUDTRAIL_REGION_PARTITION)}, ` +
        `regexp_extract(f.filename, '/CloudTrail/[^/]+/(\\d{4}/\\d{2}/\\d{2})/', 1) AS ${ident(CLOUDTRAIL_PARTITION)} ` +
        `FROM (SELECT unnest(Records) AS r, filename FROM read_json(${fileList(trailFiles)}, format = 'auto', ${MAX_OBJECT}, ` +
        `columns = {'Records': '${structListType(CLOUDTRAIL_COLUMNS)}'}, filename = true)) AS f`;

  const bedrockFiles = listFiles(join(root, 'bedrock-invocations'), /\.json(l)?(\.gz)?$/);
  const bedrockSql =
    bedrockFiles.length === 0
      ? emptyView(viewColumns(BEDROCK_INVOCATION_COLUMNS, BEDROCK_INVOCATION_PARTITION))
      : `SELECT ${sourceSelect('b', BEDROCK_INVOCATION_COLUMNS)}, ` +
        `regexp_extract(b.filename, '/BedrockModelInvocationLogs/[^/]+/(\\d{4}/\\d{2}/\\d{2}/\\d{2})/', 1) AS ` +
        `${ident(BEDROCK_INVOCATION_PARTITION)} ` +
        `FROM read_json(${fileList(bedrockFiles)}, format = 'newline_delimited', ${MAX_OBJECT}, ` +
        `columns = ${structOf(BEDROCK_INVOCATION_COLUMNS)}, filename = true) AS b`;

  return [
    `CREATE OR REPLACE VIEW gateway_audit AS ${auditSql}`,
    `CREATE OR REPLACE VIEW cloudtrail_events AS ${trailSql}`,
    `CREATE OR REPLACE VIEW bedrock_invocations AS ${bedrockSql}`,
  ];
}

function structListType(columns: readonly SourceColumn[]): string {
  // Single quotes never occur in these type strings; the struct keys are the service's JSON keys.
  return `STRUCT(${columns.map((column) => `${ident(column.jsonKey)} ${sourceDuckDbType(column)}`).join(', ')})[]`;
}

/** Converts a DuckDB value to what Athena's runner returns: numbers, text, booleans, null (and JSON text). */
export function plainValue(value: DuckDBValue | unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') return value;
  if (value instanceof Date) return value.toISOString();
  return JSON.stringify(value, (_key, inner: unknown) => (typeof inner === 'bigint' ? Number(inner) : inner));
}

/** Options for {@link DuckDbQueryRunner.open}. */
export interface DuckDbQueryRunnerOptions {
  /** The local audit folder (e.g. `.gateway/audit`); the views read below it. */
  readonly root: string;
}

/** Runs SQL in an in-memory DuckDB with the three views over a local folder. */
export class DuckDbQueryRunner implements QueryRunner {
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    private readonly root: string,
  ) {}

  /** Opens DuckDB in memory and creates the views over `root`. */
  static async open(options: DuckDbQueryRunnerOptions): Promise<DuckDbQueryRunner> {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    const runner = new DuckDbQueryRunner(instance, connection, resolve(options.root));
    await runner.refresh();
    return runner;
  }

  /** Re-creates the views so that files written since `open` are read (the file list is fixed per view). */
  async refresh(): Promise<void> {
    for (const statement of localViewStatements(this.root)) await this.connection.run(statement);
  }

  async run(sql: string, options?: { onProgress?: (state: string) => void }): Promise<Array<Record<string, unknown>>> {
    options?.onProgress?.('RUNNING');
    const reader = await this.connection.runAndReadAll(sql);
    const names = reader.columnNames();
    const rows = reader
      .getRowObjectsJS()
      .map((row) => Object.fromEntries(names.map((name) => [name, plainValue(row[name])])));
    options?.onProgress?.('SUCCEEDED');
    return rows;
  }

  /** Closes the connection and the database. */
  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}
