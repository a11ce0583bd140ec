/**
 * Renders a named query for an engine and binds its parameters. Templates reference parameters as `:name`;
 * binding replaces each with a quoted SQL literal built from a validated value (or, for the Athena console,
 * with an expression relative to `current_date`). An unknown or unbound placeholder is a developer error.
 */
import { type Dialect, dialectFor, type Engine } from './dialect';
import { addDays, type QueryParameters } from './params';

/** What a template receives: the engine's dialect and the tenant-partition filter for a table alias. */
export interface SqlContext {
  readonly d: Dialect;
  /** `AND <alias>.tenant = :tenant` when a tenant was given, otherwise empty (no filter, all tenants). */
  tenantFilter(alias: string): string;
  /** Whether a tenant was given (for tables without a `tenant` partition, which filter on their own column). */
  readonly hasTenant: boolean;
}

/** Extra parameters a query needs beyond the date range (the optional `tenant` is accepted by all). */
export type RequiredParameter = 'gatewayRoleArn' | 'auditorArns';

/** How a scheduled check turns a query's rows into one number (alarmed when > 0). */
export interface QueryCheck {
  /** CloudWatch metric name in the `ClaudeComplianceGateway` namespace. */
  readonly metricName: string;
  /** Count only rows where this boolean column is true (default: every row). */
  readonly whereColumn?: string;
  /** Add this numeric column instead of counting rows (default: 1 per row). */
  readonly sumColumn?: string;
}

/** A named compliance query: data, rendered for Athena (console and API) and DuckDB from one template. */
export interface NamedQuery {
  /** kebab-case name used by the CLI and the Athena named query. */
  readonly name: string;
  /** The question it answers, and how to read the answer (at most 1024 characters: Athena's limit). */
  readonly description: string;
  /** Output columns, in order. */
  readonly columns: readonly string[];
  /** Parameters that must be supplied besides `from`/`to`. */
  readonly requires: readonly RequiredParameter[];
  /** Set for the checks the audit Lambda runs daily. */
  readonly check?: QueryCheck;
  /** The SQL template. */
  readonly sql: (context: SqlContext) => string;
}

/** Thrown when a query needs a parameter the caller did not give (e.g. the gateway role ARN). */
export class MissingQueryParameterError extends Error {
  constructor(
    readonly query: string,
    readonly parameter: string,
  ) {
    super(`query ${query} needs --${parameter}`);
    this.name = 'MissingQueryParameterError';
  }
}

const PLACEHOLDER = /(?<![:\w]):([a-z][a-z0-9_]*)/g;

/** Quotes a value as a SQL string literal (values are validated first; quoting is the second line of defence). */
export function sqlLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** A parenthesised list of string literals, for `IN (...)`. */
export function sqlList(values: readonly string[]): string {
  return `(${values.map(sqlLiteral).join(', ')})`;
}

const slashed = (day: string): string => day.replace(/-/g, '/');

function bind(sql: string, bindings: Readonly<Record<string, string>>, queryName: string): string {
  return sql.replace(PLACEHOLDER, (_match, name: string) => {
    const value = bindings[name];
    if (value === undefined) throw new Error(`query ${queryName}: placeholder :${name} has no binding`);
    return value;
  });
}

function template(query: NamedQuery, engine: Engine, hasTenant: boolean): string {
  const context: SqlContext = {
    d: dialectFor(engine),
    tenantFilter: (alias) => (hasTenant ? `AND ${alias}.tenant = :tenant` : ''),
    hasTenant,
  };
  return query
    .sql(context)
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line.trim() !== '')
    .join('\n');
}

