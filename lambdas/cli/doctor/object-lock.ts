/** Object Lock facts shared by the bucket checks and the canary: expected mode and days, and per-object retention. */
import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { OutputSet } from './stack-outputs';
import { AUDIT_DATA_OUTPUTS } from './stack-outputs';

export type ObjectLockMode = 'COMPLIANCE' | 'GOVERNANCE';

export interface RetentionExpectation {
  readonly mode: ObjectLockMode;
  readonly days: number;
}

/** Clock skew and the delay of an S3-event function setting retention after delivery. */
const RETENTION_SLACK_MS = 24 * 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

/** The retention the AuditData stack was configured with, from its outputs. */
export function expectedRetention(auditData: OutputSet): RetentionExpectation {
  const mode = auditData.get(AUDIT_DATA_OUTPUTS.auditObjectLockMode);
  if (mode !== 'COMPLIANCE' && mode !== 'GOVERNANCE') {
    throw new Error(`output ${AUDIT_DATA_OUTPUTS.auditObjectLockMode} is "${mode}", not COMPLIANCE or GOVERNANCE`);
  }
  const days = Number(auditData.get(AUDIT_DATA_OUTPUTS.auditRetentionDays));
  if (!Number.isInteger(days) || days <= 0) {
    throw new Error(`output ${AUDIT_DATA_OUTPUTS.auditRetentionDays} is not a positive whole number of days`);
  }
  return { mode, days };
}

/** What S3 reports for one object's lock. */
export interface ObjectRetention {
  readonly key: string;
  readonly mode?: string;
  readonly retainUntil?: Date;
  readonly lastModified?: Date;
}

/**
 * HeadObject returns the lock mode and retain-until date (the caller needs s3:GetObjectRetention to see them,
 * otherwise S3 omits the headers and the object looks unlocked).
 */
export async function headRetention(s3: S3Client, bucket: string, key: string): Promise<ObjectRetention> {
  const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  return {
    key,
    ...(head.ObjectLockMode !== undefined ? { mode: head.ObjectLockMode } : {}),
    ...(head.ObjectLockRetainUntilDate !== undefined ? { retainUntil: head.ObjectLockRetainUntilDate } : {}),
    ...(head.LastModified !== undefined ? { lastModified: head.LastModified } : {}),
  };
}

/** Why an object's retention falls short of the expectation, or null when it meets it. */
export function retentionShortfall(object: ObjectRetention, expected: RetentionExpectation, now: Date): string | null {
  if (object.mode === undefined || object.retainUntil === undefined) {
    return `${object.key} has no Object Lock retention (or you lack s3:GetObjectRetention)`;
  }
  if (object.mode !== expected.mode) return `${object.key} is locked in ${object.mode} mode, not ${expected.mode}`;
  const from = object.lastModified ?? now;
  const minimum = from.getTime() + expected.days * DAY_MS - RETENTION_SLACK_MS;
  if (object.retainUntil.getTime() < minimum) {
    return `${object.key} is retained until ${object.retainUntil.toISOString()}, less than ${expected.days} days after it was written`;
  }
  return null;
}

/** Days in an Object Lock default-retention rule (`Days`, or `Years` as 365 days each). */
export function ruleDays(rule: { Days?: number; Years?: number }): number | undefined {
  if (rule.Days !== undefined) return rule.Days;
  if (rule.Years !== undefined) return rule.Years * 365;
  return undefined;
}
