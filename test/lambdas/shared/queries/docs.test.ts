import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AUDIT_RECORD_FIELDS } from '../../../../lambdas/shared/audit/record';
import { NAMED_QUERIES } from '../../../../lambdas/shared/queries';
import { auditRecordDoc, queriesDoc } from '../../../../lambdas/shared/queries/docs';

const DOCS = join(__dirname, '..', '..', '..', '..', 'docs');
const files: Array<[string, () => string]> = [
  ['audit-record.md', auditRecordDoc],
  ['queries.md', queriesDoc],
];

if (process.env.UPDATE_DOCS === '1') {
  mkdirSync(DOCS, { recursive: true });
  for (const [name, render] of files) writeFileSync(join(DOCS, name), render());
}

describe('generated docs are current', () => {
  it.each(files)('docs/%s', (name, render) => {
    const path = join(DOCS, name);
    expect(existsSync(path)).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe(render());
  });

  it('documents every audit field and every named query', () => {
    const record = auditRecordDoc();
    for (const field of AUDIT_RECORD_FIELDS) expect(record).toContain(`| \`${field}\` |`);
    const queries = queriesDoc();
    for (const query of NAMED_QUERIES) expect(queries).toContain(`## ${query.name}\n`);
  });
});
