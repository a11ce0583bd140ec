import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deploymentIssues, GatewayConfigError, parseGatewayConfig } from '../../lib/config';

const cdkJsonGateway = (
  JSON.parse(readFileSync(join(__dirname, '..', '..', 'cdk.json'), 'utf8')) as {
    context: { gateway: unknown };
  }
).context.gateway;

function problemsOf(raw: unknown): string[] {
  try {
    parseGatewayConfig(raw);
  } catch (error) {
    if (error instanceof GatewayConfigError) return [...error.problems];
    throw error;
  }
  return [];
}

describe('parseGatewayConfig', () => {
  it('applies safe defaults: ap-south-1, prod, COMPLIANCE for 365 days, one sample tenant, no text in Bedrock logs', () => {
    // Act
    const config = parseGatewayConfig(undefined);

    // Assess
    expect(config.region).toBe('ap-south-1');
    expect(config.environment).toBe('prod');
    expect(config.audit).toMatchObject({ retentionDays: 365, objectLockMode: 'COMPLIANCE' });
    expect(config.bedrockInvocationLogging).toMatchObject({ enabled: true, textDelivery: false });
    expect(config.providers.anthropic.enabled).toBe(false);
    expect(config.tenants.map((tenant) => tenant.id)).toEqual(['sample-tenant']);
    expect(config.tenants[0]?.redaction.mode).toBe('audit');
    expect(config.tenants[0]?.limits.quota).toEqual({ limit: 10_000, period: 'DAY' });
  });

  it('accepts the config shipped in cdk.json', () => {
    expect(problemsOf(cdkJsonGateway)).toEqual([]);
  });

  it.each([
    [
      { audit: { retentionDays: 30 } },
      'gateway.audit.retentionDays: must be at least 90 when environment is "prod" (got 30)',
    ],
    [
      { audit: { objectLockMode: 'GOVERNANCE' } },
      'gateway.audit.objectLockMode: GOVERNANCE is allowed only when environment is "dev" (got "GOVERNANCE")',
    ],
    [{ region: 'mumbai' }, 'gateway.region: an AWS region such as ap-south-1 (got "mumbai")'],
    [{ logRetentionDays: 42 }, 'gateway.logRetentionDays'],
    [{ environment: 'staging' }, 'gateway.environment'],
    [{ bogus: true }, 'gateway'],
    [
      { reidentification: { decryptPrincipalArns: ['alice'] } },
      'gateway.reidentification.decryptPrincipalArns.0: an IAM role, user or root ARN (got "alice")',
    ],
    [{ tenants: [] }, 'gateway.tenants'],
    [{ tenants: [{ id: 'Bad_Id', models: { sonnet: 'claude-sonnet-4-6' } }] }, 'gateway.tenants.0.id'],
    [{ tenants: [{ id: 'acme', models: {} }] }, 'gateway.tenants.0.models: at least one model alias (got {})'],
  ])('rejects %j naming the key and value', (raw, expected) => {
    // Act
    const problems = problemsOf(raw);

    // Assess
    expect(problems.some((problem) => problem.startsWith(expected))).toBe(true);
  });

  it('allows short retention and GOVERNANCE only in dev', () => {
    const config = parseGatewayConfig({
      environment: 'dev',
      audit: { retentionDays: 1, objectLockMode: 'GOVERNANCE' },
    });
    expect(config.audit).toMatchObject({ retentionDays: 1, objectLockMode: 'GOVERNANCE' });
  });

  it('rejects duplicate tenant ids and fallbacks to unknown aliases', () => {
    const tenant = { id: 'acme', models: { sonnet: 'claude-sonnet-4-6' } };
    expect(problemsOf({ tenants: [tenant, tenant] })).toContainEqual(
      expect.stringContaining('duplicate tenant id "acme"'),
    );
    expect(problemsOf({ tenants: [{ ...tenant, fallback: ['opus'] }] })).toContainEqual(
      expect.stringContaining('gateway.tenants.0.fallback.0: fallback alias "opus"'),
    );
  });

  it('refuses a tenant on a provider that is not enabled', () => {
    const problems = problemsOf({
      tenants: [{ id: 'acme', provider: 'anthropic', models: { sonnet: 'claude-sonnet-4-6' } }],
    });
    expect(problems).toContainEqual(
      expect.stringContaining('gateway.tenants.0.provider: provider "anthropic" is not enabled'),
    );
  });

  it('refuses metadata-only on Bedrock while Bedrock logs raw text, unless the override reason is recorded', () => {
    // Prepare
    const raw = {
      bedrockInvocationLogging: { textDelivery: true },
      tenants: [{ id: 'acme', models: { sonnet: 'claude-sonnet-4-6' }, redaction: { mode: 'metadata-only' } }],
    };

    // Act + Assess
    expect(problemsOf(raw)).toContainEqual(
      expect.stringContaining('gateway.tenants.0.redaction.mode: metadata-only contradicts'),
    );
    expect(
      problemsOf({
        ...raw,
        bedrockInvocationLogging: { textDelivery: true, unredactedTextOverrideReason: 'DPO approval DPO-2026-114' },
      }),
    ).toEqual([]);
  });
});

