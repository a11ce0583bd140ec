/**
 * One real call through the deployed API, followed through every place it must leave a trace:
 * 1. the tenant key (from `--api-key`/GATEWAY_DOCTOR_API_KEY, or the tenant's key secret) and a model the tenant
 *    may call (`--model`, or the first one `GET /v1/models` lists);
 * 2. a streamed `POST /v1/messages` answers 200 with a `request-id` header and a complete event stream;
 * 3. the pre-call and post-call records for that request id are in the audit bucket, valid, locked as configured;
 * 4. for the Bedrock provider, CloudTrail's event history holds the InvokeModel event whose `requestID` is the
 *    record's `upstream_request_id` (CloudTrail records it within about 5 minutes, so this step polls).
 * The two records it writes are kept for the audit retention period, like any others.
 */
import { type CloudTrailClient, type Event as CloudTrailEvent, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { auditObjectKey } from '../../shared/audit/object-key';
import { type AuditRecord, validateAuditRecord } from '../../shared/audit/record';
import { tenantKeySecretName, tenantKeySecretSchema } from '../../shared/auth/auth-directory';
import { type CheckOutcome, type DoctorCheck, describeError, fail, pass } from './check';
import { expectedRetention, headRetention, retentionShortfall } from './object-lock';
import { AUDIT_DATA_OUTPUTS, GATEWAY_OUTPUTS, type StackOutputs } from './stack-outputs';

/** The prompt: nothing personal, one word back, so the records it leaves are harmless to keep. */
export const CANARY_PROMPT = 'This is a gateway health check. Reply with the single word: ok';
const CANARY_MAX_TOKENS = 8;
const HTTP_TIMEOUT_MS = 120_000;
/** Seconds of clock skew allowed between this machine and the proxy when listing by the key's time part. */
const KEY_TIME_SKEW_MS = 60_000;

export interface CanaryOptions {
  /** Tenant key to call with; read from the tenant's key secret when absent. */
  readonly apiKey?: string;
  /** @default the Gateway stack's `CanaryTenantId` output */
  readonly tenantId?: string;
  /** @default the first model `GET /v1/models` lists for the tenant */
  readonly model?: string;
  /** How long to wait for the post-call record. */
  readonly recordWaitMs: number;
  /** How long to wait for the CloudTrail event. */
  readonly cloudTrailWaitMs: number;
  /** Between polls of S3 and CloudTrail. */
  readonly pollIntervalMs: number;
}

export interface CanaryCheckDeps {
  readonly s3: S3Client;
  readonly secrets: SecretsManagerClient;
  readonly cloudTrail: CloudTrailClient;
  readonly now: () => Date;
  readonly sleep: (ms: number) => Promise<void>;
  readonly options: CanaryOptions;
}

/** A step that could not complete: it becomes the check's `fail`. */
class CanaryStepError extends Error {
  override readonly name = 'CanaryStepError';
  constructor(readonly outcome: CheckOutcome) {
    super(outcome.summary);
  }
}

const stop = (summary: string, fix: string, details?: readonly string[]): never => {
  throw new CanaryStepError(fail(summary, fix, details));
};

export function canaryCheck(deps: CanaryCheckDeps): DoctorCheck {
  return {
    id: 'canary',
    title: 'Canary call: response, audit records, CloudTrail event',
    async run(context) {
      try {
        return await runCanary(deps, context.outputs);
      } catch (error) {
        if (error instanceof CanaryStepError) return error.outcome;
        throw error;
      }
    },
  };
}

async function runCanary(deps: CanaryCheckDeps, outputs: StackOutputs): Promise<CheckOutcome> {
  const { options } = deps;
  const apiUrl = withTrailingSlash(outputs.gateway.get(GATEWAY_OUTPUTS.apiUrl));
  const tenantId =
    options.tenantId ??
    (outputs.gateway.has(GATEWAY_OUTPUTS.canaryTenantId)
      ? outputs.gateway.get(GATEWAY_OUTPUTS.canaryTenantId)
      : stop(
          'no tenant to call as: no tenant has an API key',
          'pass --tenant <id> and --api-key for an OAuth2-only setup',
        ));
  const apiKey = options.apiKey ?? (await readTenantKey(deps.secrets, outputs, tenantId));
  const model = options.model ?? (await firstModel(apiUrl, apiKey));

  const startedAt = deps.now();
  const call = await postJson(new URL('v1/messages', apiUrl), apiKey, {
    model,
    max_tokens: CANARY_MAX_TOKENS,
    // Streamed, as Claude Code and most SDK users call: proves REST response streaming end to end in the region,
    // and (for Bedrock) that a streamed call's recorded request id is the one CloudTrail shows.
    stream: true,
    messages: [{ role: 'user', content: CANARY_PROMPT }],
  });
  const requestId = call.headers.get('request-id');
  if (call.status !== 200) {
    stop(
      `POST /v1/messages answered ${call.status}: ${errorText(call.body)}`,
      call.status === 401 || call.status === 403
        ? 'the key or tenant policy refused the call: check the tenant key secret and the tenant’s models in cdk.json'
        : 'read the proxy function’s log group for this request id and the upstream provider’s status',
      requestId ? [`request-id ${requestId}`] : [],
    );
  }
  if (!requestId)
    return stop('the response has no request-id header', 'redeploy the Gateway stack (the proxy sets it)');
  const details = [`tenant ${tenantId}, model ${model}`, `request-id ${requestId}`];
  if (!isCompleteStream(call)) {
    stop(
      'the 200 answer is not a complete event stream (no message_stop event)',
      'check the API integration streams (responseTransferMode STREAM) and read the proxy log for this request id',
      details,
    );
  }

  const bucket = outputs.auditData.get(AUDIT_DATA_OUTPUTS.auditBucketName);
  const keys = await waitForRecordKeys(deps, bucket, tenantId, requestId, startedAt);
  details.push(`pre-call s3://${bucket}/${keys.preCall}`, `post-call s3://${bucket}/${keys.postCall}`);
  const postCall = await readRecord(deps.s3, bucket, keys.postCall);
  if (postCall.request_id !== requestId || postCall.tenant_id !== tenantId || postCall.status !== 'ok') {
    stop(
      `the post-call record says status ${postCall.status} for tenant ${postCall.tenant_id}`,
      'read the record and the proxy log for this request id',
      details,
    );
  }
  const retention = expectedRetention(outputs.auditData);
  const now = deps.now();
  for (const key of [keys.preCall, keys.postCall]) {
    const shortfall = retentionShortfall(await headRetention(deps.s3, bucket, key), retention, now);
    if (shortfall)
      stop(shortfall, 'see the audit-bucket-object-lock check: default retention must lock every record', details);
  }
  details.push(`records locked ${retention.mode} for ${retention.days} days`);

  if (postCall.provider !== 'bedrock') {
    details.push(`provider ${postCall.provider ?? 'none'}: no CloudTrail event applies`);
    return pass(`${requestId}: answered, both records written and locked`, details);
  }
  const upstreamId = postCall.upstream_request_id;
  if (!upstreamId)
    return stop('the post-call record has no upstream_request_id', 'redeploy the Gateway stack', details);
  const event = await waitForCloudTrailEvent(deps, upstreamId, startedAt);
  details.push(`CloudTrail ${event.EventName ?? '?'} ${event.EventId ?? ''} by ${event.Username ?? '?'}`.trim());
  return pass(`${requestId}: answered, both records locked, Bedrock call in CloudTrail`, details);
}

function withTrailingSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

async function readTenantKey(secrets: SecretsManagerClient, outputs: StackOutputs, tenantId: string): Promise<string> {
  const secretId = tenantKeySecretId(outputs, tenantId);
  let secretString: string | undefined;
  try {
    secretString = (await secrets.send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString;
  } catch (error) {
    stop(
      `cannot read the tenant key secret ${secretId}: ${describeError(error)}`,
      'grant yourself secretsmanager:GetSecretValue (and kms:Decrypt via Secrets Manager) on it, or pass ' +
        '--api-key / GATEWAY_DOCTOR_API_KEY',
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(secretString ?? '');
  } catch {
    json = undefined;
  }
  const parsed = tenantKeySecretSchema.safeParse(json);
  if (!parsed.success) {
    return stop(`the tenant key secret ${secretId} has no valid "current" key`, 'see README: Rotate a key');
  }
  return parsed.data.current;
}

/**
 * The canary tenant's key secret is a stack output; another tenant's shares its prefix (`<prefix><tenant>/api-key`,
 * `tenantKeySecretName`), so the name follows from the output without a second one per tenant.
 */
export function tenantKeySecretId(outputs: StackOutputs, tenantId: string): string {
  const canaryName = outputs.gateway.get(GATEWAY_OUTPUTS.canaryTenantKeySecretName);
  const canaryId = outputs.gateway.get(GATEWAY_OUTPUTS.canaryTenantId);
  if (tenantId === canaryId) return canaryName;
  const suffix = tenantKeySecretName('', canaryId);
  if (!canaryName.endsWith(suffix)) {
    return stop(`the secret name ${canaryName} does not end in ${suffix}`, 'pass --api-key for this tenant');
  }
  return tenantKeySecretName(canaryName.slice(0, -suffix.length), tenantId);
}

interface HttpAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: unknown;
}

const authHeaders = (apiKey: string): Record<string, string> => ({
  'x-api-key': apiKey,
  'anthropic-version': '2023-06-01',
  'x-end-user': 'gateway-doctor',
});

async function request(url: URL, init: RequestInit): Promise<HttpAnswer> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(HTTP_TIMEOUT_MS) });
  } catch (error) {
    return stop(
      `${url.origin} did not answer: ${describeError(error)}`,
      'check the ApiUrl output, the WAF rules and your network path to API Gateway',
    );
  }
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON (an HTML error page from an intermediary): keep the text for the message.
  }
  return { status: response.status, headers: response.headers, body };
}

