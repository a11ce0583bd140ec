/**
 * The auditor CLI (`npm run audit -- <command>`, or the `gateway-audit` bin): list the named queries, run one in
 * Athena or locally in DuckDB, and re-identify a token from a record's envelope. All I/O and clients are
 * injected, and the function returns an exit code instead of exiting, so every path is testable.
 *
 * Exit codes: 0 success, 1 the operation failed, 2 bad usage (unknown query, bad date, missing flag),
 * 3 the caller's credentials may not decrypt with the re-identification key, 4 leak-scan found suspected raw PII.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { parseArgs } from 'node:util';
import { validateAuditRecord } from '../shared/audit/record';
import { ENV } from '../shared/env';
import { open } from '../shared/pii/envelope';
import type { KeyDecryptor, QueryRunner } from '../shared/ports';
import {
  addDays,
  defaultRange,
  findQuery,
  formatDay,
  InvalidQueryParameterError,
  MissingQueryParameterError,
  NAMED_QUERIES,
  parseDay,
  renderQuery,
  UnknownQueryError,
  validateQueryParameters,
} from '../shared/queries';
import { LEAK_SCAN_SOURCE } from '../shared/queries/leak-scan-source';
import { formatRows, OUTPUT_FORMATS, type OutputFormat } from './format';
import { detectOptionsFor, findingsByType, LEAK_FINDING_COLUMNS, scanRecords, UnknownPiiTypeError } from './leak-scan';
import { describeSummary, summariseLocalAuditFolder } from './local-audit-folder';

export const EXIT = { ok: 0, failed: 1, usage: 2, accessDenied: 3, leaksFound: 4 } as const;

/** Defaults matching `athenaWorkgroupNameFor` / `glueDatabaseNameFor` with the default stack prefix. */
export const DEFAULT_WORKGROUP = 'ClaudeGateway-compliance';
export const DEFAULT_DATABASE = 'claude_gateway_audit';
/**
 * The dev server's local master key for a local audit folder: `npm run dev` keeps its state in `.gateway/`
 * (`master.key`) and, by default, the records in `.gateway/audit/`, so the key sits next to the folder. With a
 * custom GATEWAY_AUDIT_DIR the state stays in `./.gateway/`, which is the fallback. Override: --key-file.
 */
export function localKeyFile(localAuditDir: string, exists: (path: string) => boolean = existsSync): string {
  const beside = join(localAuditDir, '..', 'master.key');
  const devServerDefault = join('.gateway', 'master.key');
  return !exists(beside) && exists(devServerDefault) ? devServerDefault : beside;
}

/** Environment variables the CLI reads as fallbacks for flags. */
export const CLI_ENV = {
  workgroup: ENV.athenaWorkgroup,
  database: ENV.glueDatabase,
  gatewayRoleArn: ENV.gatewayRoleArn,
  auditBucket: ENV.auditBucket,
} as const;

export interface CliDeps {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly now: () => Date;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Athena runner for a workgroup and database. */
  readonly athenaRunner: (options: { workgroup: string; database: string }) => QueryRunner;
  /** DuckDB runner over a local audit folder. */
  readonly localRunner: (dir: string) => Promise<QueryRunner & { close(): void }>;
  /** Reads an object's text from S3. */
  readonly readS3Object: (bucket: string, key: string) => Promise<string>;
  /** KMS decryptor pinned to the envelope's key. */
  readonly kmsDecryptor: (keyId: string) => KeyDecryptor;
  /** Local decryptor over the dev server's master key file. */
  readonly localDecryptor: (keyFile: string) => KeyDecryptor;
}

/** A usage error: printed with a hint, exit code 2. */
class UsageError extends Error {
  override readonly name = 'UsageError';
}

const USAGE = `Usage: gateway-audit <command>

Commands:
  queries                         List the named compliance queries.
  run <name> [options]            Run a named query (Athena, or DuckDB with --local).
      --from YYYY-MM-DD           First day, UTC (default: 6 days before --to).
      --to YYYY-MM-DD             Last day, UTC (default: today).
      --tenant ID                 Only this tenant.
      --format table|csv|json     Output format (default: table).
      --local DIR                 Query a local audit folder (e.g. .gateway/audit) with DuckDB.
      --workgroup NAME            Athena workgroup (default: $${CLI_ENV.workgroup} or ${DEFAULT_WORKGROUP}).
      --database NAME             Glue database (default: $${CLI_ENV.database} or ${DEFAULT_DATABASE}).
      --gateway-role-arn ARN      The gateway's IAM role (shadow-bedrock-usage, reconciliation;
                                  default: $${CLI_ENV.gatewayRoleArn}).
      --auditor-arns ARN,ARN      Principals allowed to read the trail (audit-trail-reads-outside-auditors).
  leak-scan [options]             Re-run the PII engine over stored redacted prompts and completions; list
                                  suspected raw PII (type, record, field, offset; never the value) and exit 4
                                  when there is any. --from, --to, --tenant, --local, --format, --workgroup,
                                  --database as for run; --types T,T limits the scan to these PII types.
  reidentify <token> --record <s3://bucket/key | key | path> [--local DIR] [--bucket NAME] [--key-file FILE]
                                  Print the original value behind <token> from the record's envelope
                                  (KMS Decrypt with your credentials; with --local the dev server's key,
                                  default DIR/../master.key). Bucket default: $${CLI_ENV.auditBucket}.
`;

