/**
 * Query parameters: validated once, then bound into SQL as literals by `render.ts`. Nothing a caller types reaches
 * the SQL text unless it matched one of the patterns here, and even then it is emitted as a quoted literal.
 */
import { TENANT_ID_PATTERN } from '../policy/tenant-config';

/** `YYYY-MM-DD`, a real calendar day. */
export const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;
/** An IAM role ARN (the gateway's execution role), paths allowed. */
export const ROLE_ARN_PATTERN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@\-/]{1,512}$/;

/** An IAM role or user ARN (an auditor principal as CloudTrail names it after resolving assumed-role sessions). */
export const PRINCIPAL_ARN_PATTERN = /^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/[\w+=,.@\-/]{1,512}$/;
/** At most this many auditor principals (the list is bound into the SQL). */
export const MAX_AUDITOR_ARNS = 50;

/** The longest range a query may cover; keeps a typo (`--from 2016-...`) from scanning years of records. */
export const MAX_RANGE_DAYS = 366;

/** Raw parameters as a caller supplies them (CLI flags, Lambda code). */
export interface QueryParameterInput {
  readonly from: string;
  readonly to: string;
  readonly tenant?: string;
  readonly gatewayRoleArn?: string;
  /** Principals allowed to read the audit trail (audit-trail-reads-outside-auditors). */
  readonly auditorArns?: readonly string[];
  /** "Now" for age-based checks (orphaned pre-call records); ISO-8601 UTC. */
  readonly asOf?: string;
}

/** Validated parameters. */
export interface QueryParameters {
  readonly from: string;
  readonly to: string;
  readonly tenant: string | null;
  readonly gatewayRoleArn: string | null;
  readonly auditorArns: readonly string[] | null;
  readonly asOf: string;
}

/** A parameter failed validation; the message names the parameter and shows the rejected value. */
export class InvalidQueryParameterError extends Error {
  constructor(
    readonly parameter: string,
    message: string,
  ) {
    super(`${parameter}: ${message}`);
    this.name = 'InvalidQueryParameterError';
  }
}

const DAY_MS = 86_400_000;

/** Parses `YYYY-MM-DD` into a UTC midnight date, rejecting impossible days such as 2026-02-30. */
export function parseDay(value: string, parameter: string): Date {
  if (!DATE_PATTERN.test(value)) {
    throw new InvalidQueryParameterError(parameter, `expected a date as YYYY-MM-DD (got ${JSON.stringify(value)})`);
  }
  const at = new Date(`${value}T00:00:00.000Z`);
  if (Number.isNaN(at.getTime()) || formatDay(at) !== value) {
    throw new InvalidQueryParameterError(parameter, `not a calendar date (got ${JSON.stringify(value)})`);
  }
  return at;
}

/** `YYYY-MM-DD` of a date in UTC. */
export function formatDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** `day` shifted by `days` (negative goes back). */
export function addDays(day: string, days: number): string {
  return formatDay(new Date(parseDay(day, 'date').getTime() + days * DAY_MS));
}

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

/** Validates raw parameters; `now` supplies the default `asOf`. */
export function validateQueryParameters(input: QueryParameterInput, now: Date = new Date()): QueryParameters {
  const from = parseDay(input.from, 'from');
  const to = parseDay(input.to, 'to');
  if (from.getTime() > to.getTime()) {
    throw new InvalidQueryParameterError('from', `must not be after to (${input.from} > ${input.to})`);
  }
  const days = (to.getTime() - from.getTime()) / DAY_MS + 1;
  if (days > MAX_RANGE_DAYS) {
    throw new InvalidQueryParameterError('from', `the range covers ${days} days; the maximum is ${MAX_RANGE_DAYS}`);
  }
  if (input.tenant !== undefined && !TENANT_ID_PATTERN.test(input.tenant)) {
    throw new InvalidQueryParameterError(
      'tenant',
      `expected lower-case letters, digits and dashes, 2-63 characters (got ${JSON.stringify(input.tenant)})`,
    );
  }
  if (input.gatewayRoleArn !== undefined && !ROLE_ARN_PATTERN.test(input.gatewayRoleArn)) {
    throw new InvalidQueryParameterError(
      'gateway-role-arn',
      `expected an IAM role ARN such as arn:aws:iam::123456789012:role/name (got ${JSON.stringify(input.gatewayRoleArn)})`,
    );
  }
  if (input.auditorArns !== undefined) {
    if (input.auditorArns.length === 0 || input.auditorArns.length > MAX_AUDITOR_ARNS) {
      throw new InvalidQueryParameterError('auditor-arns', `expected 1 to ${MAX_AUDITOR_ARNS} ARNs`);
    }
    for (const arn of input.auditorArns) {
      if (!PRINCIPAL_ARN_PATTERN.test(arn)) {
        throw new InvalidQueryParameterError(
          'auditor-arns',
          `expected IAM role or user ARNs such as arn:aws:iam::123456789012:role/auditor (got ${JSON.stringify(arn)})`,
        );
      }
    }
  }
  const asOf = input.asOf ?? now.toISOString();
  if (!ISO_UTC.test(asOf) || Number.isNaN(new Date(asOf).getTime())) {
    throw new InvalidQueryParameterError('as-of', `expected an ISO-8601 UTC timestamp (got ${JSON.stringify(asOf)})`);
  }
  return {
    from: input.from,
    to: input.to,
    tenant: input.tenant ?? null,
    gatewayRoleArn: input.gatewayRoleArn ?? null,
    auditorArns: input.auditorArns ? [...input.auditorArns] : null,
    asOf,
  };
}

/** The default range: the last `days` days up to and including today (UTC). */
export function defaultRange(now: Date, days = 7): { from: string; to: string } {
  const to = formatDay(now);
  return { from: addDays(to, -(days - 1)), to };
}