const postJson = (url: URL, apiKey: string, payload: unknown): Promise<HttpAnswer> =>
  request(url, {
    method: 'POST',
    headers: { ...authHeaders(apiKey), 'content-type': 'application/json' },
    body: JSON.stringify(payload),
  });

/** A server-sent event stream that reached Anthropic's closing `message_stop` event. */
function isCompleteStream(answer: HttpAnswer): boolean {
  const type = answer.headers.get('content-type') ?? '';
  return (
    type.startsWith('text/event-stream') &&
    typeof answer.body === 'string' &&
    /^event: message_stop$/m.test(answer.body)
  );
}

/** The Anthropic-shaped error's type and message, or the start of whatever came back. */
function errorText(body: unknown): string {
  if (typeof body === 'object' && body !== null && 'error' in body) {
    const error = (body as { error?: { type?: unknown; message?: unknown } }).error;
    return `${String(error?.type ?? 'error')}: ${String(error?.message ?? '')}`;
  }
  return String(typeof body === 'string' ? body : JSON.stringify(body)).slice(0, 200);
}

async function firstModel(apiUrl: string, apiKey: string): Promise<string> {
  const answer = await request(new URL('v1/models', apiUrl), { method: 'GET', headers: authHeaders(apiKey) });
  if (answer.status !== 200) {
    stop(
      `GET /v1/models answered ${answer.status}: ${errorText(answer.body)}`,
      answer.status === 401 || answer.status === 403
        ? 'the authorizer refused the tenant key: check the secret’s "current" value and the tenant’s auth in cdk.json'
        : 'read the proxy function’s log group',
    );
  }
  const data = (answer.body as { data?: Array<{ id?: unknown }> }).data;
  const id = data?.[0]?.id;
  if (typeof id !== 'string')
    return stop('the tenant may call no model', 'give the tenant models in cdk.json, or pass --model');
  return id;
}

