/**
 * The dated ZDR feature table (`zdr-features.json`, data copied from Anthropic's per-feature data-retention page)
 * and the lookups the ZDR gate, the audit record and the docs make in it. The table is validated when this module
 * loads: a feature a name points to must exist, and every name must already be in its normal form, so a bad edit
 * of the data file fails the first test (and synth), never a request.
 *
 * Names are compared in normal form: trimmed, lower-case, whitespace removed, so `Context-Management-2025-06-27 `
 * and `context-management-2025-06-27` are one beta and `MCP_Servers` is the `mcp_servers` field.
 */
import * as z from 'zod';
import { detectPii } from '../pii/detect';
import tableJson from './zdr-features.json';

/** How the source rates a feature: `Yes`, `Yes (qualified)` or `No` in its "ZDR eligible" column. */
export const ZDR_STATUSES = ['eligible', 'qualified', 'not_eligible'] as const;
export type ZdrStatus = (typeof ZDR_STATUSES)[number];

/** Where in a request a name appears. */
export const FEATURE_NAME_KINDS = ['endpoint', 'beta', 'field', 'tool', 'block', 'context_edit'] as const;
export type FeatureNameKind = (typeof FEATURE_NAME_KINDS)[number];

/** The normal form of a feature name: trimmed, lower-case, without whitespace. */
export function normaliseFeatureName(name: string): string {
  return name.replace(/\s+/g, '').toLowerCase();
}

const FEATURE_ID = /^[a-z][a-z0-9_]{1,47}$/;

const tableSchema = z
  .object({
    source: z.url(),
    sourceTitle: z.string().min(1),
    asOf: z.iso.date(),
    note: z.string(),
    features: z.array(
      z
        .object({
          id: z.string().regex(FEATURE_ID),
          zdr: z.enum(ZDR_STATUSES),
          row: z.string().min(1),
          note: z.string().optional(),
        })
        .strict(),
    ),
    names: z.array(
      z
        .object({
          kind: z.enum(FEATURE_NAME_KINDS),
          name: z.string().min(1).optional(),
          prefix: z.string().min(2).optional(),
          feature: z.string(),
          note: z.string().optional(),
        })
        .strict()
        .refine(
          (entry) => (entry.name === undefined) !== (entry.prefix === undefined),
          'set exactly one of name, prefix',
        ),
    ),
  })
  .strict()
  .superRefine((table, ctx) => {
    const ids = new Set<string>();
    for (const [index, feature] of table.features.entries()) {
      if (ids.has(feature.id)) ctx.addIssue({ code: 'custom', path: ['features', index, 'id'], message: 'duplicate' });
      ids.add(feature.id);
    }
    const seen = new Set<string>();
    for (const [index, entry] of table.names.entries()) {
      if (!ids.has(entry.feature)) {
        ctx.addIssue({
          code: 'custom',
          path: ['names', index, 'feature'],
          message: `unknown feature ${entry.feature}`,
        });
      }
      const text = entry.name ?? entry.prefix ?? '';
      if (normaliseFeatureName(text) !== text) {
        ctx.addIssue({ code: 'custom', path: ['names', index], message: 'names are written in normal form' });
      }
      const key = `${entry.kind}|${entry.name === undefined ? 'prefix' : 'name'}|${text}`;
      if (seen.has(key)) ctx.addIssue({ code: 'custom', path: ['names', index], message: 'duplicate name' });
      seen.add(key);
    }
  });

/** One row of the table, as a feature id. */
export interface ZdrFeature {
  readonly id: string;
  readonly zdr: ZdrStatus;
  /** The row of the source table this feature is judged by. */
  readonly row: string;
  readonly note?: string | undefined;
}

/** One name that selects a feature (exact, or every name that starts with `prefix`). */
export interface ZdrFeatureName {
  readonly kind: FeatureNameKind;
  readonly name?: string | undefined;
  readonly prefix?: string | undefined;
  readonly feature: string;
  readonly note?: string | undefined;
}

/** The loaded table. */
export interface ZdrFeatureTable {
  readonly source: string;
  readonly sourceTitle: string;
  /** The day the rows were copied from the source (ISO date). */
  readonly asOf: string;
  readonly features: readonly ZdrFeature[];
  readonly names: readonly ZdrFeatureName[];
  /** The feature a name selects (exact names win over prefixes, longer prefixes over shorter), or undefined. */
  lookup(kind: FeatureNameKind, name: string): ZdrFeature | undefined;
  feature(id: string): ZdrFeature | undefined;
}

/** Thrown when the table data is malformed; names the path of the first problems. */
export class InvalidZdrFeatureTableError extends Error {
  override readonly name = 'InvalidZdrFeatureTableError';
}