/** Literal bindings for validated parameters, derived dates included. */
export function literalBindings(params: QueryParameters): Record<string, string> {
  const bindings: Record<string, string> = {
    from: sqlLiteral(params.from),
    to: sqlLiteral(params.to),
    from_minus_1: sqlLiteral(addDays(params.from, -1)),
    from_minus_7: sqlLiteral(addDays(params.from, -7)),
    to_plus_1: sqlLiteral(addDays(params.to, 1)),
    ct_from: sqlLiteral(slashed(params.from)),
    ct_from_minus_1: sqlLiteral(slashed(addDays(params.from, -1))),
    ct_to_plus_1: sqlLiteral(slashed(addDays(params.to, 1))),
    ct_to_plus_2: sqlLiteral(slashed(addDays(params.to, 2))),
    as_of: sqlLiteral(params.asOf),
  };
  if (params.tenant !== null) bindings.tenant = sqlLiteral(params.tenant);
  if (params.gatewayRoleArn !== null) bindings.gateway_role_arn = sqlLiteral(params.gatewayRoleArn);
  if (params.auditorArns !== null) bindings.auditor_arns = sqlList(params.auditorArns);
  return bindings;
}

/** Renders `query` for `engine` with validated parameters. */
export function renderQuery(query: NamedQuery, engine: Engine, params: QueryParameters): string {
  for (const required of query.requires) {
    if (required === 'gatewayRoleArn' && params.gatewayRoleArn === null) {
      throw new MissingQueryParameterError(query.name, 'gateway-role-arn');
    }
    if (required === 'auditorArns' && params.auditorArns === null) {
      throw new MissingQueryParameterError(query.name, 'auditor-arns');
    }
  }
  return bind(template(query, engine, params.tenant !== null), literalBindings(params), query.name);
}

/** Days back from today that the console rendering of a named query covers (today included). */
export const CONSOLE_RANGE_DAYS = 7;

/** A `YYYY-MM-DD` (or `YYYY/MM/DD`) text expression for `current_date + offset` in Athena. */
function athenaDayExpression(offset: number, slashes: boolean): string {
  const day = offset === 0 ? 'current_date' : `date_add('day', ${offset}, current_date)`;
  const text = `CAST(${day} AS VARCHAR)`;
  return slashes ? `replace(${text}, '-', '/')` : text;
}

/** The console stand-in for the auditor list: a visible placeholder the auditor replaces. */
export const UNSET_AUDITOR_ARN = 'arn:aws:iam::000000000000:role/SET-THE-AUDITOR-ROLE-ARNS';

/**
 * Renders `query` as an Athena named query for the console: the range is the last 7 days (today included),
 * all tenants; edit the first lines to change it. `gatewayRoleArn` is bound as a literal (it may be a CDK token);
 * `auditorArns` defaults to a visible placeholder.
 */
export function renderAthenaConsoleQuery(
  query: NamedQuery,
  gatewayRoleArn: string,
  auditorArns: readonly string[] = [UNSET_AUDITOR_ARN],
): string {
  const from = -(CONSOLE_RANGE_DAYS - 1);
  const bindings: Record<string, string> = {
    from: athenaDayExpression(from, false),
    to: athenaDayExpression(0, false),
    from_minus_1: athenaDayExpression(from - 1, false),
    from_minus_7: athenaDayExpression(from - 7, false),
    to_plus_1: athenaDayExpression(1, false),
    ct_from: athenaDayExpression(from, true),
    ct_from_minus_1: athenaDayExpression(from - 1, true),
    ct_to_plus_1: athenaDayExpression(1, true),
    ct_to_plus_2: athenaDayExpression(2, true),
    as_of: 'to_iso8601(current_timestamp)',
    gateway_role_arn: sqlLiteral(gatewayRoleArn),
    auditor_arns: sqlList(auditorArns),
  };
  const header = [
    `-- ${query.name}: last ${CONSOLE_RANGE_DAYS} days (UTC), all tenants.`,
    "-- To change the range, replace the current_date expressions with literals such as '2026-01-31'.",
  ].join('\n');
  return `${header}\n${bind(template(query, 'athena', false), bindings, query.name)}`;
}