interface RecordKeys {
  readonly preCall: string;
  readonly postCall: string;
}

/** Lists the tenant's keys for the day(s) of the call, from a little before it started, until both records show. */
async function waitForRecordKeys(
  deps: CanaryCheckDeps,
  bucket: string,
  tenantId: string,
  requestId: string,
  startedAt: Date,
): Promise<RecordKeys> {
  const deadline = deps.now().getTime() + deps.options.recordWaitMs;
  let found = new Map<string, string>();
  for (;;) {
    found = await listRequestKeys(deps.s3, bucket, tenantId, requestId, startedAt, deps.now());
    const preCall = found.get('pre_call');
    const postCall = found.get('post_call');
    if (preCall && postCall) return { preCall, postCall };
    if (deps.now().getTime() >= deadline) break;
    await deps.sleep(deps.options.pollIntervalMs);
  }
  return stop(
    `record(s) missing for ${requestId}: ${['pre_call', 'post_call'].filter((event) => !found.has(event)).join(', ')}`,
    found.has('pre_call')
      ? 'the post-call write failed: look in the audit dead-letter queue and the replay function’s log'
      : 'the proxy answered without a pre-call record, which fail-closed forbids: read the proxy log now',
    [`searched s3://${bucket}/${keyPrefixFor(tenantId, startedAt)}`],
  );
}

