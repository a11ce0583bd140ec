/** The authorizer's `denied` audit record: a valid record with who, why and the request id, and nothing else. */
import { buildAuthorizerDeniedRecord, UNKNOWN_POLICY_VERSION } from '../../../lambdas/authorizer/denied-record';
import type { AuthorizerDenial } from '../../../lambdas/authorizer/handler';
import { auditObjectKey } from '../../../lambdas/shared/audit/object-key';
import { InvalidAuditRecordError } from '../../../lambdas/shared/audit/record';
import { REQUEST_ID } from './fixtures';

const DENIAL: AuthorizerDenial = {
  tenantId: 'globex',
  principal: 'client-globex',
  reason: 'authentication_expired',
  requestId: REQUEST_ID,
  operation: 'messages',
  latencyMs: 12,
};
const NOW = new Date('2026-03-04T05:06:07.000Z');

describe('buildAuthorizerDeniedRecord', () => {
  it('builds a valid denied record: tenant, principal, reason, request id, a 401 authentication_error', () => {
    const record = buildAuthorizerDeniedRecord(DENIAL, NOW);
    expect(record).toMatchObject({
      event: 'denied',
      status: 'denied',
      request_id: REQUEST_ID,
      ts: '2026-03-04T05:06:07.000Z',
      tenant_id: 'globex',
      principal: 'client-globex',
      operation: 'messages',
      stream: false,
      deny_reason: 'authentication_expired',
      http_status: 401,
      error_type: 'authentication_error',
      policy_version: UNKNOWN_POLICY_VERSION,
      latency_ms: 12,
    });
    expect(auditObjectKey(record)).toBe(`audit/v1/dt=2026-03-04/tenant=globex/050607-${REQUEST_ID}-denied.json`);
  });

  it('holds no prompt, model or policy details (the authorizer never sees the body)', () => {
    const record = buildAuthorizerDeniedRecord(DENIAL, NOW);
    expect(record).toMatchObject({
      provider: null,
      model_requested: null,
      model_id: null,
      residency_policy: null,
      data_classification: null,
      use_case: null,
      end_user: null,
      redaction_mode: null,
      prompt_sha256: null,
      prompt_chars: null,
      prompt_redacted: null,
      pii_counts: {},
      reid_envelope: null,
      features: [],
      zdr_opt_ins: [],
    });
  });

  it('refuses a request id the audit schema does not accept', () => {
    expect(() => buildAuthorizerDeniedRecord({ ...DENIAL, requestId: 'a/b' }, NOW)).toThrow(InvalidAuditRecordError);
  });
});
