/**
 * Table columns derived from the audit record schema, so Glue (Athena), DuckDB (local mode) and the docs can
 * never drift from the record the gateway writes. The schema is walked through zod's JSON Schema output, which
 * is stable and public, rather than zod internals.
 */
import * as z from 'zod';
import { auditRecordSchema } from './record';

/** An engine-neutral column type. */
export type ColumnType =
  | { readonly kind: 'string' }
  | { readonly kind: 'bigint' }
  | { readonly kind: 'double' }
  | { readonly kind: 'boolean' }
  | { readonly kind: 'array'; readonly items: ColumnType }
  | { readonly kind: 'map'; readonly values: ColumnType }
  | { readonly kind: 'struct'; readonly fields: ReadonlyArray<{ readonly name: string; readonly type: ColumnType }> };

export interface AuditColumn {
  readonly name: string;
  readonly type: ColumnType;
  readonly nullable: boolean;
  readonly description: string;
}

interface JsonSchemaNode {
  type?: string;
  const?: unknown;
  description?: string;
  anyOf?: JsonSchemaNode[];
  items?: JsonSchemaNode;
  properties?: Record<string, JsonSchemaNode>;
  additionalProperties?: JsonSchemaNode | boolean;
}

/** Thrown at module load if the schema uses a shape no engine mapping exists for: a developer error. */
export class UnmappableColumnError extends Error {
  constructor(path: string) {
    super(`audit schema field ${path} has no column type mapping`);
    this.name = 'UnmappableColumnError';
  }
}

function toColumnType(node: JsonSchemaNode, path: string): ColumnType {
  switch (node.type) {
    case 'string':
      return { kind: 'string' };
    case 'integer':
      return { kind: 'bigint' };
    case 'number':
      // zod renders z.literal(1) as a number const; a constant integer is a bigint column.
      return Number.isInteger(node.const) ? { kind: 'bigint' } : { kind: 'double' };
    case 'boolean':
      return { kind: 'boolean' };
    case 'array':
      if (!node.items) throw new UnmappableColumnError(path);
      return { kind: 'array', items: toColumnType(node.items, `${path}[]`) };
    case 'object': {
      if (node.properties && Object.keys(node.properties).length > 0) {
        return {
          kind: 'struct',
          fields: Object.entries(node.properties).map(([name, child]) => ({
            name,
            type: toColumnType(child, `${path}.${name}`),
          })),
        };
      }
      if (typeof node.additionalProperties === 'object') {
        return { kind: 'map', values: toColumnType(node.additionalProperties, `${path}{}`) };
      }
      throw new UnmappableColumnError(path);
    }
    default:
      throw new UnmappableColumnError(path);
  }
}

function unwrapNullable(node: JsonSchemaNode): { node: JsonSchemaNode; nullable: boolean } {
  const variants = node.anyOf;
  if (!variants) return { node, nullable: false };
  const nonNull = variants.filter((variant) => variant.type !== 'null');
  const [only] = nonNull;
  if (nonNull.length !== 1 || !only) return { node, nullable: false };
  return { node: { ...only, description: node.description ?? only.description }, nullable: true };
}

function deriveColumns(): readonly AuditColumn[] {
  const root = z.toJSONSchema(auditRecordSchema, { io: 'output' }) as JsonSchemaNode;
  return Object.entries(root.properties ?? {}).map(([name, raw]) => {
    const { node, nullable } = unwrapNullable(raw);
    return { name, type: toColumnType(node, name), nullable, description: raw.description ?? '' };
  });
}

/** Every audit record column, in schema order. */
export const AUDIT_COLUMNS: readonly AuditColumn[] = deriveColumns();

/** Hive/Glue type string (`array<string>`, `map<string,bigint>`, `struct<a:string>`). */
export function glueType(type: ColumnType): string {
  switch (type.kind) {
    case 'array':
      return `array<${glueType(type.items)}>`;
    case 'map':
      return `map<string,${glueType(type.values)}>`;
    case 'struct':
      return `struct<${type.fields.map((field) => `${field.name}:${glueType(field.type)}`).join(',')}>`;
    default:
      return type.kind;
  }
}

/** DuckDB type string (`VARCHAR[]`, `MAP(VARCHAR, BIGINT)`, `STRUCT("a" VARCHAR)`). */
export function duckDbType(type: ColumnType): string {
  switch (type.kind) {
    case 'string':
      return 'VARCHAR';
    case 'bigint':
      return 'BIGINT';
    case 'double':
      return 'DOUBLE';
    case 'boolean':
      return 'BOOLEAN';
    case 'array':
      return `${duckDbType(type.items)}[]`;
    case 'map':
      return `MAP(VARCHAR, ${duckDbType(type.values)})`;
    case 'struct':
      return `STRUCT(${type.fields.map((field) => `"${field.name}" ${duckDbType(field.type)}`).join(', ')})`;
  }
}

/** Glue `CfnTable` columns for `gateway_audit` (comments are the schema's descriptions, truncated to Glue's 255). */
export function glueColumns(): Array<{ name: string; type: string; comment: string }> {
  return AUDIT_COLUMNS.map((column) => ({
    name: column.name,
    type: glueType(column.type),
    comment: column.description.slice(0, 255),
  }));
}

/** The `columns={...}` argument of DuckDB's `read_json` for audit files, in schema order. */
export function duckDbColumns(): Record<string, string> {
  return Object.fromEntries(AUDIT_COLUMNS.map((column) => [column.name, duckDbType(column.type)]));
}

/** Markdown table documenting every field (README / docs), generated so the docs cannot drift. */
export function auditColumnsMarkdown(): string {
  const rows = AUDIT_COLUMNS.map(
    (column) =>
      `| \`${column.name}\` | \`${glueType(column.type)}\` | ${column.nullable ? 'yes' : 'no'} | ${column.description} |`,
  );
  return ['| field | Glue type | nullable | meaning |', '|---|---|---|---|', ...rows].join('\n');
}
