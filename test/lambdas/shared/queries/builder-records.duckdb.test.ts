/**
 * Records produced by the request path's real builder (policy evaluation, envelope sealing) and written by the
 * dev server's filesystem sink, queried locally: the same path `npm run dev` + `npm run audit -- --local` takes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT, localKeyFile, runCli } from '../../../../lambdas/cli/audit-cli';
import { DuckDbQueryRunner } from '../../../../lambdas/shared/adapters/duckdb-query-runner';
import { FsAuditSink } from '../../../../lambdas/shared/adapters/fs-audit-sink';
import { LocalDataKeyProvider } from '../../../../lambdas/shared/adapters/local-data-key-provider';
import {
  buildDeniedRecord,
  buildPostCallRecord,
  buildPreCallRecord,
  sha256Hex,
} from '../../../../lambdas/shared/audit/builder';
import { auditObjectKey } from '../../../../lambdas/shared/audit/object-key';
import type { AuditRecord, ReidEnvelope } from '../../../../lambdas/shared/audit/record';
import { seal } from '../../../../lambdas/shared/pii/envelope';
import { evaluatePolicy } from '../../../../lambdas/shared/policy';
import { tenantConfigSchema } from '../../../../lambdas/shared/policy/tenant-config';
import { findQuery, renderQuery, validateQueryParameters } from '../../../../lambdas/shared/queries';

let state: string;
let root: string;
let runner: DuckDbQueryRunner;
let sealedPre: AuditRecord;

const tenant = tenantConfigSchema.parse({
  id: 'local-dev',
  provider: 'anthropic',
  models: { sonnet: 'claude-sonnet-4-6' },
  residency: { anthropicInferenceGeo: ['global'] },
});
const decision = evaluatePolicy(tenant, { model: 'sonnet', messages: [{ content: 'mail asha@example.com' }] }, {});
const context = (requestId: string) => ({
  requestId,
  tenantId: 'local-dev',
  principal: 'local-dev/key-1',
  operation: 'messages' as const,
  stream: true,
});
const outcome = (cost: number, geo: string, read: number) => ({
  status: 'ok' as const,
  httpStatus: 200,
  errorType: null,
  latencyMs: 900,
  ttftMs: 120,
  modelId: 'claude-sonnet-4-6',
  fallbackFromModel: null,
  upstreamAttempts: 1,
  inferenceGeoActual: geo,
  upstreamRequestId: 'req_upstream',
  usage: { input_tokens: 100, output_tokens: 10, cache_read_input_tokens: read, cache_creation_input_tokens: 0 },
  costUsd: cost,
  pricingVersion: 'v1',
  completionSha256: sha256Hex('done'),
  completionRedacted: 'done',
  reidEnvelope: null,
});

beforeAll(async () => {
  state = mkdtempSync(join(tmpdir(), 'builder-records-'));
  root = join(state, 'audit');
  const sink = new FsAuditSink(root);
  const keys = LocalDataKeyProvider.fromFile(join(state, 'master.key'));
  const envelope = await seal([{ token: '[EMAIL_abcdefghij]', value: 'asha@example.com' }], keys, {
    tenantId: 'local-dev',
    requestId: 'req_builder_0001',
  });
  const prompt = {
    promptSha256: sha256Hex('body'),
    promptChars: 21,
    promptRedacted: 'mail [EMAIL_abcdefghij]',
    piiCounts: { EMAIL: 1 },
    reidEnvelope: envelope as ReidEnvelope,
  };
  sealedPre = buildPreCallRecord(context('req_builder_0001'), decision, prompt, new Date('2026-11-20T10:00:00.000Z'));
  const post1 = buildPostCallRecord(sealedPre, outcome(0.25, 'global', 300), new Date('2026-11-20T10:00:02.000Z'));
  const pre2 = buildPreCallRecord(
    context('req_builder_0002'),
    decision,
    { ...prompt, reidEnvelope: null, piiCounts: {} },
    new Date('2026-11-21T09:00:00.000Z'),
  );
  // Actual geo "us" is not in the recorded policy anthropic:global: a residency violation.
  const post2 = buildPostCallRecord(pre2, outcome(0.5, 'us', 0), new Date('2026-11-21T09:00:03.000Z'));
  const orphan = buildPreCallRecord(
    context('req_builder_0003'),
    decision,
    { ...prompt, reidEnvelope: null },
    new Date('2026-11-21T11:00:00.000Z'),
  );
  const denied = buildDeniedRecord(
    context('req_builder_0004'),
    {
      reason: 'model_not_allowed',
      httpStatus: 403,
      errorType: 'permission_error',
      policyVersion: decision.policyVersion,
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
    new Date('2026-11-21T12:00:00.000Z'),
  );
  for (const record of [sealedPre, post1, pre2, post2, orphan, denied]) await sink.put(record);
  runner = await DuckDbQueryRunner.open({ root });
});

afterAll(() => {
  runner.close();
  rmSync(state, { recursive: true, force: true });
});

const params = validateQueryParameters({ from: '2026-11-20', to: '2026-11-21', asOf: '2026-11-22T00:00:00.000Z' });
const run = (name: string) => runner.run(renderQuery(findQuery(name), 'duckdb', params));

describe('builder-made records through the local engine', () => {
  it('requests, cost, PII, orphans, denials and residency', async () => {
    expect(decision.residencyPolicy).toBe('anthropic:global');
    expect(await run('requests-by-tenant')).toEqual([{ tenant_id: 'local-dev', requests: 4 }]);
    expect((await run('cost-by-tenant-daily')).map((row) => [row.day, row.cost_usd])).toEqual([
      ['2026-11-20', 0.25],
      ['2026-11-21', 0.5],
    ]);
    expect(await run('pii-by-type')).toEqual([
      { tenant_id: 'local-dev', pii_type: 'EMAIL', detections: 2, requests: 2 },
    ]);
    expect((await run('orphaned-pre-call')).map((row) => row.request_id)).toEqual(['req_builder_0003']);
    expect((await run('denied-requests')).map((row) => row.deny_reason)).toEqual(['model_not_allowed']);
    const violations = (await run('residency-report')).filter((row) => row.violation === true);
    expect(violations).toEqual([
      expect.objectContaining({ inference_geo_actual: 'us', residency_policy: 'anthropic:global', requests: 1 }),
    ]);
  });

  it('re-identifies a token from a sink-written record with the dev server key', async () => {
    let out = '';
    const code = await runCli(
      ['reidentify', '[EMAIL_abcdefghij]', '--record', auditObjectKey(sealedPre), '--local', root],
      {
        stdout: (text) => {
          out += text;
        },
        stderr: () => undefined,
        now: () => new Date('2026-11-22T00:00:00.000Z'),
        env: {},
        athenaRunner: () => runner,
        localRunner: async () => ({ run: (sql) => runner.run(sql), close: () => undefined }),
        readS3Object: async () => '',
        kmsDecryptor: () => LocalDataKeyProvider.fromFile(localKeyFile(root)),
        localDecryptor: (file) => LocalDataKeyProvider.fromFile(file),
      },
    );
    expect(code).toBe(EXIT.ok);
    expect(out).toBe('asha@example.com\n');
  });
});
