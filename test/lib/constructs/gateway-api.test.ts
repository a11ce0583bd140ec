import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { ACCESS_LOG_FORMAT, GATEWAY_ERROR_RESPONSES } from '../../../lib/constructs/gateway-api';
import { nagFindings } from '../../helpers/cdk';
import { type ApiTestStack, apiTestStack } from './gateway-test-stack';

const ROUTES = [
  ['POST', 'messages'],
  ['POST', 'count_tokens'],
  ['GET', 'models'],
] as const;

describe('GatewayApi (defaults from config)', () => {
  let built: ApiTestStack;
  let template: Template;
  beforeAll(() => {
    built = apiTestStack({}, {}, true);
    template = Template.fromStack(built.stack);
  });

  it('has no unacknowledged cdk-nag findings', () => {
    expect(nagFindings(built.stack)).toEqual([]);
  });

  it('is a regional REST API whose usage plans take the API key from the authorizer', () => {
    template.hasResourceProperties('AWS::ApiGateway::RestApi', {
      ApiKeySourceType: 'AUTHORIZER',
      EndpointConfiguration: { Types: ['REGIONAL'] },
      DisableExecuteApiEndpoint: false,
    });
  });

  it.each(ROUTES)('%s %s streams from the proxy behind the authorizer with an API key required', (verb, path) => {
    const resources = template.findResources('AWS::ApiGateway::Resource', { Properties: { PathPart: path } });
    const [resourceId] = Object.keys(resources);
    template.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: verb,
      ResourceId: { Ref: resourceId },
      AuthorizationType: 'CUSTOM',
      AuthorizerId: { Ref: Match.stringLikeRegexp('Authorizer') },
      ApiKeyRequired: true,
      RequestValidatorId: { Ref: Match.stringLikeRegexp('Validator') },
      Integration: {
        Type: 'AWS_PROXY',
        IntegrationHttpMethod: 'POST',
        ResponseTransferMode: 'STREAM',
        TimeoutInMillis: 900_000,
        Uri: Match.stringLikeRegexp(
          '/functions/arn:aws:lambda:.*:function:claude-gateway-proxy/response-streaming-invocations$',
        ),
      },
    });
  });

  it('serves only the three routes', () => {
    template.resourceCountIs('AWS::ApiGateway::Method', 3);
    template.resourceCountIs('AWS::ApiGateway::Resource', 4);
  });

  it('validates request bodies against shallow models of the Messages and count_tokens requests', () => {
    template.hasResourceProperties('AWS::ApiGateway::RequestValidator', {
      ValidateRequestBody: true,
      ValidateRequestParameters: true,
    });
    template.hasResourceProperties('AWS::ApiGateway::Model', {
      Name: 'MessagesRequest',
      ContentType: 'application/json',
      Schema: Match.objectLike({ type: 'object', required: ['model', 'messages', 'max_tokens'] }),
    });
    template.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'POST',
      RequestModels: { 'application/json': { Ref: Match.stringLikeRegexp('MessagesRequest') } },
    });
  });

  it('calls the authorizer for every request (no identity source, no cache) so both credential headers work', () => {
    template.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      Type: 'REQUEST',
      AuthorizerResultTtlInSeconds: 0,
      IdentitySource: Match.absent(),
      AuthorizerUri: Match.objectLike({ 'Fn::Join': Match.anyValue() }),
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'apigateway.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [Match.stringLikeRegexp('TenantIdentityAuthorizer'), 'Arn'] },
    });
  });

  it('logs execution errors with data tracing off, traces, and throttles the stage as a backstop', () => {
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'prod',
      TracingEnabled: true,
      MethodSettings: [
        {
          HttpMethod: '*',
          ResourcePath: '/*',
          DataTraceEnabled: false,
          LoggingLevel: 'ERROR',
          MetricsEnabled: true,
          ThrottlingRateLimit: 50,
          ThrottlingBurstLimit: 100,
        },
      ],
    });
  });

  it('writes JSON access logs with the tenant and no bodies to a KMS-encrypted log group', () => {
    const stage = Object.values(template.findResources('AWS::ApiGateway::Stage'))[0];
    const format = JSON.parse(stage?.Properties.AccessLogSetting.Format) as Record<string, string>;
    expect(format).toEqual(ACCESS_LOG_FORMAT);
    expect(format).toMatchObject({
      requestId: '$context.requestId',
      tenantId: '$context.authorizer.tenantId',
      status: '$context.status',
      responseLatency: '$context.responseLatency',
    });
    expect(JSON.stringify(format)).not.toMatch(
      /\$input|body|\$context\.authorizer\.(?!tenantId|principal|status|latency)/,
    );
    expect(stage?.Properties.AccessLogSetting.DestinationArn).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/AccessLogs/), 'Arn'],
    });
    const logGroups = template.findResources('AWS::Logs::LogGroup');
    for (const group of Object.values(logGroups)) {
      expect(group.Properties.KmsKeyId).toBeDefined();
      expect(group.Properties.RetentionInDays).toBe(365);
    }
  });

  it('pre-creates the execution log group (encrypted, retained) before the stage', () => {
    template.hasResource('AWS::Logs::LogGroup', {
      Properties: {
        LogGroupName: { 'Fn::Join': ['', ['API-Gateway-Execution-Logs_', { Ref: Match.anyValue() }, '/prod']] },
        KmsKeyId: Match.anyValue(),
        RetentionInDays: 365,
      },
      DeletionPolicy: 'Retain',
    });
    template.hasResource('AWS::ApiGateway::Stage', {
      DependsOn: Match.arrayWith([Match.stringLikeRegexp('ExecutionLogs')]),
    });
  });

  it('creates the account-level CloudWatch role for API Gateway logging', () => {
    template.hasResourceProperties('AWS::ApiGateway::Account', {
      CloudWatchRoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('CloudWatchRole'), 'Arn'] },
    });
  });

  it.each(
    GATEWAY_ERROR_RESPONSES.map((response) => [response.type.responseType, response] as const),
  )('answers %s in Anthropic error shape with the request id', (responseType, response) => {
    const responses = template.findResources('AWS::ApiGateway::GatewayResponse', {
      Properties: { ResponseType: responseType },
    });
    const properties = Object.values(responses)[0]?.Properties;
    expect(properties.StatusCode).toBe(response.statusCode);
    expect(properties.ResponseParameters).toEqual({
      'gatewayresponse.header.request-id': 'context.requestId',
      'gatewayresponse.header.content-type': "'application/json'",
    });
    // What API Gateway would send, with its substitutions applied.
    const body = JSON.parse(
      String(properties.ResponseTemplates['application/json'])
        .replace('$context.error.messageString', '"Forbidden"')
        .replace('$context.requestId', 'req-123'),
    );
    expect(body).toEqual({
      type: 'error',
      error: { type: response.errorType, message: expect.any(String) },
      request_id: 'req-123',
    });
  });

  it('maps authentication, rate limits and size to the Anthropic types clients expect', () => {
    const byType = Object.fromEntries(GATEWAY_ERROR_RESPONSES.map((r) => [r.type.responseType, r]));
    expect(byType.UNAUTHORIZED).toMatchObject({ statusCode: '401', errorType: 'authentication_error' });
    expect(byType.ACCESS_DENIED).toMatchObject({ statusCode: '403', errorType: 'permission_error' });
    expect(byType.THROTTLED).toMatchObject({ statusCode: '429', errorType: 'rate_limit_error' });
    expect(byType.QUOTA_EXCEEDED).toMatchObject({ statusCode: '429', errorType: 'rate_limit_error' });
    expect(byType.REQUEST_TOO_LARGE).toMatchObject({ statusCode: '413', errorType: 'request_too_large' });
    // The defaults keep API Gateway's own status code (400, 404, 502, 504, ...).
    expect(byType.DEFAULT_4XX?.statusCode).toBeUndefined();
    expect(byType.DEFAULT_4XX?.errorType).toBe('invalid_request_error');
    expect(byType.DEFAULT_5XX?.statusCode).toBeUndefined();
    expect(byType.DEFAULT_5XX?.errorType).toBe('api_error');
  });

  it('exposes the execute-api stage URL as the client base URL', () => {
    const resolved = JSON.stringify(built.stack.resolve(built.api.url));
    expect(resolved).toMatch(/^\{"Fn::Join":\["",\["https:\/\/",\{"Ref":"GatewayApi/);
    expect(resolved).toMatch(/"\/",\{"Ref":"GatewayApiDeploymentStageprod[A-Z0-9]+"\}\]\]\}$/);
  });
});

