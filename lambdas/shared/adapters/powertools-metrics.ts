/**
 * `GatewayMetrics` on Powertools `Metrics`: embedded metric format written to stdout, which CloudWatch Logs
 * turns into metrics asynchronously. No CloudWatch API call happens on the request path.
 */
import { Metrics } from '@aws-lambda-powertools/metrics';
import { assertValidTimeZone } from '../observability/business-hours';
import { BufferedGatewayMetrics, type MetricDocument, type MetricsContext } from '../observability/gateway-metrics';
import { METRIC_NAMESPACE, METRIC_SERVICE } from '../observability/metric-names';

/** The logger shape Powertools accepts (debug/info/warn/error), without importing its commons package. */
type GenericLogger = NonNullable<NonNullable<ConstructorParameters<typeof Metrics>[0]>['logger']>;

/**
 * Powertools warns whenever a dimension appears in more than one dimension set ("EMF key ... is defined as
 * both a dimension set and dimension set"). Our sets share `Tenant` by design and carry the same value, so
 * that warning would be noise on every call; everything else passes through.
 */
const BENIGN_WARNING = /^EMF key "[^"]+" is defined as both a dimension set and dimension set/;

function quietLogger(target: GenericLogger): GenericLogger {
  return {
    debug: (...content) => target.debug(...content),
    info: (...content) => target.info(...content),
    warn: (...content) => {
      if (typeof content[0] === 'string' && BENIGN_WARNING.test(content[0])) return;
      target.warn(...content);
    },
    error: (...content) => target.error(...content),
  };
}

export interface PowertoolsGatewayMetricsOptions {
  /** Catalog and business hours, built once at cold start (`metricsContextFromTenants`). */
  readonly context: MetricsContext;
  /**
   * Where Powertools' own warnings go (not the metrics, which always go to stdout).
   * @default console
   */
  readonly logger?: GenericLogger;
}

/** Writes each buffered document as one EMF JSON line in namespace `ClaudeComplianceGateway`. */
export class PowertoolsGatewayMetrics extends BufferedGatewayMetrics {
  private readonly metrics: Metrics;

  /** @throws InvalidTimeZoneError when a tenant's business-hours zone is unknown (fails the cold start). */
  constructor(options: PowertoolsGatewayMetricsOptions) {
    super(options.context);
    for (const hours of options.context.businessHours.values()) assertValidTimeZone(hours.timezone);
    this.metrics = new Metrics({
      namespace: METRIC_NAMESPACE,
      serviceName: METRIC_SERVICE,
      logger: quietLogger(options.logger ?? console),
    });
  }

  protected write(document: MetricDocument): void {
    if (document.metrics.length === 0) return;
    for (const set of document.dimensionSets) {
      const dimensions: Record<string, string> = {};
      for (const name of set) {
        const value = document.dimensions[name];
        if (value !== undefined) dimensions[name] = value;
      }
      this.metrics.addDimensions(dimensions);
    }
    for (const metric of document.metrics) this.metrics.addMetric(metric.name, metric.unit, metric.value);
    this.metrics.publishStoredMetrics();
  }
}
