import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUILT_IN_MODEL_CATALOG } from '../../lambdas/shared/policy/model-catalog';
import { modelCatalogDoc } from '../../lambdas/shared/policy/model-catalog-doc';

const PATH = join(__dirname, '..', '..', 'docs', 'models.md');

if (process.env.UPDATE_DOCS === '1') writeFileSync(PATH, modelCatalogDoc());

describe('docs/models.md', () => {
  it('is the current catalog table', () => {
    expect(existsSync(PATH)).toBe(true);
    expect(readFileSync(PATH, 'utf8')).toBe(modelCatalogDoc());
  });

  it('has a row for every catalog model and lists what no source settled', () => {
    const doc = modelCatalogDoc();
    for (const model of BUILT_IN_MODEL_CATALOG.models) {
      expect(doc).toContain(`| \`${model.id}\` |`);
      for (const fact of model.unverified) expect(doc).toContain(fact);
    }
  });
});
