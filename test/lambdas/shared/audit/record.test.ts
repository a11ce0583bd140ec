import {
  AUDIT_COLUMNS,
  auditColumnsMarkdown,
  duckDbColumns,
  glueColumns,
} from '../../../../lambdas/shared/audit/columns';
import { auditObjectKey } from '../../../../lambdas/shared/audit/object-key';
import {
  AUDIT_RECORD_FIELDS,
  InvalidAuditRecordError,
  validateAuditRecord,
} from '../../../../lambdas/shared/audit/record';
import { completeRecord } from '../../../helpers/audit-record-fixture';

describe('audit record schema', () => {
  it('accepts a complete record unchanged', () => {
    expect(validateAuditRecord(completeRecord)).toEqual(completeRecord);
  });

  it('names the offending fields but never echoes their values', () => {
    // Prepare
    const bad = { ...completeRecord, tenant_id: 'Not A Tenant', prompt_chars: -1, extra: 'jane@example.com' };

    // Act
    const act = () => validateAuditRecord(bad);

    // Assess
    expect(act).toThrow(InvalidAuditRecordError);
    try {
      act();
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain('tenant_id');
      expect(message).toContain('prompt_chars');
      expect(message).not.toContain('jane@example.com');
      expect(message).not.toContain('Not A Tenant');
    }
  });

  it('has one column per record field, in the same order, for Glue, DuckDB and the docs', () => {
    const names = [...AUDIT_RECORD_FIELDS];
    expect(AUDIT_COLUMNS.map((column) => column.name)).toEqual(names);
    expect(glueColumns().map((column) => column.name)).toEqual(names);
    expect(Object.keys(duckDbColumns())).toEqual(names);
    const docs = auditColumnsMarkdown();
    for (const name of names) expect(docs).toContain(`| \`${name}\` |`);
    expect(Object.keys(completeRecord).sort()).toEqual([...names].sort());
  });

  it('maps field shapes to engine types', () => {
    const glue = Object.fromEntries(glueColumns().map((column) => [column.name, column.type]));
    const duck = duckDbColumns();
    expect(glue).toMatchObject({
      schema_version: 'bigint',
      stream: 'boolean',
      latency_ms: 'double',
      input_tokens: 'bigint',
      features: 'array<string>',
      pii_counts: 'map<string,bigint>',
      ts: 'string',
    });
    expect(glue.reid_envelope).toBe(
      'struct<version:bigint,algorithm:string,key_id:string,encrypted_data_key:string,iv:string,ciphertext:string,auth_tag:string,encryption_context:struct<tenant_id:string,request_id:string>>',
    );
    expect(duck).toMatchObject({ features: 'VARCHAR[]', pii_counts: 'MAP(VARCHAR, BIGINT)', cost_usd: 'DOUBLE' });
    expect(glueColumns().every((column) => column.comment.length > 0 && column.comment.length <= 255)).toBe(true);
  });
});

describe('auditObjectKey', () => {
  it('partitions by UTC day and tenant and names the file by time, request and event', () => {
    expect(auditObjectKey(completeRecord)).toBe(
      'audit/v1/dt=2026-11-22/tenant=acme-support/050403-req_01JD8Q2W3E4R5T6Y7U8I9O0P-post_call.json',
    );
  });

  it('uses the UTC date even when the local day would differ', () => {
    const key = auditObjectKey({ ...completeRecord, ts: '2026-12-31T23:59:59.999Z', event: 'pre_call' });
    expect(key).toBe('audit/v1/dt=2026-12-31/tenant=acme-support/235959-req_01JD8Q2W3E4R5T6Y7U8I9O0P-pre_call.json');
  });

  it('refuses an unparseable timestamp', () => {
    expect(() => auditObjectKey({ ...completeRecord, ts: 'yesterday' })).toThrow(RangeError);
  });
});
