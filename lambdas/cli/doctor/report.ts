/** Renders doctor results: one block per check for a terminal, or one JSON document for machines (`--json`). */
import type { CheckResult } from './check';

const LABEL = { pass: 'PASS', fail: 'FAIL', skip: 'SKIP' } as const;

export interface DoctorReport {
  readonly ok: boolean;
  readonly region: string;
  readonly stackNamePrefix: string;
  readonly checks: readonly CheckResult[];
}

export function formatText(report: DoctorReport): string {
  const lines: string[] = [];
  for (const result of report.checks) {
    lines.push(`${LABEL[result.status]}  ${result.id}: ${result.summary}`);
    for (const detail of result.details ?? []) lines.push(`        ${detail}`);
    if (result.fix) lines.push(`  fix:  ${result.fix}`);
  }
  const failed = report.checks.filter((result) => result.status === 'fail').length;
  const passed = report.checks.filter((result) => result.status === 'pass').length;
  lines.push(
    '',
    `${report.stackNamePrefix} in ${report.region}: ${passed} passed, ${failed} failed, ` +
      `${report.checks.length - passed - failed} skipped`,
  );
  return `${lines.join('\n')}\n`;
}

export function formatJson(report: DoctorReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
