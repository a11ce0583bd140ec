import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { zdrFeatureDoc } from '../../lambdas/shared/policy/zdr-feature-doc';
import { ZDR_FEATURE_TABLE } from '../../lambdas/shared/policy/zdr-feature-table';

const PATH = join(__dirname, '..', '..', 'docs', 'zdr-features.md');

if (process.env.UPDATE_DOCS === '1') writeFileSync(PATH, zdrFeatureDoc());

describe('docs/zdr-features.md', () => {
  it('is the current feature table', () => {
    expect(existsSync(PATH)).toBe(true);
    expect(readFileSync(PATH, 'utf8')).toBe(zdrFeatureDoc());
  });

  it('names the source and date and has a row for every feature', () => {
    const doc = zdrFeatureDoc();
    expect(doc).toContain(ZDR_FEATURE_TABLE.source);
    expect(doc).toContain(ZDR_FEATURE_TABLE.asOf);
    for (const feature of ZDR_FEATURE_TABLE.features) expect(doc).toContain(`| \`${feature.id}\` |`);
  });
});
