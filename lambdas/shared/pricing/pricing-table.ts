/**
 * The list-price rules behind `cost_usd`. The prices themselves are data, one per model in the catalog table
 * (lambdas/shared/policy/model-catalog-data.ts, dated, with sources; cdk.json may override them). A price change
 * is a new pricing version: records keep the `pricing_version` they were costed with, so history never silently
 * changes.
 *
 * Anthropic's cache multipliers apply where a model's entry does not state a cache price: 5-minute cache writes
 * 1.25x input, 1-hour writes 2x, cache reads 0.1x. `inference_geo: "us"` costs 1.1x. Bedrock `global.` profiles
 * are billed at the same list prices; regional-profile premiums are not modelled (say so in reports).
 */
import type { CatalogModel, ModelPrice } from '../policy/model-catalog';
import { BUILT_IN_MODEL_CATALOG, BUILT_IN_PRICING_VERSION } from '../policy/model-catalog';

/** The built-in table's version (a cdk.json price override yields `<this>+config-<digest>`). */
export const PRICING_VERSION = BUILT_IN_PRICING_VERSION;

export type { ModelPrice };

export const CACHE_WRITE_5M_MULTIPLIER = 1.25;
export const CACHE_WRITE_1H_MULTIPLIER = 2;
export const CACHE_READ_MULTIPLIER = 0.1;
/** Multiplier for every token category when Anthropic ran the request with `inference_geo: "us"`. */
export const US_GEO_MULTIPLIER = 1.1;

function pricesOf(models: readonly CatalogModel[]): ReadonlyMap<string, ModelPrice> {
  const prices = new Map<string, ModelPrice>();
  for (const model of models) if (model.price) prices.set(model.id, model.price);
  return prices;
}

/** Built-in prices keyed by catalog model id. */
export const PRICES: ReadonlyMap<string, ModelPrice> = pricesOf(BUILT_IN_MODEL_CATALOG.models);