describe('deploymentIssues (checked by bin/gateway.ts before synth)', () => {
  it('refuses a prod deployment whose alarms notify nobody, naming both ways to fix it', () => {
    const issues = deploymentIssues(parseGatewayConfig({}));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(/^gateway\.operations\.alarmEmail: /);
    expect(issues[0]).toContain('operations.alarmTopicArn');
  });

  it('accepts one address, a list, or an existing topic; dev needs none', () => {
    for (const operations of [
      { alarmEmail: 'oncall@example.com' },
      { alarmEmail: ['oncall@example.com', 'ciso@example.com'] },
      { alarmTopicArn: 'arn:aws:sns:ap-south-1:111122223333:chatops' },
    ]) {
      expect(deploymentIssues(parseGatewayConfig({ operations }))).toEqual([]);
    }
    expect(
      deploymentIssues(parseGatewayConfig({ environment: 'dev', audit: { objectLockMode: 'GOVERNANCE' } })),
    ).toEqual([]);
    expect(problemsOf({ operations: { alarmEmail: [] } })[0]).toMatch(/^gateway\.operations\.alarmEmail/);
    expect(problemsOf({ operations: { alarmTopicArn: 'chatops' } })[0]).toMatch(/^gateway\.operations\.alarmTopicArn/);
  });

  it('the shipped cdk.json passes (a placeholder address the README says to replace)', () => {
    const config = parseGatewayConfig(cdkJsonGateway);
    expect(deploymentIssues(config)).toEqual([]);
    expect(config.operations.alarmEmail).toBe('platform-alerts@example.com');
  });

  it('refuses provisioned concurrency above the reserved cap', () => {
    const config = parseGatewayConfig({
      operations: { alarmEmail: 'a@example.com', reservedConcurrency: { proxy: 5 }, proxyProvisionedConcurrency: 6 },
    });
    expect(deploymentIssues(config)).toEqual([
      'gateway.operations.proxyProvisionedConcurrency: must not exceed operations.reservedConcurrency.proxy (5) (got 6)',
    ]);
  });
});

describe('who may change the audit retention later', () => {
  it('defaults to the deploy role', () => {
    expect(parseGatewayConfig({}).audit.retentionChangeBy).toBe('deploy-role');
  });

  it('break-glass only requires a break-glass principal, or no later deploy could change retentionDays', () => {
    expect(problemsOf({ audit: { retentionChangeBy: 'break-glass' } })).toEqual([
      expect.stringMatching(/^gateway\.audit\.breakGlassPrincipalArns: must name at least one principal/),
    ]);
    expect(
      problemsOf({
        audit: { retentionChangeBy: 'break-glass', breakGlassPrincipalArns: ['arn:aws:iam::111122223333:role/bg'] },
      }),
    ).toEqual([]);
  });
});