/** `audit/v1/dt=<day>/tenant=<tenant>/` of `at`, derived from the one object-key definition. */
function keyPrefixFor(tenantId: string, at: Date): string {
  const key = sampleKey(tenantId, at);
  return key.slice(0, key.lastIndexOf('/') + 1);
}

/** Keys sort by their `HHmmss` part within a day's tenant prefix, so listing can start just before `at`. */
function startAfterFor(tenantId: string, at: Date): string {
  const key = sampleKey(tenantId, at);
  return key.slice(0, key.lastIndexOf('/') + 1 + 'HHmmss'.length);
}

const sampleKey = (tenantId: string, at: Date): string =>
  auditObjectKey({ ts: at.toISOString(), tenant_id: tenantId, request_id: 'x', event: 'pre_call' });

async function listRequestKeys(
  s3: S3Client,
  bucket: string,
  tenantId: string,
  requestId: string,
  startedAt: Date,
  now: Date,
): Promise<Map<string, string>> {
  const from = new Date(startedAt.getTime() - KEY_TIME_SKEW_MS);
  const until = new Date(now.getTime() + KEY_TIME_SKEW_MS);
  const ranges = new Map<string, string | undefined>([[keyPrefixFor(tenantId, from), startAfterFor(tenantId, from)]]);
  for (const at of [startedAt, until]) {
    if (!ranges.has(keyPrefixFor(tenantId, at))) ranges.set(keyPrefixFor(tenantId, at), undefined);
  }
  const found = new Map<string, string>();
  for (const [prefix, startAfter] of ranges) {
    let token: string | undefined;
    do {
      const page = await s3.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, StartAfter: startAfter, ContinuationToken: token }),
      );
      for (const object of page.Contents ?? []) {
        const match = object.Key?.match(/-(pre_call|post_call)\.json$/);
        if (match?.[1] && object.Key?.includes(`-${requestId}-`)) found.set(match[1], object.Key);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }
  return found;
}

async function readRecord(s3: S3Client, bucket: string, key: string): Promise<AuditRecord> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const text = (await object.Body?.transformToString('utf8')) ?? '';
  try {
    return validateAuditRecord(JSON.parse(text));
  } catch (error) {
    return stop(
      `s3://${bucket}/${key} is not a valid audit record: ${describeError(error)}`,
      'redeploy the Gateway stack',
    );
  }
}

/** Polls CloudTrail's event history for the Bedrock event with this request id. */
async function waitForCloudTrailEvent(
  deps: CanaryCheckDeps,
  upstreamRequestId: string,
  startedAt: Date,
): Promise<CloudTrailEvent> {
  const deadline = deps.now().getTime() + deps.options.cloudTrailWaitMs;
  for (;;) {
    let token: string | undefined;
    do {
      const page = await deps.cloudTrail.send(
        new LookupEventsCommand({
          LookupAttributes: [{ AttributeKey: 'EventSource', AttributeValue: 'bedrock.amazonaws.com' }],
          StartTime: new Date(startedAt.getTime() - KEY_TIME_SKEW_MS),
          EndTime: new Date(deps.now().getTime() + KEY_TIME_SKEW_MS),
          NextToken: token,
        }),
      );
      const match = page.Events?.find((event) => requestIdOf(event) === upstreamRequestId);
      if (match) return match;
      token = page.NextToken;
    } while (token);
    if (deps.now().getTime() >= deadline) break;
    await deps.sleep(deps.options.pollIntervalMs);
  }
  return stop(
    `no CloudTrail event with requestID ${upstreamRequestId} after ${Math.round(deps.options.cloudTrailWaitMs / 1000)} s`,
    'CloudTrail usually records the call within 5 minutes: run again with a longer --cloudtrail-wait-seconds; ' +
      'if it never shows, Bedrock calls are not being recorded as management events in this region',
  );
}

function requestIdOf(event: CloudTrailEvent): string | undefined {
  try {
    const parsed = JSON.parse(event.CloudTrailEvent ?? '{}') as { requestID?: unknown };
    return typeof parsed.requestID === 'string' ? parsed.requestID : undefined;
  } catch {
    return undefined;
  }
}
