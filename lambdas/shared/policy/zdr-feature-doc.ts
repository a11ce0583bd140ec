/**
 * `docs/zdr-features.md`, generated from the ZDR feature table so the documented judgement cannot drift from the
 * one the gateway applies (test/docs/zdr-features-doc.test.ts regenerates it with UPDATE_DOCS=1 and fails when it
 * is stale).
 */
import { FEATURE_NAME_KINDS, ZDR_FEATURE_TABLE, type ZdrFeatureTable } from './zdr-feature-table';

const STATUS_TEXT = { eligible: 'yes', qualified: 'yes (qualified)', not_eligible: '**no**: opt-in required' } as const;
const KIND_TEXT = {
  endpoint: 'endpoint',
  beta: 'beta',
  field: 'field',
  tool: 'tool type',
  block: 'block type',
  context_edit: 'edit type',
} as const;

/** The Markdown of docs/zdr-features.md. */
export function zdrFeatureDoc(table: ZdrFeatureTable = ZDR_FEATURE_TABLE): string {
  const rows = table.features.map((feature) => {
    const names = table.names
      .filter((entry) => entry.feature === feature.id)
      .sort((a, b) => FEATURE_NAME_KINDS.indexOf(a.kind) - FEATURE_NAME_KINDS.indexOf(b.kind))
      .map((entry) => `${KIND_TEXT[entry.kind]} \`${entry.name ?? `${entry.prefix}*`}\``);
    const note = feature.note ? ` (${feature.note})` : '';
    return `| \`${feature.id}\` | ${STATUS_TEXT[feature.zdr]} | ${feature.row}${note} | ${names.join('<br>') || '-'} |`;
  });
  return [
    '# ZDR feature table',
    '',
    '<!-- Generated from lambdas/shared/policy/zdr-features.json: run `UPDATE_DOCS=1 npx jest test/docs/zdr-features-doc.test.ts`. -->',
    '',
    `Copied from [${table.sourceTitle}](${table.source}) on ${table.asOf}. Each request name (endpoint, ` +
      '`anthropic-beta` value, top-level body field, tool type, content block type, `context_management` edit ' +
      'type) selects the feature of its row; names are compared in lower case without whitespace. A feature rated ' +
      '**no** is refused unless the tenant lists it in `zdrOptIns`; a name not in this table is an unknown feature ' +
      '(`unknown_<kind>:<name>` in the record) and follows the tenant setting `unknownFeatures` (`record` or ' +
      '`deny`). Names that are prefixes (`files-api-*`) keep a later version of a non-eligible family non-eligible.',
    '',
    '| feature | ZDR eligible | source row | request names |',
    '|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}
