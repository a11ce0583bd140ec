import {
  buildDeniedRecord,
  buildPostCallRecord,
  buildPreCallRecord,
  sha256Hex,
} from '../../../../lambdas/shared/audit/builder';
import { REQUEST_ID_PATTERN } from '../../../../lambdas/shared/audit/record';
import { newRequestId } from '../../../../lambdas/shared/audit/request-id';
import { evaluatePolicy } from '../../../../lambdas/shared/policy';
import { tenantConfigSchema } from '../../../../lambdas/shared/policy/tenant-config';

const context = {
  requestId: 'req_abcdefghijklmnopqrstuvwx',
  tenantId: 'acme',
  principal: 'acme/key-1',
  operation: 'messages' as const,
  stream: false,
};
const now = new Date('2026-11-22T10:00:00.000Z');
const decisionFor = (mode: 'audit' | 'metadata-only') =>
  evaluatePolicy(
    tenantConfigSchema.parse({
      id: 'acme',
      provider: 'anthropic',
      models: { s: 'claude-sonnet-4-6' },
      redaction: { mode },
    }),
    { model: 's', messages: [{ content: 'x' }] },
    {},
  );
const prompt = {
  promptSha256: sha256Hex('body'),
  promptChars: 10,
  promptRedacted: 'mail [EMAIL_abcdefghij]',
  piiCounts: { EMAIL: 1 },
  reidEnvelope: null,
};
const outcome = {
  status: 'ok' as const,
  httpStatus: 200,
  errorType: null,
  latencyMs: 12.5,
  ttftMs: 3,
  modelId: 'claude-sonnet-4-6',
  fallbackFromModel: null,
  upstreamAttempts: 1,
  inferenceGeoActual: 'global',
  upstreamRequestId: 'req_up',
  usage: { input_tokens: 1, output_tokens: 2, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
  costUsd: 0.000033,
  pricingVersion: 'v1',
  completionSha256: sha256Hex('done'),
  completionRedacted: 'done [EMAIL_abcdefghij]',
  reidEnvelope: null,
};

describe('audit builder', () => {
  it('builds valid pre and post records', () => {
    const pre = buildPreCallRecord(context, decisionFor('audit'), prompt, now);
    expect(pre).toMatchObject({
      event: 'pre_call',
      status: 'pending',
      prompt_redacted: prompt.promptRedacted,
      model_id: 'claude-sonnet-4-6',
    });
    const post = buildPostCallRecord(pre, outcome, new Date('2026-11-22T10:00:01.000Z'));
    expect(post).toMatchObject({
      event: 'post_call',
      status: 'ok',
      cost_usd: 0.000033,
      completion_redacted: outcome.completionRedacted,
      request_id: pre.request_id,
    });
  });

  it('keeps no text in metadata-only mode', () => {
    const pre = buildPreCallRecord(context, decisionFor('metadata-only'), prompt, now);
    const post = buildPostCallRecord(pre, outcome, now);
    expect(pre.prompt_redacted).toBeNull();
    expect(post.completion_redacted).toBeNull();
    expect(post.pii_counts).toEqual({ EMAIL: 1 });
    expect(post.completion_sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('builds a denied record', () => {
    const denied = buildDeniedRecord(
      context,
      {
        reason: 'model_not_allowed',
        httpStatus: 403,
        errorType: 'permission_error',
        policyVersion: 'abc',
        provider: 'anthropic',
        modelRequested: 'gpt-4',
        residencyPolicy: null,
        dataClassification: null,
        useCase: null,
        endUser: null,
        redactionMode: 'audit',
        promptSha256: null,
        latencyMs: 1,
      },
      now,
    );
    expect(denied).toMatchObject({ event: 'denied', status: 'denied', deny_reason: 'model_not_allowed' });
  });

  it('rejects an invalid record', () => {
    expect(() => buildPreCallRecord({ ...context, requestId: 'bad id!' }, decisionFor('audit'), prompt, now)).toThrow(
      /request_id/,
    );
  });

  it('generates request ids that fit the pattern', () => {
    const ids = new Set(Array.from({ length: 100 }, newRequestId));
    expect(ids.size).toBe(100);
    for (const id of ids) expect(id).toMatch(/^req_[A-Za-z0-9_-]{24}$/);
    expect(REQUEST_ID_PATTERN.test(newRequestId())).toBe(true);
  });
});
