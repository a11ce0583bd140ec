/**
 * One Powertools Logger per function, JSON to stdout, and the allow-list of record fields that may be logged.
 * Bodies, prompts, completions, envelopes, principals and end users never reach a log line: callers log
 * `safeLogFields(record)`, never the record or the event.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { AuditRecord } from '../audit/record';
import { ENV, optionalEnv } from '../env';

/** Levels Powertools accepts in `POWERTOOLS_LOG_LEVEL`. */
export const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT'] as const;
export type GatewayLogLevel = (typeof LOG_LEVELS)[number];

/** The Logger's constructor options, as Powertools types them (formatter, sampling, ...). */
type PowertoolsLoggerOptions = NonNullable<ConstructorParameters<typeof Logger>[0]>;

export interface GatewayLoggerOptions {
  /** The `service` key of every line, e.g. `gateway-proxy`. */
  readonly serviceName: string;
  /** Keys on every line (deployment, region...): never secrets or per-request values. */
  readonly persistentKeys?: Readonly<Record<string, string>>;
  /**
   * Environment to read `POWERTOOLS_LOG_LEVEL` from.
   * @default process.env
   */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * Custom Powertools log formatter (tests capture output with one).
   * @default Powertools' JSON formatter
   */
  readonly logFormatter?: PowertoolsLoggerOptions['logFormatter'];
}

/** The level from `POWERTOOLS_LOG_LEVEL` (case-insensitive); anything unknown or unset means `INFO`. */
export function logLevelFromEnv(env: NodeJS.ProcessEnv = process.env): GatewayLogLevel {
  const raw = optionalEnv(ENV.logLevel, 'INFO', env).trim().toUpperCase();
  return (LOG_LEVELS as readonly string[]).includes(raw) ? (raw as GatewayLogLevel) : 'INFO';
}

/** The function's Logger. Build it once at cold start, in the composition root. */
export function createGatewayLogger(options: GatewayLoggerOptions): Logger {
  const base = {
    serviceName: options.serviceName,
    logLevel: logLevelFromEnv(options.env),
    persistentKeys: { ...options.persistentKeys },
  };
  return options.logFormatter ? new Logger({ ...base, logFormatter: options.logFormatter }) : new Logger(base);
}

/**
 * A child Logger whose lines carry `request_id` and `tenant_id`: correlation without `appendKeys` on the shared
 * Logger, so concurrent requests in the dev server cannot swap keys.
 */
export function requestLogger(logger: Logger, requestId: string, tenantId: string | null): Logger {
  return logger.createChild({ persistentKeys: { request_id: requestId, tenant_id: tenantId ?? 'unknown' } });
}

/** The record fields allowed in logs: identifiers, outcome and timing. */
export const SAFE_LOG_FIELDS = [
  'request_id',
  'tenant_id',
  'event',
  'status',
  'http_status',
  'model_id',
  'latency_ms',
  'ttft_ms',
  'error_type',
] as const;
export type SafeLogField = (typeof SAFE_LOG_FIELDS)[number];
export type SafeLogFields = Partial<Pick<AuditRecord, SafeLogField>>;

/**
 * Copies only {@link SAFE_LOG_FIELDS} from a record (or any object shaped like one), and only when they hold
 * a string, number or null, so a caller cannot smuggle a nested object through an allowed key.
 */
export function safeLogFields(record: Partial<AuditRecord> | Readonly<Record<string, unknown>>): SafeLogFields {
  const source = record as Readonly<Record<string, unknown>>;
  const safe: Record<string, string | number | null> = {};
  for (const field of SAFE_LOG_FIELDS) {
    const value = source[field];
    if (value === null || typeof value === 'string' || typeof value === 'number') safe[field] = value;
  }
  return safe as SafeLogFields;
}
