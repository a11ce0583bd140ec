/**
 * Generated documentation: `docs/audit-record.md` (from the audit schema) and `docs/queries.md` (from the named
 * query definitions). A test fails when the files are stale; regenerate with
 * `UPDATE_DOCS=1 npx jest test/lambdas/shared/queries/docs.test.ts`.
 */
import { auditColumnsMarkdown } from '../audit/columns';
import { NAMED_QUERIES } from './definitions';

const GENERATED = '<!-- Generated from the code; do not edit. See lambdas/shared/queries/docs.ts. -->';

export function auditRecordDoc(): string {
  return [
    '# Audit record',
    '',
    GENERATED,
    '',
    'One JSON object per S3 object at `audit/v1/dt=YYYY-MM-DD/tenant=<tenant>/<HHmmss>-<request_id>-<event>.json`',
    '(Athena table `gateway_audit`, partitions `dt` and `tenant`; the same files locally under `.gateway/audit`).',
    '',
    auditColumnsMarkdown(),
    '',
  ].join('\n');
}

export function queriesDoc(): string {
  const sections = NAMED_QUERIES.map((query) => {
    const extra = [
      query.requires.includes('gatewayRoleArn') ? ' `--gateway-role-arn` (required)' : '',
      query.requires.includes('auditorArns') ? ' `--auditor-arns` (required, comma-separated)' : '',
    ].join('');
    const example = [
      query.requires.includes('gatewayRoleArn') ? ' --gateway-role-arn <arn>' : '',
      query.requires.includes('auditorArns') ? ' --auditor-arns <arn>,<arn>' : '',
    ].join('');
    const check = query.check ? `\n\nDaily check: metric \`${query.check.metricName}\`, alarm when > 0.` : '';
    return [
      `## ${query.name}`,
      '',
      query.description,
      '',
      `Columns: ${query.columns.map((column) => `\`${column}\``).join(', ')}.`,
      '',
      `Parameters: \`--from\`, \`--to\`, \`--tenant\`${extra}.${check}`,
      '',
      '```sh',
      `npm run audit -- run ${query.name} --from 2026-11-01 --to 2026-11-07${example}`,
      '```',
    ].join('\n');
  });
  return [
    '# Named compliance queries',
    '',
    GENERATED,
    '',
    'Each query is saved as an Athena named query in the compliance workgroup (covering the last 7 days; edit the',
    'range in the console) and runs from the CLI in Athena or, with `--local DIR`, in DuckDB over a local audit',
    'folder. Dates are UTC days; every `gateway_audit` scan is pruned on the `dt` (and `tenant`) partitions.',
    '',
    ...sections.flatMap((section) => [section, '']),
  ].join('\n');
}
