import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { glueColumns } from '../../../lambdas/shared/audit/columns';
import { NAMED_QUERIES } from '../../../lambdas/shared/queries';
import { AuditCatalog, COMMERCIAL_REGIONS, UNSET_GATEWAY_ROLE_ARN } from '../../../lib/constructs/audit-catalog';
import { addNagPacks, nagFindings, testApp } from '../../helpers/cdk';

const ROLE = 'arn:aws:iam::111122223333:role/gateway-proxy-role';

function synth(extra: Partial<ConstructorParameters<typeof AuditCatalog>[2]> = {}, nag = false) {
  const app = testApp();
  const stack = new Stack(app, 'CatalogStack', { env: { region: 'ap-south-1' } });
  if (nag) addNagPacks(stack);
  const bucket = s3.Bucket.fromBucketName(stack, 'Audit', 'audit-bucket-1');
  const catalog = new AuditCatalog(stack, 'Catalog', {
    databaseName: 'claude_gateway_audit',
    workgroupName: 'ClaudeGateway-compliance',
    auditBucket: bucket,
    tenantIds: ['acme', 'globex'],
    gatewayRoleArn: ROLE,
    ...extra,
  });
  return { stack, catalog, template: Template.fromStack(stack) };
}

/** Flattens a CloudFormation string (plain or Fn::Join) for assertions. */
function flat(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(flat).join('');
  if (value && typeof value === 'object') {
    const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
    if (join) return join[1].map(flat).join(join[0]);
    const ref = (value as { Ref?: string }).Ref;
    if (ref) return `{${ref}}`;
  }
  return JSON.stringify(value);
}

function tableInput(template: Template, name: string): Record<string, unknown> {
  const tables = template.findResources('AWS::Glue::Table', {
    Properties: { TableInput: { Name: name } },
  });
  const [table] = Object.values(tables);
  return (table?.Properties as { TableInput: Record<string, unknown> }).TableInput;
}

