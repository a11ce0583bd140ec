/**
 * The per-model graph for a Bedrock tenant: the `Model` value a Bedrock call's metrics carry must be one the
 * dashboard graphs. Before the catalog id was recorded, a Bedrock call carried its profile id
 * (`global.anthropic.…`), counted as `outside-catalog`, and its line on the graph stayed empty.
 */
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { AuditRecord } from '../../../lambdas/shared/audit/record';
import { callMetricDocuments, metricsContextFromTenants } from '../../../lambdas/shared/observability/gateway-metrics';
import { OperationsDashboard } from '../../../lib/constructs/operations-dashboard';
import { completeRecord } from '../../helpers/audit-record-fixture';
import { testApp, testConfig } from '../../helpers/cdk';

test('a Bedrock call lands on the per-model graph and not in ModelOutsideCatalog', () => {
  // Prepare: a Bedrock tenant, the dashboard's models derived as GatewayStack derives them.
  const config = testConfig({
    tenants: [{ id: 'mumbai', provider: 'bedrock', models: { sonnet: 'claude-sonnet-5-5' } }],
  });
  const modelIds = [...new Set(config.tenants.flatMap((tenant) => Object.values(tenant.models)))];
  const stack = new Stack(testApp(), 'Ops');
  const topic = sns.Topic.fromTopicArn(stack, 'T', 'arn:aws:sns:ap-south-1:111122223333:ops');
  new OperationsDashboard(stack, 'Ops', { tenantIds: ['mumbai'], modelIds, alarmTopic: topic });
  const dashboard = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Dashboard'))[0] as {
    Properties: { DashboardBody: unknown };
  };
  // The body is a Fn::Join of escaped JSON: drop the escapes to read the widgets' dimension pairs.
  const body = JSON.stringify(stack.resolve(dashboard.Properties.DashboardBody)).replace(/\\/g, '');
  const bedrockCall: AuditRecord = {
    ...completeRecord,
    tenant_id: 'mumbai',
    provider: 'bedrock',
    model_id: 'global.anthropic.claude-sonnet-5-5',
    catalog_model_id: 'claude-sonnet-5-5',
  };

  // Act
  const [call] = callMetricDocuments(bedrockCall, metricsContextFromTenants(config.tenants));

  // Assess
  const model = call?.dimensions.Model ?? '';
  expect(model).toBe('claude-sonnet-5-5');
  expect(body).toContain(`"Model","${model}"`);
  expect(call?.metrics.find((metric) => metric.name === 'ModelOutsideCatalog')?.value).toBe(0);
});
