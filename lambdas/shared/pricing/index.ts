/**
 * Cost of one call from its usage, with the table version used. Pure code.
 */
import { catalogIdForProviderModel } from '../policy/model-catalog';
import {
  CACHE_READ_MULTIPLIER,
  CACHE_WRITE_1H_MULTIPLIER,
  CACHE_WRITE_5M_MULTIPLIER,
  PRICES,
  PRICING_VERSION,
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

/**
 * USD cost of a call, rounded to 1e-9 USD, or null when the model is not in the table.
 * @param modelId catalog id, Anthropic model id or Bedrock profile/model id
 * @param geo the inference geo that actually served the call (`us` applies the 1.1x multiplier)
 */
export function costUsd(modelId: string, usage: UsageForCost, geo?: string | null): number | null {
  const catalogId = catalogIdForProviderModel(modelId) ?? modelId;
  const price = PRICES.get(catalogId);
  if (!price) return null;
  const input = price.inputPerMTok * PER_TOKEN;
  const output = price.outputPerMTok * PER_TOKEN;
  const cacheWrites = n(usage.cache_creation_input_tokens);
  const oneHour = Math.min(n(usage.cache_creation?.ephemeral_1h_input_tokens), cacheWrites);
  const fiveMinute = cacheWrites - oneHour;
  const base =
    n(usage.input_tokens) * input +
    n(usage.output_tokens) * output +
    fiveMinute * input * CACHE_WRITE_5M_MULTIPLIER +
    oneHour * input * CACHE_WRITE_1H_MULTIPLIER +
    n(usage.cache_read_input_tokens) * input * CACHE_READ_MULTIPLIER;
  const total = geo === 'us' ? base * US_GEO_MULTIPLIER : base;
  return Math.round(total * 1e9) / 1e9;
}

/** Cost and the table version, as recorded in the post-call record. */
export function priceCall(
  modelId: string,
  usage: UsageForCost,
  geo?: string | null,
): { cost_usd: number | null; pricing_version: string } {
  return { cost_usd: costUsd(modelId, usage, geo), pricing_version: PRICING_VERSION };
}
