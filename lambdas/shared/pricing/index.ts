/**
 * Cost of one call from its usage, with the table version used. Pure code over the served model catalog.
 */
import { activeModelCatalog, type ModelCatalog, type ModelPrice } from '../policy/model-catalog';
import {
  CACHE_READ_MULTIPLIER,
  CACHE_WRITE_1H_MULTIPLIER,
  CACHE_WRITE_5M_MULTIPLIER,
  US_GEO_MULTIPLIER,
} from './pricing-table';

export { PRICES, PRICING_VERSION, US_GEO_MULTIPLIER } from './pricing-table';

/** Token usage as Anthropic reports it (`usage`); missing counts are zero. */
export interface UsageForCost {
  readonly input_tokens?: number | null;
  readonly output_tokens?: number | null;
  readonly cache_read_input_tokens?: number | null;
  readonly cache_creation_input_tokens?: number | null;
  /** TTL breakdown of cache writes; without it all writes are priced as 5-minute writes. */
  readonly cache_creation?: {
    readonly ephemeral_5m_input_tokens?: number | null;
    readonly ephemeral_1h_input_tokens?: number | null;
  } | null;
}

const PER_TOKEN = 1 / 1_000_000;
const n = (value: number | null | undefined): number => (typeof value === 'number' && value > 0 ? value : 0);

/** The band that applies to a call: the long-context band when the whole prompt is above its threshold. */
function bandFor(price: ModelPrice, promptTokens: number): Omit<ModelPrice, 'longContext'> {
  const long = price.longContext;
  return long && promptTokens > long.aboveInputTokens ? long : price;
}

/**
 * USD cost of a call, rounded to 1e-9 USD, or null when the model or its price is unknown.
 * @param modelId catalog id, Anthropic model id or Bedrock profile/model id
 * @param geo the inference geo that actually served the call (`us` applies the 1.1x multiplier)
 * @param catalog @default the catalog this process serves
 */
export function costUsd(
  modelId: string,
  usage: UsageForCost,
  geo?: string | null,
  catalog: ModelCatalog = activeModelCatalog(),
): number | null {
  const catalogId = catalog.catalogIdFor(modelId);
  const price = catalogId ? catalog.model(catalogId)?.price : undefined;
  if (!price) return null;
  const cacheWrites = n(usage.cache_creation_input_tokens);
  const cacheReads = n(usage.cache_read_input_tokens);
  const band = bandFor(price, n(usage.input_tokens) + cacheReads + cacheWrites);
  const input = band.inputPerMTok * PER_TOKEN;
  const cacheWrite5m = (band.cacheWrite5mPerMTok ?? band.inputPerMTok * CACHE_WRITE_5M_MULTIPLIER) * PER_TOKEN;
  const cacheWrite1h = (band.cacheWrite1hPerMTok ?? band.inputPerMTok * CACHE_WRITE_1H_MULTIPLIER) * PER_TOKEN;
  const cacheRead = (band.cacheReadPerMTok ?? band.inputPerMTok * CACHE_READ_MULTIPLIER) * PER_TOKEN;
  const oneHour = Math.min(n(usage.cache_creation?.ephemeral_1h_input_tokens), cacheWrites);
  const fiveMinute = cacheWrites - oneHour;
  const base =
    n(usage.input_tokens) * input +
    n(usage.output_tokens) * band.outputPerMTok * PER_TOKEN +
    fiveMinute * cacheWrite5m +
    oneHour * cacheWrite1h +
    cacheReads * cacheRead;
  const total = geo === 'us' ? base * US_GEO_MULTIPLIER : base;
  return Math.round(total * 1e9) / 1e9;
}

/** Cost and the table version, as recorded in the post-call record. */
export function priceCall(
  modelId: string,
  usage: UsageForCost,
  geo?: string | null,
  catalog: ModelCatalog = activeModelCatalog(),
): { cost_usd: number | null; pricing_version: string } {
  return { cost_usd: costUsd(modelId, usage, geo, catalog), pricing_version: catalog.pricingVersion };
}