describe('GatewayApi (variants)', () => {
  it('caches authorizer results keyed on the Authorization header when only that header is accepted', () => {
    const { stack } = apiTestStack({ api: { credentialHeader: 'authorization', authorizerCacheTtlSeconds: 300 } });
    Template.fromStack(stack).hasResourceProperties('AWS::ApiGateway::Authorizer', {
      IdentitySource: 'method.request.header.Authorization',
      AuthorizerResultTtlInSeconds: 300,
    });
  });

  it('refuses a cache with credentialHeader "any", in config and in the construct', () => {
    expect(() => apiTestStack({ api: { authorizerCacheTtlSeconds: 60 } })).toThrow(
      /gateway\.api\.authorizerCacheTtlSeconds: must be 0 when credentialHeader is "any"/,
    );
    expect(() => apiTestStack({}, { authorizerCacheTtl: Duration.seconds(60) })).toThrow(
      'authorizerCacheTtl must be 0 with credentialHeader "any" (got 60 s)',
    );
  });

  it('serves a custom domain (TLS 1.2, regional), disables execute-api, and stays nag-clean with tracing off', () => {
    // Prepare + Act
    const built = apiTestStack(
      {
        api: {
          tracing: false,
          executionLoggingLevel: 'INFO',
          customDomain: {
            domainName: 'claude.example.com',
            certificateArn: 'arn:aws:acm:ap-south-1:111122223333:certificate/0f8e2b6c-1111-4a2b-9c3d-123456789abc',
          },
        },
      },
      {},
      true,
    );
    const template = Template.fromStack(built.stack);
    // Assess
    template.hasResourceProperties('AWS::ApiGateway::DomainName', {
      DomainName: 'claude.example.com',
      EndpointConfiguration: { Types: ['REGIONAL'] },
      SecurityPolicy: 'TLS_1_2',
      RegionalCertificateArn: Match.stringLikeRegexp('^arn:aws:acm:ap-south-1:'),
    });
    template.resourceCountIs('AWS::ApiGateway::BasePathMapping', 1);
    template.hasResourceProperties('AWS::ApiGateway::RestApi', { DisableExecuteApiEndpoint: true });
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      TracingEnabled: false,
      MethodSettings: [Match.objectLike({ LoggingLevel: 'INFO', DataTraceEnabled: false })],
    });
    expect(built.api.url).toBe('https://claude.example.com');
    expect(nagFindings(built.stack)).toEqual([]);
  });
});
