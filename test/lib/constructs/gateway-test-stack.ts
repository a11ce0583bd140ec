/** A stack with the API edge wired as GatewayStack will wire it: shared by the tenant-identity, WAF and API tests. */
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { GatewayConfig } from '../../../lib/config';
import { GatewayApi, type GatewayApiProps, gatewayApiSettings } from '../../../lib/constructs/gateway-api';
import { TenantIdentity } from '../../../lib/constructs/tenant-identity';
import { TenantSecrets } from '../../../lib/constructs/tenant-secrets';
import { addNagPacks, testApp, testConfig } from '../../helpers/cdk';

export interface ApiTestStack {
  readonly stack: Stack;
  readonly identity: TenantIdentity;
  readonly api: GatewayApi;
  readonly config: GatewayConfig;
}

/** Two tenants: one with keys only, one with keys and OAuth2 (different limits), unless overridden. */
export const TWO_TENANTS = [
  {
    id: 'acme',
    models: { sonnet: 'claude-sonnet-4-6' },
    auth: { apiKey: true, oauth2ClientCredentials: false },
    limits: { rateLimitPerSecond: 5, burstLimit: 10, quota: { limit: 10_000, period: 'DAY' } },
  },
  {
    id: 'globex',
    models: { sonnet: 'claude-sonnet-4-6' },
    auth: { apiKey: true, oauth2ClientCredentials: true },
    limits: { rateLimitPerSecond: 20, burstLimit: 40, quota: { limit: 500_000, period: 'MONTH' } },
  },
];

export function apiTestStack(
  configOverrides: Record<string, unknown> = {},
  apiOverrides: Partial<GatewayApiProps> = {},
  nag = false,
): ApiTestStack {
  const app = testApp();
  const config = testConfig({ tenants: TWO_TENANTS, ...configOverrides });
  const env = { account: '111122223333', region: 'ap-south-1' };
  // The audit key lives in the stateful stack, as in the app: grants must not reference back into the API stack.
  const dataStack = new Stack(app, 'ClaudeGateway-AuditData', { env });
  const auditKey = new kms.Key(dataStack, 'AuditKey', { enableKeyRotation: true });
  auditKey.grantEncryptDecrypt(new iam.ServicePrincipal('logs.ap-south-1.amazonaws.com'));
  const stack = new Stack(app, 'ClaudeGateway-Gateway', { env });
  if (nag) addNagPacks(stack);
  // Stands in for lib/constructs/proxy-function.ts (built elsewhere); only its ARN matters here.
  const proxyFunction = lambda.Function.fromFunctionArn(
    stack,
    'Proxy',
    'arn:aws:lambda:ap-south-1:111122223333:function:claude-gateway-proxy',
  );
  // The tenant secrets live in the stateful stack, as in the app.
  const tenantSecrets = new TenantSecrets(dataStack, 'TenantSecrets', {
    tenants: config.tenants,
    encryptionKey: auditKey,
    secretNamePrefix: 'ClaudeGateway/tenants/',
  });
  const identity = new TenantIdentity(stack, 'TenantIdentity', {
    tenants: config.tenants,
    tenantSecrets,
    encryptionKey: auditKey,
  });
  const api = new GatewayApi(stack, 'GatewayApi', {
    proxyFunction,
    tenantIdentity: identity,
    logKey: auditKey,
    ...gatewayApiSettings(config.api),
    ...apiOverrides,
  });
  return { stack, identity, api, config };
}
