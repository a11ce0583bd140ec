/**
 * The operations alarms the seeds ask for (cost, cache-hit rate, audit-store health, daily checks, policy,
 * upstream), each documented in docs/runbook.md, and the gateway metrics and expressions they share with the
 * dashboard. Metric names, dimensions and the namespace come from `lambdas/shared/observability/metric-names.ts`,
 * the same module the Lambdas emit with.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import {
  DIMENSIONS,
  METRIC_NAMESPACE,
  METRICS,
  type MetricSpec,
  metricDimensions,
} from '../../lambdas/shared/observability/metric-names';

/** Days in the cost alarm's window: the alarm range cap (period x evaluation periods <= 7 days). */
const COST_WINDOW_DAYS = 7;

/** Alarm thresholds (from config). */
export interface OperationsThresholds {
  /**
   * Upstream 5xx/529/timeout rate, percent of requests, over 5-minute periods (2 of 3 breaching).
   * @default 5
   */
  readonly upstreamErrorRatePercent?: number;
  /**
   * p99 of LatencyMs over 5-minute periods (2 of 3 breaching). Streaming calls are long: size it to the
   * slowest legitimate generation.
   * @default 60000
   */
  readonly p99LatencyMs?: number;
  /**
   * Daily cost increase that alarms, percent above the trailing week's daily mean (the seed: 20).
   * @default 20
   */
  readonly dailyCostIncreasePercent?: number;
  /**
   * Below this weekly cache-hit rate (percent) a tenant alarms (the seed's KPI: 50).
   * @default 50
   */
  readonly cacheHitRatePercent?: number;
  /**
   * The cost alarm stays quiet while the trailing daily mean is below this many USD (noise on tiny spend).
   * @default 1
   */
  readonly costAlarmMinDailyUsd?: number;
}

export interface OperationsAlarmsOptions {
  /** One cost and one cache-hit alarm per tenant (plus the deployment-wide cost alarm). */
  readonly tenantIds: readonly string[];
  /** Tenants that set `businessHours`: each gets a CallsOutsideBusinessHours alarm. */
  readonly businessHoursTenantIds: readonly string[];
  /** The audit DLQ: alarms when not empty for 15 minutes. */
  readonly deadLetterQueue?: sqs.IQueue;
  /** Resolved thresholds (defaults applied, validated). */
  readonly thresholds: Required<OperationsThresholds>;
  /**
   * Functions whose throttles alarm (key `throttles:<name>`): a throttled proxy or authorizer is a refused call.
   * @default {} - no throttles alarm
   */
  readonly throttledFunctions?: Readonly<Record<string, lambda.IFunction>>;
  /** What every alarm does when it fires (the SNS action on the alarm topic). */
  readonly action: cloudwatch.IAlarmAction;
}

/**
 * Creates every operations alarm as a child of `scope` (so the construct ids, and the logical ids, are the
 * scope's) and returns them by a stable key (`costIncrease:total`, `cacheHitRate:<tenant>`, ...), in creation
 * order.
 */
export function addOperationsAlarms(scope: Construct, options: OperationsAlarmsOptions): Map<string, cloudwatch.Alarm> {
  const builder = new OperationsAlarmBuilder(scope, options.action);
  const t = options.thresholds;
  builder.addCostAlarms(options.tenantIds, t);
  builder.addCacheHitAlarms(options.tenantIds, t.cacheHitRatePercent);
  builder.addAuditHealthAlarms(options.deadLetterQueue);
  builder.addDailyCheckAlarms();
  builder.addPolicyAlarms(options.businessHoursTenantIds);
  builder.addUpstreamAlarms(t);
  builder.addThrottleAlarms(options.throttledFunctions ?? {});
  return builder.alarms;
}

/**
 * A gateway metric in the gateway namespace, per tenant (and model) or deployment-wide. Alarms pass
 * `label: null`: a labelled metric synthesizes as a metric-math query instead of a plain metric.
 */
export function gatewayMetric(
  spec: MetricSpec,
  tenantId: string | undefined,
  statistic: string,
  period: Duration,
  extra: { model?: string; label?: string | null } = {},
): cloudwatch.Metric {
  const label = extra.label === null ? undefined : (extra.label ?? (tenantId ? `${spec.name} ${tenantId}` : spec.name));
  return new cloudwatch.Metric({
    namespace: METRIC_NAMESPACE,
    metricName: spec.name,
    dimensionsMap: metricDimensions({ [DIMENSIONS.tenant]: tenantId, [DIMENSIONS.model]: extra.model }),
    statistic,
    period,
    label,
  });
}