function isAccessDenied(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== null && typeof current === 'object'; depth += 1) {
    const { name, Code } = current as { name?: unknown; Code?: unknown };
    if (
      (typeof name === 'string' && /AccessDenied/i.test(name)) ||
      (typeof Code === 'string' && /AccessDenied/i.test(Code))
    ) {
      return true;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

function message(error: unknown): string {
  if (typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string') {
    return (error as { message: string }).message;
  }
  return String(error);
}

/** A comma-separated flag value as a list (blanks dropped). */
export function splitList(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function listQueries(deps: CliDeps): number {
  const width = Math.max(...NAMED_QUERIES.map((query) => query.name.length));
  for (const query of NAMED_QUERIES) deps.stdout(`${query.name.padEnd(width)}  ${query.description}\n`);
  return EXIT.ok;
}

/** Options every query-reading command takes: the period, a tenant, the output, and where the records are. */
const PERIOD_QUERY_OPTIONS = {
  from: { type: 'string' },
  to: { type: 'string' },
  tenant: { type: 'string' },
  format: { type: 'string' },
  local: { type: 'string' },
  workgroup: { type: 'string' },
  database: { type: 'string' },
} as const;

function outputFormatOf(value: string | undefined): OutputFormat {
  const format = (value ?? 'table') as OutputFormat;
  if (!OUTPUT_FORMATS.includes(format)) {
    throw new UsageError(`--format must be one of ${OUTPUT_FORMATS.join(', ')} (got "${value}")`);
  }
  return format;
}

/** `--from`/`--to`, defaulting to the seven days ending today (or ending `--to`). */
function periodOf(values: { from?: string; to?: string }, now: Date): { from: string; to: string } {
  const to = values.to ?? defaultRange(now).to;
  return { from: values.from ?? addDays(formatDay(parseDay(to, 'to')), -6), to };
}

/** The Athena workgroup and database: flags, then the environment, then the shipped defaults. */
function athenaTargetOf(values: { workgroup?: string; database?: string }, deps: CliDeps) {
  return {
    workgroup: values.workgroup ?? deps.env[CLI_ENV.workgroup] ?? DEFAULT_WORKGROUP,
    database: values.database ?? deps.env[CLI_ENV.database] ?? DEFAULT_DATABASE,
  };
}

async function runQuery(args: readonly string[], deps: CliDeps): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    strict: true,
    options: {
      ...PERIOD_QUERY_OPTIONS,
      'gateway-role-arn': { type: 'string' },
      'auditor-arns': { type: 'string' },
    },
  });
  const [name, ...extra] = positionals;
  if (name === undefined) throw new UsageError('run needs a query name; see "gateway-audit queries"');
  if (extra.length > 0) throw new UsageError(`unexpected arguments: ${extra.join(' ')}`);
  const query = findQuery(name);
  const format = outputFormatOf(values.format);
  const now = deps.now();
  const { from, to } = periodOf(values, now);
  const gatewayRoleArn = values['gateway-role-arn'] ?? deps.env[CLI_ENV.gatewayRoleArn];
  const params = validateQueryParameters(
    {
      from,
      to,
      ...(values.tenant !== undefined ? { tenant: values.tenant } : {}),
      ...(gatewayRoleArn ? { gatewayRoleArn } : {}),
      ...(values['auditor-arns'] !== undefined ? { auditorArns: splitList(values['auditor-arns']) } : {}),
    },
    now,
  );

  if (values.local !== undefined) {
    if (!existsSync(values.local)) throw new UsageError(`--local folder ${values.local} does not exist`);
    const { folder, selected } = summariseLocalAuditFolder(values.local, {
      from: params.from,
      to: params.to,
      ...(values.tenant !== undefined ? { tenant: values.tenant } : {}),
    });
    if (folder.records === 0) {
      // An empty answer from a wrong folder must not read as a clean bill of health.
      deps.stderr(
        `error: ${values.local} holds no audit records (no audit/v1/dt=…/tenant=…/*.json under it). ` +
          'Point --local at the audit folder of the local gateway (GATEWAY_AUDIT_DIR, default .gateway/audit).\n',
      );
      return EXIT.failed;
    }
    const scope = `${params.from} to ${params.to}${values.tenant !== undefined ? `, tenant ${values.tenant}` : ''}`;
    deps.stderr(
      `local ${values.local}: read ${describeSummary(selected)} for ${scope}; folder holds ${describeSummary(folder)}\n`,
    );
    if (selected.records === 0) {
      deps.stderr('warning: no audit record falls in that range: an empty result says nothing about compliance.\n');
    }
    const runner = await deps.localRunner(values.local);
    try {
      const rows = await runner.run(renderQuery(query, 'duckdb', params));
      deps.stdout(formatRows(format, query.columns, rows));
    } finally {
      runner.close();
    }
    return EXIT.ok;
  }

  const { workgroup, database } = athenaTargetOf(values, deps);
  const sql = renderQuery(query, 'athena', params);
  const started = deps.now().getTime();
  let last = '';
  const rows = await deps.athenaRunner({ workgroup, database }).run(sql, {
    onProgress: (state) => {
      if (state === last) return;
      last = state;
      const seconds = ((deps.now().getTime() - started) / 1000).toFixed(1);
      deps.stderr(`athena ${workgroup}: ${state} (${seconds} s)\n`);
    },
  });
  deps.stdout(formatRows(format, query.columns, rows));
  return EXIT.ok;
}

