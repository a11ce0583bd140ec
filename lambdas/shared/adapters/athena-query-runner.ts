/**
 * QueryRunner on Athena: starts the query in the compliance workgroup (whose enforced settings choose the
 * results location and encryption), polls with exponential backoff, then pages through the results and types
 * each value from the result-set metadata.
 */
import {
  type AthenaClient,
  type ColumnInfo,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  type Row,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import type { QueryRunner } from '../ports';

/** The query ended in FAILED; `reason` is Athena's StateChangeReason (e.g. a syntax error or a missing table). */
export class AthenaQueryFailedError extends Error {
  constructor(
    readonly queryExecutionId: string,
    readonly reason: string,
  ) {
    super(`Athena query ${queryExecutionId} failed: ${reason}`);
    this.name = 'AthenaQueryFailedError';
  }
}

/** Somebody (or the workgroup's scan limit) cancelled the query. */
export class AthenaQueryCancelledError extends Error {
  constructor(
    readonly queryExecutionId: string,
    readonly reason: string | undefined,
  ) {
    super(`Athena query ${queryExecutionId} was cancelled${reason ? `: ${reason}` : ''}`);
    this.name = 'AthenaQueryCancelledError';
  }
}

/** The query did not finish within the timeout; the runner asked Athena to stop it. */
export class AthenaQueryTimeoutError extends Error {
  constructor(
    readonly queryExecutionId: string,
    readonly timeoutMs: number,
  ) {
    super(`Athena query ${queryExecutionId} did not finish within ${Math.round(timeoutMs / 1000)} s; it was stopped`);
    this.name = 'AthenaQueryTimeoutError';
  }
}

export interface AthenaQueryRunnerOptions {
  readonly client: AthenaClient;
  /** The workgroup (its configuration is enforced: output location, encryption, scan limit). */
  readonly workgroup: string;
  /** Glue database holding `gateway_audit`, `cloudtrail_events`, `bedrock_invocations`. */
  readonly database: string;
  /** @default 'AwsDataCatalog' */
  readonly catalog?: string;
  /** First delay between polls. @default 250 */
  readonly initialPollMs?: number;
  /** Longest delay between polls. @default 5000 */
  readonly maxPollMs?: number;
  /** Give up (and stop the query) after this long. @default 300000 (5 minutes) */
  readonly timeoutMs?: number;
  /** Rows per GetQueryResults page (Athena allows up to 1000). @default 1000 */
  readonly pageSize?: number;
  /** Injectable for tests. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Injectable for tests: milliseconds, monotonic. */
  readonly now?: () => number;
}

const NUMERIC = new Set(['tinyint', 'smallint', 'integer', 'int', 'bigint', 'double', 'float', 'real', 'decimal']);

/** Converts Athena's text value to the column's JS type (numbers, booleans; everything else stays text). */
export function typedValue(text: string | undefined, type: string | undefined): unknown {
  if (text === undefined) return null;
  const base = (type ?? 'varchar').toLowerCase().replace(/\(.*$/, '');
  if (NUMERIC.has(base)) return Number(text);
  if (base === 'boolean') return text === 'true';
  return text;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class AthenaQueryRunner implements QueryRunner {
  private readonly client: AthenaClient;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;

  constructor(private readonly options: AthenaQueryRunnerOptions) {
    this.client = options.client;
    this.sleep = options.sleep ?? defaultSleep;
    this.now = options.now ?? (() => performance.now());
  }

  async run(sql: string, options?: { onProgress?: (state: string) => void }): Promise<Array<Record<string, unknown>>> {
    const started = await this.client.send(
      new StartQueryExecutionCommand({
        QueryString: sql,
        WorkGroup: this.options.workgroup,
        QueryExecutionContext: { Database: this.options.database, Catalog: this.options.catalog ?? 'AwsDataCatalog' },
      }),
    );
    const id = started.QueryExecutionId;
    if (!id) throw new Error('Athena StartQueryExecution returned no QueryExecutionId');
    await this.waitForSuccess(id, options?.onProgress);
    return this.readResults(id);
  }

  private async waitForSuccess(id: string, onProgress?: (state: string) => void): Promise<void> {
    const timeoutMs = this.options.timeoutMs ?? 300_000;
    const maxPollMs = this.options.maxPollMs ?? 5_000;
    const deadline = this.now() + timeoutMs;
    let delay = this.options.initialPollMs ?? 250;
    for (;;) {
      const { QueryExecution: execution } = await this.client.send(
        new GetQueryExecutionCommand({ QueryExecutionId: id }),
      );
      const state = execution?.Status?.State ?? 'UNKNOWN';
      onProgress?.(state);
      if (state === 'SUCCEEDED') return;
      if (state === 'FAILED') {
        throw new AthenaQueryFailedError(id, execution?.Status?.StateChangeReason ?? 'no reason given');
      }
      if (state === 'CANCELLED') throw new AthenaQueryCancelledError(id, execution?.Status?.StateChangeReason);
      if (this.now() + delay > deadline) {
        await this.client.send(new StopQueryExecutionCommand({ QueryExecutionId: id })).catch(() => undefined);
        throw new AthenaQueryTimeoutError(id, timeoutMs);
      }
      await this.sleep(delay);
      delay = Math.min(delay * 2, maxPollMs);
    }
  }

  private async readResults(id: string): Promise<Array<Record<string, unknown>>> {
    const rows: Array<Record<string, unknown>> = [];
    let columns: ColumnInfo[] | undefined;
    let nextToken: string | undefined;
    let firstPage = true;
    do {
      const page = await this.client.send(
        new GetQueryResultsCommand({
          QueryExecutionId: id,
          MaxResults: this.options.pageSize ?? 1000,
          ...(nextToken ? { NextToken: nextToken } : {}),
        }),
      );
      columns ??= page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? [];
      let pageRows: Row[] = page.ResultSet?.Rows ?? [];
      // SELECT results repeat the column names as the first row of the first page.
      if (firstPage && pageRows.length > 0 && isHeader(pageRows[0], columns)) pageRows = pageRows.slice(1);
      firstPage = false;
      for (const row of pageRows) rows.push(toObject(row, columns));
      nextToken = page.NextToken;
    } while (nextToken);
    return rows;
  }
}

function isHeader(row: Row | undefined, columns: readonly ColumnInfo[]): boolean {
  const data = row?.Data ?? [];
  return data.length === columns.length && data.every((datum, index) => datum.VarCharValue === columns[index]?.Name);
}

function toObject(row: Row, columns: readonly ColumnInfo[]): Record<string, unknown> {
  const data = row.Data ?? [];
  return Object.fromEntries(
    columns.map((column, index) => [column.Name ?? `_col${index}`, typedValue(data[index]?.VarCharValue, column.Type)]),
  );
}
