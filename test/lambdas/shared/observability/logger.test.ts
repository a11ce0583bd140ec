import type { AuditRecord } from '../../../../lambdas/shared/audit/record';
import {
  createGatewayLogger,
  logLevelFromEnv,
  requestLogger,
  safeLogFields,
} from '../../../../lambdas/shared/observability/logger';
import { completeRecord } from '../../../helpers/audit-record-fixture';

const PII = {
  aadhaar: '2345 6789 0124',
  pan: 'ABCPE1234F',
  email: 'priya.sharma@example.in',
  card: '4111 1111 1111 1111',
  phone: '+91 98765 43210',
};
const SECRET_PRINCIPAL = 'acme-support/sk-live-0123456789abcdef';
const prompt = `Customer Priya (Aadhaar ${PII.aadhaar}, PAN ${PII.pan}, ${PII.email}, card ${PII.card}, ${PII.phone})`;

/** A record as bad as it gets: raw PII in every free-text field (a redaction bug must still not leak to logs). */
const leakyRecord: AuditRecord = {
  ...completeRecord,
  principal: SECRET_PRINCIPAL,
  end_user: PII.email,
  use_case: `refund for ${PII.pan}`,
  prompt_redacted: prompt,
  completion_redacted: `Refunded to card ${PII.card}, confirmation sent to ${PII.email}`,
  pii_counts: { IN_AADHAAR: 1, IN_PAN: 1, EMAIL: 1, CREDIT_CARD: 1, PHONE: 1 },
  deny_reason: `denied for ${PII.aadhaar}`,
};

function captureStdout(act: () => void): string {
  const chunks: string[] = [];
  const stdout = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  });
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  });
  try {
    act();
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
  return chunks.join('');
}

describe('safeLogFields', () => {
  test('keeps identifiers, outcome and timing only', () => {
    expect(safeLogFields(leakyRecord)).toEqual({
      request_id: 'req_01JD8Q2W3E4R5T6Y7U8I9O0P',
      tenant_id: 'acme-support',
      event: 'post_call',
      status: 'ok',
      http_status: 200,
      model_id: 'claude-sonnet-4-6',
      latency_ms: 812.5,
      ttft_ms: 210.25,
      error_type: null,
    });
  });

  test('an allowed key holding an object is dropped', () => {
    expect(safeLogFields({ request_id: { prompt } as unknown as string, status: 'ok' })).toEqual({ status: 'ok' });
  });
});

describe('gateway logger', () => {
  test('logging a call whose prompt is full of PII writes none of it', () => {
    // Prepare
    const logger = createGatewayLogger({ serviceName: 'gateway-proxy', env: { POWERTOOLS_LOG_LEVEL: 'DEBUG' } });
    // Act
    const output = captureStdout(() => {
      const log = requestLogger(logger, leakyRecord.request_id, leakyRecord.tenant_id);
      log.debug('post-call record written', safeLogFields(leakyRecord));
      log.info('call finished', { ...safeLogFields(leakyRecord), pii_types: Object.keys(leakyRecord.pii_counts) });
      log.warn('audit write failed; dead-lettering', safeLogFields(leakyRecord));
    });
    // Assess: three JSON lines with correlation keys, no PII, no secrets, no bodies
    const lines = output
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toHaveLength(3);
    for (const line of lines) {
      expect(line).toMatchObject({
        service: 'gateway-proxy',
        request_id: 'req_01JD8Q2W3E4R5T6Y7U8I9O0P',
        tenant_id: 'acme-support',
        status: 'ok',
      });
    }
    for (const value of [...Object.values(PII), SECRET_PRINCIPAL, 'Priya', 'Refunded', 'ciphertext', 'Y2lwaGVy']) {
      expect(output).not.toContain(value);
    }
    // Digits-only forms too (a formatter could strip the spaces).
    expect(output.replace(/\s/g, '')).not.toContain(PII.card.replace(/\s/g, ''));
    expect(output.replace(/\s/g, '')).not.toContain(PII.aadhaar.replace(/\s/g, ''));
  });

  test('the level comes from POWERTOOLS_LOG_LEVEL; unknown values fall back to INFO', () => {
    expect(logLevelFromEnv({ POWERTOOLS_LOG_LEVEL: 'debug' })).toBe('DEBUG');
    expect(logLevelFromEnv({ POWERTOOLS_LOG_LEVEL: 'LOUD' })).toBe('INFO');
    expect(logLevelFromEnv({})).toBe('INFO');
    const logger = createGatewayLogger({ serviceName: 'gateway-proxy', env: { POWERTOOLS_LOG_LEVEL: 'WARN' } });
    const output = captureStdout(() => logger.info('hidden'));
    expect(output).toBe('');
    expect(logger.getLevelName()).toBe('WARN');
  });

  test('persistent keys appear on every line', () => {
    const logger = createGatewayLogger({
      serviceName: 'gateway-audit',
      persistentKeys: { deployment: 'prod-ap-south-1' },
      env: {},
    });
    const output = captureStdout(() => logger.info('checks done'));
    expect(JSON.parse(output)).toMatchObject({ service: 'gateway-audit', deployment: 'prod-ap-south-1' });
  });
});
