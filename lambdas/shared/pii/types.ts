/** The built-in PII types, named exactly as in PII-FORMATS.md. */
export const PII_TYPES = [
  'EMAIL',
  'PHONE',
  'CREDIT_CARD',
  'IBAN',
  'IP_ADDRESS',
  'US_SSN',
  'IN_AADHAAR',
  'IN_PAN',
  'IN_GSTIN',
  'IN_UPI',
  'IN_IFSC',
  'IN_PASSPORT',
  'IN_VOTER_ID',
  'AE_EMIRATES_ID',
  'SA_NATIONAL_ID',
  'DATE_OF_BIRTH',
] as const;

/** One of the built-in PII types. */
export type PiiType = (typeof PII_TYPES)[number];

/** A detected value. `text.slice(start, end) === value`; offsets are UTF-16 code units, end-exclusive. */
export interface PiiMatch {
  /** A built-in {@link PiiType} or the name of a tenant's custom type. */
  readonly type: PiiType | string;
  readonly start: number;
  readonly end: number;
  readonly value: string;
}

/** A tenant-defined type, e.g. `{ name: 'EMPLOYEE_ID', pattern: 'EMP-[0-9]{6}' }`. See `custom-patterns.ts` for limits. */
export interface CustomTypeDefinition {
  /** Upper-case name, `[A-Z][A-Z0-9_]{0,31}`, not a built-in type name; it becomes part of the token. */
  readonly name: string;
  /** JavaScript regular-expression source, run with the `gu` flags. */
  readonly pattern: string;
}

/** Options for {@link detectPii}. */
export interface DetectOptions {
  /**
   * Built-in types to report.
   * @default all of {@link PII_TYPES}
   */
  readonly enabledTypes?: readonly PiiType[];
  /**
   * Tenant-defined regex types, compiled safely (see `custom-patterns.ts`).
   * @default none
   */
  readonly customTypes?: readonly CustomTypeDefinition[];
  /**
   * Literal values that are never reported (compared after trimming, case-insensitively), e.g. a support address.
   * @default none
   */
  readonly allowlist?: readonly string[];
}
