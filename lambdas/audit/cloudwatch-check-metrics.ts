/**
 * CheckMetricsPublisher over CloudWatch PutMetricData: namespace {@link METRIC_NAMESPACE}, one datapoint per
 * check with the `service` dimension only, i.e. the deployment-wide total the dashboard and alarms read
 * (`metricDimensions()`). No per-tenant series: a check result carries one total, not a tenant breakdown.
 */
import { type CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DIMENSIONS, METRIC_NAMESPACE, METRIC_SERVICE } from '../shared/observability/metric-names';
import type { CheckMetricsPublisher, CheckResult } from './checks-handler';

/** The dimensions every check datapoint is published with (the `[service]` dimension set). */
export const CHECK_METRIC_DIMENSIONS = [{ Name: DIMENSIONS.service, Value: METRIC_SERVICE }] as const;

export class CloudWatchCheckMetrics implements CheckMetricsPublisher {
  constructor(
    private readonly client: CloudWatchClient,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async publish(results: readonly CheckResult[]): Promise<void> {
    // Timestamped now (not the checked day) so that the daily alarm evaluates the newest datapoint.
    const timestamp = this.now();
    await this.client.send(
      new PutMetricDataCommand({
        Namespace: METRIC_NAMESPACE,
        MetricData: results.map((result) => ({
          MetricName: result.metricName,
          Dimensions: CHECK_METRIC_DIMENSIONS.map((dimension) => ({ ...dimension })),
          Value: result.value,
          Unit: 'Count',
          Timestamp: timestamp,
        })),
      }),
    );
  }
}
