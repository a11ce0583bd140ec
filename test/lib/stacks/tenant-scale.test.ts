/**
 * How many tenants one deployment holds, measured on synthesized templates against the limits that bind first:
 * CloudFormation's 500 resources and 200 outputs per stack and 1 MB per template (uploaded to S3), Lambda's 4 KB
 * of environment variables per function, Secrets Manager's 64 KB per secret value, and API Gateway's 10,000 API
 * keys per account and Region (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-execution-service-limits-table.html).
 * README ("Tenants and credentials") states the same ceiling; change both together.
 */
import type { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AuditDataStack } from '../../../lib/stacks/audit-data-stack';
import { GatewayStack, statefulResourcesOf } from '../../../lib/stacks/gateway-stack';
import { testApp, testConfig } from '../../helpers/cdk';

/**
 * The documented ceiling of one deployment with every tenant on keys and OAuth2 (the costliest mix): 64 on
 * 2026-12-04, documented as 60 so that a few new fixed resources (an alarm, a gateway response) do not move it.
 */
const TENANT_CEILING = 60;

const LIMITS = { resources: 500, outputs: 200, templateBytes: 1_000_000, lambdaEnvBytes: 4096, secretBytes: 65_536 };

function tenants(count: number) {
  return Array.from({ length: count }, (_, index) => ({
    id: `tenant-${String(index).padStart(3, '0')}`,
    models: { sonnet: 'claude-sonnet-4-6' },
    auth: { apiKey: true, oauth2ClientCredentials: true },
  }));
}

function deploy(count: number): { app: App; auditData: AuditDataStack; gateway: GatewayStack } {
  const app = testApp();
  const env = { region: 'ap-south-1' };
  const config = testConfig({ tenants: tenants(count), operations: { alarmEmail: 'oncall@example.com' } });
  const auditData = new AuditDataStack(app, 'AuditData', { env, config });
  const gateway = new GatewayStack(app, 'Gateway', {
    env,
    config,
    ...statefulResourcesOf(auditData),
  });
  return { app, auditData, gateway };
}

/** Bytes of a function's variables as Lambda counts them (keys and values), tokens rendered as in the template. */
function environmentBytes(fn: { [key: string]: { Environment?: { Variables?: Record<string, unknown> } } }): number {
  return Object.entries(fn.Properties?.Environment?.Variables ?? {}).reduce(
    (sum, [key, value]) => sum + key.length + (typeof value === 'string' ? value.length : JSON.stringify(value).length),
    0,
  );
}

describe(`tenant ceiling (${TENANT_CEILING} tenants with keys and OAuth2)`, () => {
  jest.setTimeout(180_000);

  it('fits every limit at the ceiling', () => {
    const { auditData, gateway } = deploy(TENANT_CEILING);
    for (const stack of [auditData, gateway]) {
      const template = Template.fromStack(stack).toJSON();
      expect(Object.keys(template.Resources).length).toBeLessThanOrEqual(LIMITS.resources);
      expect(Object.keys(template.Outputs ?? {}).length).toBeLessThanOrEqual(LIMITS.outputs);
      expect(JSON.stringify(template).length).toBeLessThan(LIMITS.templateBytes);
      for (const fn of Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function'))) {
        expect(environmentBytes(fn)).toBeLessThan(LIMITS.lambdaEnvBytes);
      }
    }
    // The stateful side (two secrets per tenant, no per-tenant output: the Gateway stack finds them by name)
    // has room for three times as many.
    const audit = Template.fromStack(auditData).toJSON();
    expect(Object.keys(audit.Resources).length).toBeLessThan(LIMITS.resources / 2);
    expect(Object.keys(audit.Outputs ?? {}).length).toBeLessThan(30);
    // The authorizer directory (in a secret, not a variable): the template's text bounds the resolved value,
    // with each client-id token (about 80 characters here) standing for a 26-character id.
    const [directory] = Object.values(Template.fromStack(gateway).findResources('AWS::SecretsManager::Secret')).filter(
      (secret) => String(secret.Properties.Description).includes('authorizer directory'),
    );
    expect(JSON.stringify(directory?.Properties.SecretString).length).toBeLessThan(LIMITS.secretBytes);
  });

  it("ten tenants more break the Gateway stack's 500 resources (six per tenant)", () => {
    const { gateway } = deploy(TENANT_CEILING + 10);
    // Per OAuth2 tenant: app client, API key, usage plan, usage-plan key, cost and cache-hit alarms (6).
    expect(() => Template.fromStack(gateway)).toThrow(
      /Number of resources in stack 'Gateway': \d+ is greater than allowed maximum of 500/,
    );
  });
});
