/**
 * The versioned list-price table behind `cost_usd`. A price change is a new table version: records keep the
 * `pricing_version` they were costed with, so history never silently changes.
 *
 * Source: Anthropic's pricing page (USD per million tokens). Cache multipliers are Anthropic's: 5-minute cache
 * writes 1.25x input, 1-hour writes 2x, cache reads 0.1x. `inference_geo: "us"` costs 1.1x. Bedrock `global.`
 * profiles are billed at the same list prices; regional-profile premiums are not modelled (say so in reports).
 */

/** Bump on any change to the figures below. */
export const PRICING_VERSION = 'anthropic-list-2026-11-01';

/** Base prices of one model, USD per million tokens. */
export interface ModelPrice {
  readonly inputPerMTok: number;
  readonly outputPerMTok: number;
}

export const CACHE_WRITE_5M_MULTIPLIER = 1.25;
export const CACHE_WRITE_1H_MULTIPLIER = 2;
export const CACHE_READ_MULTIPLIER = 0.1;
/** Multiplier for every token category when Anthropic ran the request with `inference_geo: "us"`. */
export const US_GEO_MULTIPLIER = 1.1;

/** Keyed by catalog model id. */
export const PRICES: ReadonlyMap<string, ModelPrice> = new Map([
  ['claude-opus-4-6', { inputPerMTok: 5, outputPerMTok: 25 }],
  ['claude-opus-4-5-20251101', { inputPerMTok: 5, outputPerMTok: 25 }],
  ['claude-sonnet-4-6', { inputPerMTok: 3, outputPerMTok: 15 }],
  ['claude-sonnet-4-5-20250929', { inputPerMTok: 3, outputPerMTok: 15 }],
  ['claude-sonnet-4-20250514', { inputPerMTok: 3, outputPerMTok: 15 }],
  ['claude-haiku-4-5-20251001', { inputPerMTok: 1, outputPerMTok: 5 }],
]);