describe('AuditCatalog', () => {
  it('gateway_audit: schema columns, Hive JsonSerDe, dt + tenant projection and location', () => {
    const { template } = synth();
    const input = tableInput(template, 'gateway_audit');
    const descriptor = input.StorageDescriptor as Record<string, unknown>;
    expect(descriptor.Columns).toEqual(glueColumns().map((c) => ({ Name: c.name, Type: c.type, Comment: c.comment })));
    expect(descriptor.SerdeInfo).toEqual({ SerializationLibrary: 'org.apache.hive.hcatalog.data.JsonSerDe' });
    expect(descriptor.InputFormat).toBe('org.apache.hadoop.mapred.TextInputFormat');
    expect(descriptor.Location).toBe('s3://audit-bucket-1/audit/v1/');
    expect(input.PartitionKeys).toEqual([
      expect.objectContaining({ Name: 'dt', Type: 'string' }),
      expect.objectContaining({ Name: 'tenant', Type: 'string' }),
    ]);
    expect(input.Parameters).toEqual({
      classification: 'json',
      'projection.enabled': 'true',
      'projection.dt.type': 'date',
      'projection.dt.format': 'yyyy-MM-dd',
      'projection.dt.range': '2025-01-01,NOW',
      'projection.dt.interval': '1',
      'projection.dt.interval.unit': 'DAYS',
      'projection.tenant.type': 'enum',
      'projection.tenant.values': 'acme,globex',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Athena's storage.location.template placeholders
      'storage.location.template': 's3://audit-bucket-1/audit/v1/dt=${dt}/tenant=${tenant}/',
    });
  });

  it('cloudtrail_events: CloudTrail input format, region + timestamp projection on the AWSLogs path', () => {
    const { template } = synth();
    const input = tableInput(template, 'cloudtrail_events');
    const descriptor = input.StorageDescriptor as Record<string, unknown>;
    expect(descriptor.InputFormat).toBe('com.amazon.emr.cloudtrail.CloudTrailInputFormat');
    expect(descriptor.OutputFormat).toBe('org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat');
    expect(descriptor.SerdeInfo).toEqual({ SerializationLibrary: 'org.apache.hive.hcatalog.data.JsonSerDe' });
    const columns = (descriptor.Columns as Array<{ Name: string; Type: string }>).map((c) => c.Name);
    expect(columns).toEqual(
      expect.arrayContaining([
        'useridentity',
        'eventtime',
        'eventsource',
        'eventname',
        'requestparameters',
        'additionaleventdata',
        'requestid',
      ]),
    );
    const params = input.Parameters as Record<string, unknown>;
    expect(params['projection.timestamp.type']).toBe('date');
    expect(params['projection.timestamp.format']).toBe('yyyy/MM/dd');
    expect(params['projection.timestamp.range']).toBe('2025/01/01,NOW');
    // Every commercial Region (shadow use anywhere), us-east-1 included (global service events land there).
    const regions = String(params['projection.region.values']).split(',');
    expect(regions).toEqual(expect.arrayContaining(['ap-south-1', 'us-east-1', 'eu-west-1', 'ap-southeast-6']));
    expect(regions).toEqual([...COMMERCIAL_REGIONS]);
    expect(regions.length).toBeGreaterThanOrEqual(34);
    expect(flat(params['storage.location.template'])).toBe(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Athena's storage.location.template placeholders
      's3://audit-bucket-1/cloudtrail/AWSLogs/{AWS::AccountId}/CloudTrail/${region}/${timestamp}',
    );
  });

  it('bedrock_invocations: hourly date projection under BedrockModelInvocationLogs/<region>', () => {
    const { template } = synth();
    const input = tableInput(template, 'bedrock_invocations');
    const params = input.Parameters as Record<string, unknown>;
    const columns = (input.StorageDescriptor as { Columns: Array<{ Name: string; Type: string }> }).Columns;
    // Where a global/apac profile actually ran the call.
    expect(columns).toContainEqual({ Name: 'inferenceregion', Type: 'string' });
    expect(params['projection.date_hour.format']).toBe('yyyy/MM/dd/HH');
    expect(params['projection.date_hour.interval.unit']).toBe('HOURS');
    expect(flat(params['storage.location.template'])).toBe(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Athena's storage.location.template placeholders
      's3://audit-bucket-1/bedrock-invocations/AWSLogs/{AWS::AccountId}/BedrockModelInvocationLogs/{AWS::Region}/${date_hour}',
    );
  });

  it('saves one named query per definition in the workgroup, rendered for Athena', () => {
    const { template, catalog } = synth();
    template.resourceCountIs('AWS::Athena::NamedQuery', NAMED_QUERIES.length);
    expect(Object.keys(catalog.namedQueries)).toEqual(NAMED_QUERIES.map((q) => q.name));
    for (const query of NAMED_QUERIES) {
      template.hasResourceProperties('AWS::Athena::NamedQuery', {
        Name: query.name,
        Description: query.description,
        WorkGroup: 'ClaudeGateway-compliance',
        Database: 'claude_gateway_audit',
        QueryString: Match.stringLikeRegexp('current_date'),
      });
      expect(query.description.length).toBeLessThanOrEqual(1024);
    }
    template.hasResourceProperties('AWS::Athena::NamedQuery', {
      Name: 'shadow-bedrock-usage',
      QueryString: Match.stringLikeRegexp(`<> '${ROLE}'`),
    });
  });

  it('uses a visible placeholder role when none is given', () => {
    const { template } = synth({ gatewayRoleArn: undefined });
    template.hasResourceProperties('AWS::Athena::NamedQuery', {
      Name: 'shadow-bedrock-usage',
      QueryString: Match.stringLikeRegexp(UNSET_GATEWAY_ROLE_ARN),
    });
  });

  it.each([
    [{ tenantIds: [] }, /at least one tenant/],
    [{ tenantIds: ['Bad Tenant'] }, /tenant id "Bad Tenant"/],
    [{ projectionStartDate: '01/01/2025' }, /projectionStartDate/],
    [{ cloudTrailPrefix: '/cloudtrail/' }, /cloudTrailPrefix/],
    [{ gatewayRoleArn: 'arn:aws:iam::1:user/x' }, /gatewayRoleArn/],
  ])('rejects %j', (props, message) => {
    expect(() => synth(props)).toThrow(message);
  });

  it('has no cdk-nag findings', () => {
    const { stack } = synth({}, true);
    expect(nagFindings(stack)).toEqual([]);
  });
});