async function readRecordText(
  location: string,
  local: string | undefined,
  bucketFlag: string | undefined,
  deps: CliDeps,
): Promise<string> {
  const s3 = /^s3:\/\/([^/]+)\/(.+)$/.exec(location);
  if (s3?.[1] && s3[2]) return deps.readS3Object(s3[1], s3[2]);
  if (local !== undefined) {
    const path = isAbsolute(location) || existsSync(location) ? location : join(local, location);
    if (!existsSync(path)) throw new UsageError(`record ${path} does not exist`);
    return readFileSync(path, 'utf8');
  }
  if (existsSync(location)) return readFileSync(location, 'utf8');
  const bucket = bucketFlag ?? deps.env[CLI_ENV.auditBucket];
  if (!bucket) {
    throw new UsageError(
      `--record ${location} is not a local file; give s3://bucket/key, --bucket or $${CLI_ENV.auditBucket}`,
    );
  }
  return deps.readS3Object(bucket, location);
}

async function reidentify(args: readonly string[], deps: CliDeps): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    strict: true,
    options: {
      record: { type: 'string' },
      local: { type: 'string' },
      bucket: { type: 'string' },
      'key-file': { type: 'string' },
    },
  });
  const [token, ...extra] = positionals;
  if (token === undefined || token.trim() === '') throw new UsageError('reidentify needs a token');
  if (extra.length > 0) throw new UsageError(`unexpected arguments: ${extra.join(' ')}`);
  if (values.record === undefined) throw new UsageError('reidentify needs --record <s3-key-or-local-path>');

  let text: string;
  try {
    text = await readRecordText(values.record, values.local, values.bucket, deps);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    if (isAccessDenied(error)) {
      deps.stderr(`Access denied: your AWS credentials may not read the record ${values.record}.\n`);
      return EXIT.accessDenied;
    }
    deps.stderr(`Could not read the record ${values.record}: ${message(error)}\n`);
    return EXIT.failed;
  }
  let envelope: unknown;
  try {
    const record = validateAuditRecord(JSON.parse(text));
    envelope = record.reid_envelope;
  } catch (error) {
    deps.stderr(`${values.record} is not a valid audit record: ${message(error)}\n`);
    return EXIT.failed;
  }
  if (envelope === null || typeof envelope !== 'object') {
    deps.stderr('This record has no re-identification envelope (no PII was replaced, or metadata-only mode).\n');
    return EXIT.failed;
  }
  const keyId = (envelope as { key_id: string }).key_id;
  const decryptor =
    values.local !== undefined
      ? deps.localDecryptor(values['key-file'] ?? localKeyFile(values.local))
      : deps.kmsDecryptor(keyId);
  let mapping: Map<string, string>;
  try {
    mapping = await open(envelope, decryptor);
  } catch (error) {
    if (isAccessDenied(error)) {
      deps.stderr(
        `Access denied: the caller's credentials may not decrypt with the re-identification key ${keyId}.\n` +
          'Re-identification needs kms:Decrypt on that key, which only the principals named by the key owner hold.\n',
      );
      return EXIT.accessDenied;
    }
    deps.stderr(`The envelope could not be opened: ${message(error)}\n`);
    return EXIT.failed;
  }
  const original = mapping.get(token);
  if (original === undefined) {
    deps.stderr(`Token ${token} does not occur in this record's envelope.\n`);
    return EXIT.failed;
  }
  deps.stdout(`${original}\n`);
  return EXIT.ok;
}