/** Cache-hit rate of one tenant, in percent; `index` keeps the expression ids unique on a shared graph. */
export function cacheHitRateExpression(tenantId: string, index: number, period: Duration): cloudwatch.MathExpression {
  const [r, c, i] = [`r${index}`, `c${index}`, `i${index}`];
  return new cloudwatch.MathExpression({
    // No traffic reads as 100 %, so a quiet tenant never alarms.
    expression: `IF((${r} + ${c} + ${i}) > 0, 100 * ${r} / (${r} + ${c} + ${i}), 100)`,
    usingMetrics: {
      [r]: gatewayMetric(METRICS.cacheReadInputTokens, tenantId, 'Sum', period),
      [c]: gatewayMetric(METRICS.cacheCreationInputTokens, tenantId, 'Sum', period),
      [i]: gatewayMetric(METRICS.inputTokens, tenantId, 'Sum', period),
    },
    period,
    label: `Cache-hit rate % (${tenantId})`,
  });
}

/** Deployment-wide upstream 5xx/529/timeout rate, in percent of requests. */
export function upstreamErrorRateExpression(period: Duration): cloudwatch.MathExpression {
  return new cloudwatch.MathExpression({
    expression: 'IF(requests > 0, 100 * errors / requests, 0)',
    usingMetrics: {
      errors: gatewayMetric(METRICS.upstreamErrors, undefined, 'Sum', period),
      requests: gatewayMetric(METRICS.requests, undefined, 'Sum', period),
    },
    period,
    label: 'Upstream 5xx/529/timeout rate %',
  });
}

/**
 * Week-over-week cost, within what a CloudWatch alarm can evaluate. Metric math has no time shift, and an
 * alarm's range (period x evaluation periods) is capped at 7 days, so neither "same weekday last week" nor
 * "this week vs last week" fits in one alarm. What fits: two views of the same metric over a 7-day window of
 * daily sums — each day `d` against the mean of the other six days, `(SUM(d) - d) / 6` (SUM of one series is a
 * scalar over the window). `d > 1.2 x mean(other six)` <=> the expression below > 20. FILL makes silent days
 * count as 0 so the window always has 7 points; IF keeps the alarm quiet while spend is tiny. One breaching
 * day of 7 alarms; the alarm clears once the spike leaves the window. A tenant with a strong weekday/weekend
 * pattern sees weekday-vs-weekend swings here: raise `dailyCostIncreasePercent` for it, or replace this with
 * an Athena-computed WoW metric from the daily checks (see docs/runbook.md).
 */
function costIncreaseExpression(
  tenantId: string | undefined,
  t: Required<OperationsThresholds>,
): cloudwatch.MathExpression {
  const label = tenantId ?? 'all tenants';
  const day = 'FILL(cost, 0)';
  const others = `(SUM(${day}) - ${day})`;
  const n = COST_WINDOW_DAYS - 1;
  return new cloudwatch.MathExpression({
    expression: `IF(${others} / ${n} >= ${t.costAlarmMinDailyUsd}, 100 * (${n} * ${day} / ${others} - 1), 0)`,
    usingMetrics: { cost: gatewayMetric(METRICS.costUsd, tenantId, 'Sum', Duration.days(1)) },
    period: Duration.days(1),
    label: `Daily cost vs trailing-week mean, % (${label})`,
  });
}

/** Creates the alarms in one scope, each with the runbook link and the action, and keeps them by key. */
class OperationsAlarmBuilder {
  readonly alarms = new Map<string, cloudwatch.Alarm>();

  constructor(
    private readonly scope: Construct,
    private readonly action: cloudwatch.IAlarmAction,
  ) {}

  private addAlarm(key: string, id: string, props: cloudwatch.AlarmProps & { runbook: string }): cloudwatch.Alarm {
    const { runbook, ...alarmProps } = props;
    const alarm = new cloudwatch.Alarm(this.scope, id, {
      ...alarmProps,
      alarmDescription: `${alarmProps.alarmDescription ?? ''} Runbook: docs/runbook.md#${runbook}`.trim(),
    });
    alarm.addAlarmAction(this.action);
    this.alarms.set(key, alarm);
    return alarm;
  }