/** Validates table data and builds its lookups. */
export function loadZdrFeatureTable(data: unknown): ZdrFeatureTable {
  const parsed = tableSchema.safeParse(data);
  if (!parsed.success) {
    const where = parsed.error.issues
      .slice(0, 5)
      .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
      .join('; ');
    throw new InvalidZdrFeatureTableError(`ZDR feature table is invalid: ${where}`);
  }
  const table = parsed.data;
  const byId = new Map(table.features.map((feature) => [feature.id, feature]));
  const exact = new Map<string, ZdrFeature>();
  const prefixes = new Map<FeatureNameKind, Array<{ prefix: string; feature: ZdrFeature }>>();
  for (const entry of table.names) {
    const feature = byId.get(entry.feature);
    if (!feature) continue;
    if (entry.name !== undefined) exact.set(`${entry.kind}|${entry.name}`, feature);
    else if (entry.prefix !== undefined) {
      const list = prefixes.get(entry.kind) ?? [];
      list.push({ prefix: entry.prefix, feature });
      list.sort((a, b) => b.prefix.length - a.prefix.length);
      prefixes.set(entry.kind, list);
    }
  }
  return {
    source: table.source,
    sourceTitle: table.sourceTitle,
    asOf: table.asOf,
    features: table.features,
    names: table.names,
    lookup(kind, name) {
      const normal = normaliseFeatureName(name);
      return (
        exact.get(`${kind}|${normal}`) ??
        prefixes.get(kind)?.find((candidate) => normal.startsWith(candidate.prefix))?.feature
      );
    },
    feature: (id) => byId.get(id),
  };
}

/** The table shipped with the gateway. */
export const ZDR_FEATURE_TABLE: ZdrFeatureTable = loadZdrFeatureTable(tableJson);

/** Every feature id of the shipped table (what `zdrOptIns[].feature` may name). */
export const ZDR_FEATURE_IDS: readonly string[] = ZDR_FEATURE_TABLE.features.map((feature) => feature.id);

/** Feature ids the table rates not ZDR-eligible: used only with a reviewed per-tenant opt-in. */
export const NOT_ELIGIBLE_FEATURE_IDS: readonly string[] = ZDR_FEATURE_TABLE.features
  .filter((feature) => feature.zdr === 'not_eligible')
  .map((feature) => feature.id);

/** Markers of names the table does not know, as recorded in `features` (`unknown_beta:<name>`, ...). */
export const UNKNOWN_FEATURE_PREFIX = 'unknown_';

/** Longest unknown name kept in a record. */
const MAX_RECORDED_NAME = 64;
/** Names recorded as they are: the alphabet of real betas, fields and tool types, digits in runs of at most 8. */
const RECORDABLE_NAME = /^[a-z0-9][a-z0-9_.:-]*$/;
const LONG_DIGIT_RUN = /\d{9,}/;
/** What an unknown name that is not safe to record (it may be an e-mail, a phone number, free text) becomes. */
export const UNSAFE_NAME = '[unsafe-name]';

/**
 * A client-chosen name as it may appear in an audit record: the normal form when it is short and in the safe
 * alphabet, else {@link UNSAFE_NAME}. Unknown key names can carry raw PII; they never reach a record unbounded.
 */
export function recordableName(name: string): string {
  const normal = normaliseFeatureName(name);
  if (normal.length === 0 || normal.length > MAX_RECORDED_NAME) return UNSAFE_NAME;
  if (!RECORDABLE_NAME.test(normal) || LONG_DIGIT_RUN.test(normal)) return UNSAFE_NAME;
  if (holdsPii(name)) return UNSAFE_NAME;
  return normal;
}

/**
 * PII in a name as the client sent it, before lower-casing (which hides a PAN such as `ABCPS1234K` from its
 * detector), and again with the separators of names read as spaces (`customer-7391-4206-5818-2025` holds a card
 * number the prose detector does not see through the hyphens). Names are at most 64 characters here: cheap.
 */
function holdsPii(name: string): boolean {
  if (detectPii(name).length > 0) return true;
  const spaced = name.replace(/[-_.:/]/g, ' ');
  return spaced !== name && detectPii(spaced).length > 0;
}

/** The `features` marker of an unknown name of this kind. */
export function unknownFeatureMarker(kind: FeatureNameKind, name: string): string {
  return `${UNKNOWN_FEATURE_PREFIX}${kind}:${recordableName(name)}`;
}

/** True for a `features` entry that marks an unknown name. */
export function isUnknownFeatureMarker(feature: string): boolean {
  return feature.startsWith(UNKNOWN_FEATURE_PREFIX);
}