/** A `--local` folder with no audit records in it. */
class EmptyLocalFolderError extends Error {
  override readonly name = 'EmptyLocalFolderError';
  constructor(folder: string) {
    super(
      `${folder} holds no audit records (no audit/v1/dt=…/tenant=…/*.json under it). ` +
        'Point --local at the audit folder of the local gateway (GATEWAY_AUDIT_DIR, default .gateway/audit).',
    );
  }
}

/** Rows of `LEAK_SCAN_SOURCE` from DuckDB over a local folder, or from Athena. */
async function leakScanRows(
  params: ReturnType<typeof validateQueryParameters>,
  values: { local?: string; workgroup?: string; database?: string },
  deps: CliDeps,
): Promise<Array<Record<string, unknown>>> {
  if (values.local !== undefined) {
    if (!existsSync(values.local)) throw new UsageError(`--local folder ${values.local} does not exist`);
    const { folder } = summariseLocalAuditFolder(values.local, {
      from: params.from,
      to: params.to,
      ...(params.tenant !== null ? { tenant: params.tenant } : {}),
    });
    // A wrong folder would scan nothing and pass: refuse it, as `run` does.
    if (folder.records === 0) throw new EmptyLocalFolderError(values.local);
    const runner = await deps.localRunner(values.local);
    try {
      return await runner.run(renderQuery(LEAK_SCAN_SOURCE, 'duckdb', params));
    } finally {
      runner.close();
    }
  }
  const { workgroup, database } = athenaTargetOf(values, deps);
  return deps.athenaRunner({ workgroup, database }).run(renderQuery(LEAK_SCAN_SOURCE, 'athena', params), {
    onProgress: (state) => deps.stderr(`athena ${workgroup}: ${state}\n`),
  });
}

async function leakScan(args: readonly string[], deps: CliDeps): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    strict: true,
    options: {
      ...PERIOD_QUERY_OPTIONS,
      types: { type: 'string' },
    },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected arguments: ${positionals.join(' ')}`);
  const format = outputFormatOf(values.format);
  const options = detectOptionsFor(values.types === undefined ? undefined : splitList(values.types));
  const now = deps.now();
  const { from, to } = periodOf(values, now);
  const params = validateQueryParameters(
    { from, to, ...(values.tenant !== undefined ? { tenant: values.tenant } : {}) },
    now,
  );
  let rows: Array<Record<string, unknown>>;
  try {
    rows = await leakScanRows(params, values, deps);
  } catch (error) {
    if (!(error instanceof EmptyLocalFolderError)) throw error;
    deps.stderr(`error: ${error.message}\n`);
    return EXIT.failed;
  }
  const result = scanRecords(rows, options);
  if (result.records === 0) {
    deps.stderr('warning: no record with stored text falls in that range: a clean scan of nothing proves nothing.\n');
  }
  const byType = Object.entries(findingsByType(result.findings))
    .map(([type, count]) => `${type} ${count}`)
    .join(', ');
  deps.stderr(
    `leak-scan ${from}..${to}: ${result.records} records, ${result.texts} texts, ${result.characters} characters; ` +
      `${result.findings.length} suspected leaks in ${result.recordsWithFindings} records${byType ? ` (${byType})` : ''}\n`,
  );
  if (result.findings.length === 0) return EXIT.ok;
  deps.stdout(
    formatRows(
      format,
      LEAK_FINDING_COLUMNS,
      result.findings.map((finding) => ({ ...finding })),
    ),
  );
  return EXIT.leaksFound;
}

/** Runs the CLI with `argv` (without `node` and the script) and returns the exit code. */
export async function runCli(argv: readonly string[], deps: CliDeps): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'queries':
        return listQueries(deps);
      case 'run':
        return await runQuery(rest, deps);
      case 'reidentify':
        return await reidentify(rest, deps);
      case 'leak-scan':
        return await leakScan(rest, deps);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        deps.stdout(USAGE);
        return command === undefined ? EXIT.usage : EXIT.ok;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    const usage =
      error instanceof UsageError ||
      error instanceof UnknownQueryError ||
      error instanceof InvalidQueryParameterError ||
      error instanceof MissingQueryParameterError ||
      error instanceof UnknownPiiTypeError ||
      // parseArgs errors carry a code; checked by code alone because `instanceof` fails across realms.
      (typeof error === 'object' &&
        error !== null &&
        String((error as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS'));
    if (usage) {
      deps.stderr(`error: ${message(error)}\nRun "gateway-audit help" for usage.\n`);
      return EXIT.usage;
    }
    deps.stderr(`error: ${message(error)}\n`);
    return EXIT.failed;
  }
}
