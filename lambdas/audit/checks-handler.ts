/**
 * The daily audit checks: runs `orphaned-pre-call`, `residency-evidence`, `shadow-bedrock-usage` and
 * `gateway-cloudtrail-reconciliation` for yesterday (UTC) in Athena and publishes one number per check as a
 * CloudWatch metric; an alarm fires on any value above zero. A check that fails to run is logged and makes the
 * invocation fail (after the others were published), so the function's error alarm catches it too.
 */
import type { QueryRunner } from '../shared/ports';
import {
  addDays,
  type Engine,
  findQuery,
  formatDay,
  type NamedQuery,
  type QueryCheck,
  renderQuery,
  validateQueryParameters,
} from '../shared/queries';

/** The queries the daily run executes, in order. */
export const DAILY_CHECKS = [
  'orphaned-pre-call',
  // The Region from Bedrock's invocation logs and CloudTrail (and Anthropic's usage.inference_geo), not the
  // gateway's own choice: `residency-report` only compares the gateway with its policy.
  'residency-evidence',
  'shadow-bedrock-usage',
  'gateway-cloudtrail-reconciliation',
] as const;

/** One published value. */
export interface CheckResult {
  readonly query: string;
  readonly metricName: string;
  readonly value: number;
  readonly day: string;
}

/** Where the numbers go (CloudWatch PutMetricData in AWS). */
export interface CheckMetricsPublisher {
  publish(results: readonly CheckResult[]): Promise<void>;
}

export interface ChecksLogger {
  info(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

export interface ChecksDeps {
  readonly runner: QueryRunner;
  readonly metrics: CheckMetricsPublisher;
  readonly logger: ChecksLogger;
  readonly now: () => Date;
  /** The gateway proxy's role ARN (shadow usage excludes it; reconciliation matches it). */
  readonly gatewayRoleArn: string;
  /**
   * The SQL dialect of `runner`.
   * @default 'athena'
   */
  readonly engine?: Engine;
}

/** Thrown after publishing when one or more checks could not run. */
export class AuditChecksFailedError extends Error {
  constructor(readonly queries: readonly string[]) {
    super(`audit checks failed to run: ${queries.join(', ')}`);
    this.name = 'AuditChecksFailedError';
  }
}

/** The number a check reports: rows (optionally only where a boolean column is true), or a column's sum. */
export function checkValue(check: QueryCheck, rows: ReadonlyArray<Readonly<Record<string, unknown>>>): number {
  let total = 0;
  for (const row of rows) {
    if (check.whereColumn !== undefined && row[check.whereColumn] !== true) continue;
    total += check.sumColumn === undefined ? 1 : Number(row[check.sumColumn] ?? 0);
  }
  return total;
}

function checkOf(query: NamedQuery): QueryCheck {
  if (!query.check) throw new Error(`query ${query.name} is not a check`);
  return query.check;
}

/** Builds the scheduled handler; it returns the published results. */
export function makeChecksHandler(deps: ChecksDeps): () => Promise<CheckResult[]> {
  return async () => {
    const now = deps.now();
    const day = addDays(formatDay(now), -1);
    const params = validateQueryParameters(
      { from: day, to: day, gatewayRoleArn: deps.gatewayRoleArn, asOf: now.toISOString() },
      now,
    );
    const results: CheckResult[] = [];
    const failed: string[] = [];
    for (const name of DAILY_CHECKS) {
      const query = findQuery(name);
      const check = checkOf(query);
      try {
        const rows = await deps.runner.run(renderQuery(query, deps.engine ?? 'athena', params));
        const value = checkValue(check, rows);
        results.push({ query: name, metricName: check.metricName, value, day });
        deps.logger.info('audit check ran', { query: name, day, value, rows: rows.length });
      } catch (error) {
        failed.push(name);
        deps.logger.error('audit check failed to run', {
          query: name,
          day,
          reason: error instanceof Error ? error.message : String(error),
        });
      }
    }
    if (results.length > 0) await deps.metrics.publish(results);
    if (failed.length > 0) throw new AuditChecksFailedError(failed);
    return results;
  };
}