  /**
   * Any throttle in 5 minutes. Lambda throttles when the account's (or the function's reserved) concurrency is
   * used up; each streamed reply holds one proxy execution for its whole length, so new accounts with a low
   * concurrency quota hit this first.
   */
  addThrottleAlarms(functions: Readonly<Record<string, lambda.IFunction>>): void {
    for (const [name, fn] of Object.entries(functions)) {
      this.addAlarm(`throttles:${name}`, `Throttles-${name}`, {
        metric: fn.metricThrottles({ statistic: 'Sum', period: Duration.minutes(5) }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: `The ${name} function was throttled (concurrency exhausted): callers got errors.`,
        runbook: 'lambda-throttles',
      });
    }
  }

  addCostAlarms(tenantIds: readonly string[], t: Required<OperationsThresholds>): void {
    for (const tenantId of [undefined, ...tenantIds]) {
      const suffix = tenantId ?? 'Total';
      this.addAlarm(`costIncrease:${tenantId ?? 'total'}`, `CostIncrease-${suffix}`, {
        metric: costIncreaseExpression(tenantId, t),
        threshold: t.dailyCostIncreasePercent,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: COST_WINDOW_DAYS,
        datapointsToAlarm: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: `Daily cost of ${tenantId ?? 'all tenants'} is more than ${t.dailyCostIncreasePercent}% above the trailing week's daily mean.`,
        runbook: 'cost-increase',
      });
    }
  }

  addCacheHitAlarms(tenantIds: readonly string[], threshold: number): void {
    tenantIds.forEach((tenantId, index) => {
      this.addAlarm(`cacheHitRate:${tenantId}`, `CacheHitRate-${tenantId}`, {
        // One 7-day period: the seed's weekly KPI, and the longest range an alarm may evaluate.
        metric: cacheHitRateExpression(tenantId, index, Duration.days(7)),
        threshold,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: `Prompt-cache hit rate of ${tenantId} over the last week is below ${threshold}%: a prompt-architecture defect.`,
        runbook: 'cache-hit-rate',
      });
    });
  }

  /** "Any occurrence" alarm on a deployment-wide counter. Missing data means no event: not breaching. */
  private addAnyAlarm(key: string, id: string, spec: MetricSpec, period: Duration, runbook: string): void {
    this.addAlarm(key, id, {
      metric: gatewayMetric(spec, undefined, 'Sum', period, { label: null }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: `${spec.name} >= 1: ${spec.description}.`,
      runbook,
    });
  }

  addAuditHealthAlarms(deadLetterQueue: sqs.IQueue | undefined): void {
    this.addAnyAlarm(
      'auditWriteFailures',
      'AuditWriteFailures',
      METRICS.auditWriteFailures,
      Duration.minutes(5),
      'audit-write-failures',
    );
    if (deadLetterQueue) {
      this.addAlarm('deadLetterQueueNotEmpty', 'DeadLetterQueueNotEmpty', {
        metric: deadLetterQueue.metricApproximateNumberOfMessagesVisible({
          statistic: 'Maximum',
          period: Duration.minutes(5),
        }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 3,
        datapointsToAlarm: 3,
        // SQS publishes depth for any queue holding messages, so a gap means an empty, idle queue.
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: 'The audit dead-letter queue has held post-call records for 15 minutes.',
        runbook: 'dlq-not-empty',
      });
    }
  }

  addDailyCheckAlarms(): void {
    const day = Duration.days(1);
    this.addAnyAlarm(
      'orphanedPreCall',
      'OrphanedPreCallRecords',
      METRICS.orphanedPreCallRecords,
      day,
      'orphaned-pre-call',
    );
    this.addAnyAlarm('residency', 'ResidencyViolations', METRICS.residencyViolations, day, 'residency-violations');
    this.addAnyAlarm(
      'shadowBedrock',
      'ShadowBedrockInvocations',
      METRICS.shadowBedrockInvocations,
      day,
      'shadow-bedrock',
    );
    this.addAnyAlarm(
      'reconciliation',
      'ReconciliationMismatches',
      METRICS.reconciliationMismatches,
      day,
      'reconciliation-mismatches',
    );
  }

  addPolicyAlarms(businessHoursTenantIds: readonly string[]): void {
    this.addAnyAlarm(
      'modelOutsideCatalog',
      'ModelOutsideCatalog',
      METRICS.modelOutsideCatalog,
      Duration.minutes(5),
      'model-outside-catalog',
    );
    // A name the ZDR feature table does not know was used: forwarded (record) or refused (deny); either way it
    // waits to be classified in lambdas/shared/policy/zdr-features.json.
    this.addAnyAlarm(
      'unknownFeatures',
      'UnknownFeatures',
      METRICS.unknownFeatures,
      Duration.hours(1),
      'unknown-features',
    );
    for (const tenantId of businessHoursTenantIds) {
      this.addAlarm(`outsideBusinessHours:${tenantId}`, `CallsOutsideBusinessHours-${tenantId}`, {
        metric: gatewayMetric(METRICS.callsOutsideBusinessHours, tenantId, 'Sum', Duration.hours(1), { label: null }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: `${tenantId} made calls outside its configured business hours.`,
        runbook: 'outside-business-hours',
      });
    }
  }

  addUpstreamAlarms(t: Required<OperationsThresholds>): void {
    const fiveMinutes = Duration.minutes(5);
    this.addAlarm('upstreamErrorRate', 'UpstreamErrorRate', {
      metric: upstreamErrorRateExpression(fiveMinutes),
      threshold: t.upstreamErrorRatePercent,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: `More than ${t.upstreamErrorRatePercent}% of calls failed upstream (5xx, 529, timeout) in 2 of 3 five-minute periods.`,
      runbook: 'upstream-error-rate',
    });
    this.addAlarm('p99Latency', 'P99Latency', {
      metric: gatewayMetric(METRICS.latencyMs, undefined, 'p99', fiveMinutes, { label: null }),
      threshold: t.p99LatencyMs,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      // No calls, no latency: quiet periods are not slow ones.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: `p99 latency above ${t.p99LatencyMs} ms in 2 of 3 five-minute periods.`,
      runbook: 'p99-latency',
    });
  }
}
