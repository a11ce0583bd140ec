/**
 * `docs/models.md`, generated from the catalog data so the documented table cannot drift from the one the
 * gateway serves (test/docs/models-doc.test.ts regenerates it with UPDATE_DOCS=1 and fails when it is stale).
 */
import { BUILT_IN_MODEL_CATALOG, type CatalogModel, type ModelCatalog } from './model-catalog';
import { CATALOG_AS_OF, CATALOG_SOURCES } from './model-catalog-data';

const SCOPES = ['in-region', 'apac', 'global'] as const;
const usd = (value: number): string => `$${value}`;

function priceCell(model: CatalogModel): string {
  const price = model.price;
  if (!price) return 'unknown';
  const band = `${usd(price.inputPerMTok)} / ${usd(price.outputPerMTok)}`;
  const read = price.cacheReadPerMTok === undefined ? '' : `, cache read ${usd(price.cacheReadPerMTok)}`;
  const long = price.longContext;
  if (!long) return `${band}${read}`;
  const above = `${usd(long.inputPerMTok)} / ${usd(long.outputPerMTok)}`;
  return `${band}${read} up to ${long.aboveInputTokens.toLocaleString('en-US')} prompt tokens; ${above} above`;
}

function profilesCell(model: CatalogModel): string {
  const ids = SCOPES.flatMap((scope) => (model.bedrock[scope] ? [`\`${model.bedrock[scope]}\` (${scope})`] : []));
  return ids.length > 0 ? ids.join('<br>') : 'none known';
}

/** The Markdown of docs/models.md. */
export function modelCatalogDoc(catalog: ModelCatalog = BUILT_IN_MODEL_CATALOG): string {
  const rows = catalog.models.map(
    (model) =>
      `| \`${model.id}\` | ${model.displayName} | ${model.bedrockModelId ? `\`${model.bedrockModelId}\`` : 'unknown'} | ` +
      `${profilesCell(model)} | ${model.supportsUsInferenceGeo ? 'global, us' : 'global'} | ${priceCell(model)} |`,
  );
  const unverified = catalog.models.flatMap((model) => model.unverified.map((fact) => `- \`${model.id}\`: ${fact}`));
  return [
    '# Model catalog',
    '',
    '<!-- Generated from lambdas/shared/policy/model-catalog-data.ts: run `UPDATE_DOCS=1 npx jest test/docs/models-doc.test.ts`. -->',
    '',
    `Checked against the sources below on ${CATALOG_AS_OF}. Prices are list prices in USD per million tokens ` +
      '(input / output); cache writes are 1.25x (5 minutes) and 2x (1 hour) input and cache reads 0.1x input ' +
      'unless the entry states them; Anthropic `inference_geo: "us"` costs 1.1x. Bedrock profiles are those ' +
      'reachable from ap-south-1; a model with none cannot be served to a Bedrock tenant until `cdk.json` adds one ' +
      '(`gateway.modelCatalog`, see the README).',
    '',
    '| catalog id | model | Bedrock model id | Bedrock profiles | Anthropic `inference_geo` | list price |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
    '## Not settled by a source',
    '',
    ...(unverified.length > 0 ? unverified : ['- nothing']),
    '',
    '## Sources',
    '',
    ...Object.values(CATALOG_SOURCES).map((url) => `- <${url}>`),
    '',
  ].join('\n');
}
