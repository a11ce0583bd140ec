/**
 * The gateway's public edge: a regional REST API (HTTP APIs cannot stream) with the Anthropic routes on the
 * streaming proxy Lambda, the tenant authorizer and usage plans on every method, request validation, safe logging
 * (access logs without bodies, execution logs with data tracing off), Anthropic-shaped gateway responses, an
 * optional custom domain, and the WAF on the stage.
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import type { AnthropicErrorType } from '../../lambdas/shared/errors';
import type { GatewayConfig } from '../config';
import type { TenantIdentity } from './tenant-identity';
import { type BodyInspectionLimitKb, GatewayWaf } from './waf';

/** Which request header carries the credential; `any` accepts both but disables authorizer caching. */
export type CredentialHeader = 'any' | 'authorization' | 'x-api-key';

export interface GatewayApiProps {
  /** The streaming proxy (`awslambda.streamifyResponse`); every route invokes it in STREAM mode. */
  readonly proxyFunction: lambda.IFunction;
  /** Supplies the authorizer function and the per-tenant usage plans. */
  readonly tenantIdentity: TenantIdentity;
  /** Encrypts the access, execution and WAF log groups (the audit key; its policy must allow CloudWatch Logs). */
  readonly logKey: kms.IKey;
  /** @default logs.RetentionDays.ONE_YEAR */
  readonly logRetention?: logs.RetentionDays;
  /** @default 'prod' */
  readonly stageName?: string;
  /** X-Ray tracing on the stage. @default true */
  readonly tracing?: boolean;
  /** @default apigateway.MethodLoggingLevel.ERROR */
  readonly executionLoggingLevel?: apigateway.MethodLoggingLevel.ERROR | apigateway.MethodLoggingLevel.INFO;
  /** Stage-wide throttling, a backstop above the tenants' usage plans. @default 50 rps, burst 100 */
  readonly throttle?: { readonly rateLimit: number; readonly burstLimit: number };
  /** @default 'any' */
  readonly credentialHeader?: CredentialHeader;
  /** Authorizer result cache; must be zero with credentialHeader `any`. @default Duration.seconds(0) */
  readonly authorizerCacheTtl?: Duration;
  /** Time the streaming integration may run (response streaming allows up to 15 minutes). @default 15 minutes */
  readonly integrationTimeout?: Duration;
  /** Regional custom domain; when set, the execute-api endpoint is disabled. @default - none */
  readonly customDomain?: { readonly domainName: string; readonly certificateArn: string };
  /** Largest request accepted (WAF, by Content-Length). @default 4 MiB */
  readonly maxBodyBytes?: number;
  /** @default - GatewayWaf defaults */
  readonly waf?: { readonly rateLimitPer5Min?: number; readonly bodyInspectionLimitKb?: BodyInspectionLimitKb };
  /**
   * Create API Gateway's account-level CloudWatch Logs role (AWS::ApiGateway::Account, one per account and
   * region; retained on delete). Set false when the account already manages it.
   * @default true
   */
  readonly createCloudWatchRole?: boolean;
}

/** Maps the validated `api` config section onto GatewayApi props. */
export function gatewayApiSettings(
  api: GatewayConfig['api'],
): Omit<GatewayApiProps, 'proxyFunction' | 'tenantIdentity' | 'logKey' | 'logRetention'> {
  return {
    stageName: api.stageName,
    tracing: api.tracing,
    executionLoggingLevel:
      api.executionLoggingLevel === 'INFO' ? apigateway.MethodLoggingLevel.INFO : apigateway.MethodLoggingLevel.ERROR,
    throttle: api.throttle,
    credentialHeader: api.credentialHeader,
    authorizerCacheTtl: Duration.seconds(api.authorizerCacheTtlSeconds),
    customDomain: api.customDomain,
    maxBodyBytes: api.maxBodyBytes,
    waf: api.waf,
  };
}

/**
 * Access log line: who (tenant, principal, key id), what (route, status, latencies, sizes) and why it failed
 * (error type, authorizer and WAF status). `$context` only: a REST access log cannot include bodies.
 */
export const ACCESS_LOG_FORMAT: Readonly<Record<string, string>> = {
  requestId: '$context.requestId',
  extendedRequestId: '$context.extendedRequestId',
  requestTime: '$context.requestTimeEpoch',
  ip: '$context.identity.sourceIp',
  userAgent: '$context.identity.userAgent',
  httpMethod: '$context.httpMethod',
  resourcePath: '$context.resourcePath',
  protocol: '$context.protocol',
  status: '$context.status',
  responseLength: '$context.responseLength',
  responseLatency: '$context.responseLatency',
  integrationLatency: '$context.integrationLatency',
  integrationStatus: '$context.integration.status',
  tenantId: '$context.authorizer.tenantId',
  principal: '$context.authorizer.principal',
  authorizerStatus: '$context.authorizer.status',
  authorizerLatency: '$context.authorizer.latency',
  apiKeyId: '$context.identity.apiKeyId',
  wafStatus: '$context.waf.status',
  errorType: '$context.error.responseType',
  errorMessage: '$context.error.message',
};

interface ErrorResponse {
  readonly type: apigateway.ResponseType;
  /** Undefined keeps API Gateway's status (DEFAULT_4XX/5XX cover many). */
  readonly statusCode?: string;
  readonly errorType: AnthropicErrorType;
  /** A JSON string literal, or `$context.error.messageString` (already quoted by API Gateway). */
  readonly message: string;
}

const quoted = (text: string): string => JSON.stringify(text);

/** API Gateway's own refusals, in Anthropic's error shape. */
export const GATEWAY_ERROR_RESPONSES: readonly ErrorResponse[] = [
  {
    type: apigateway.ResponseType.UNAUTHORIZED,
    statusCode: '401',
    errorType: 'authentication_error',
    message: quoted(
      'Missing or invalid credentials: send the tenant key as x-api-key or Authorization: Bearer, or an OAuth2 access token.',
    ),
  },
  {
    type: apigateway.ResponseType.ACCESS_DENIED,
    statusCode: '403',
    errorType: 'permission_error',
    message: quoted('The credential is not allowed to call this API.'),
  },
  {
    type: apigateway.ResponseType.INVALID_API_KEY,
    statusCode: '403',
    errorType: 'permission_error',
    message: quoted('The tenant has no usage plan on this API.'),
  },
  {
    type: apigateway.ResponseType.MISSING_AUTHENTICATION_TOKEN,
    statusCode: '404',
    errorType: 'not_found_error',
    message: quoted(
      'Not found: the gateway serves POST /v1/messages, POST /v1/messages/count_tokens and GET /v1/models.',
    ),
  },
  {
    type: apigateway.ResponseType.THROTTLED,
    statusCode: '429',
    errorType: 'rate_limit_error',
    message: quoted("Rate limit exceeded for the tenant's usage plan; retry after a short wait."),
  },
  {
    type: apigateway.ResponseType.QUOTA_EXCEEDED,
    statusCode: '429',
    errorType: 'rate_limit_error',
    message: quoted("The tenant's request quota for the current period is used up."),
  },
  {
    type: apigateway.ResponseType.REQUEST_TOO_LARGE,
    statusCode: '413',
    errorType: 'request_too_large',
    message: quoted('Request exceeds the maximum allowed size.'),
  },
  {
    type: apigateway.ResponseType.BAD_REQUEST_BODY,
    statusCode: '400',
    errorType: 'invalid_request_error',
    message: quoted('The request body is not a valid request for this endpoint (JSON with the required fields).'),
  },
  {
    type: apigateway.ResponseType.WAF_FILTERED,
    statusCode: '403',
    errorType: 'permission_error',
    message: quoted("The request was blocked by the gateway's web application firewall."),
  },
  {
    type: apigateway.ResponseType.DEFAULT_4XX,
    errorType: 'invalid_request_error',
    message: '$context.error.messageString',
  },
  {
    // The authorizer threw (for example its tenant keys are too old to trust and Secrets Manager cannot be read):
    // a retryable 503, which the Anthropic SDKs retry, rather than a 500.
    type: apigateway.ResponseType.AUTHORIZER_FAILURE,
    statusCode: '503',
    errorType: 'api_error',
    message: quoted('Authentication is temporarily unavailable; retry shortly.'),
  },
  {
    type: apigateway.ResponseType.DEFAULT_5XX,
    errorType: 'api_error',
    message: quoted('The gateway hit an internal error; the request was not completed.'),
  },
];

/** The response template of an Anthropic error with the API Gateway request id. */
export function anthropicErrorTemplate(errorType: AnthropicErrorType, messageJson: string): string {
  return `{"type":"error","error":{"type":"${errorType}","message":${messageJson}},"request_id":"$context.requestId"}`;
}

export class GatewayApi extends Construct {
  readonly api: apigateway.RestApi;
  readonly stage: apigateway.Stage;
  readonly authorizer: apigateway.RequestAuthorizer;
  readonly accessLogGroup: logs.LogGroup;
  readonly executionLogGroup: logs.LogGroup;
  readonly waf: GatewayWaf;
  readonly domainName?: apigateway.DomainName;
  /** Base URL for clients (`ANTHROPIC_BASE_URL`): the custom domain, or the stage's execute-api URL. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: GatewayApiProps) {
    super(scope, id);
    const stageName = props.stageName ?? 'prod';
    const credentialHeader = props.credentialHeader ?? 'any';
    const cacheTtl = props.authorizerCacheTtl ?? Duration.seconds(0);
    const retention = props.logRetention ?? logs.RetentionDays.ONE_YEAR;
    const tracing = props.tracing ?? true;
    const throttle = props.throttle ?? { rateLimit: 50, burstLimit: 100 };
    if (credentialHeader === 'any' && cacheTtl.toSeconds() > 0) {
      throw new Error(
        `GatewayApi: authorizerCacheTtl must be 0 with credentialHeader "any" (got ${cacheTtl.toSeconds()} s): ` +
          'a cached REQUEST authorizer answers 401 to any request lacking one of its identity headers',
      );
    }

    this.accessLogGroup = new logs.LogGroup(this, 'AccessLogs', {
      encryptionKey: props.logKey,
      retention,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.api = new apigateway.RestApi(this, 'Api', {
      restApiName: `${Stack.of(this).stackName}-claude`,
      description: 'Claude compliance gateway (Anthropic Messages API)',
      endpointConfiguration: { types: [apigateway.EndpointType.REGIONAL] },
      // Usage plans select the tenant's API key from the authorizer's usageIdentifierKey, never from a header.
      apiKeySourceType: apigateway.ApiKeySourceType.AUTHORIZER,
      cloudWatchRole: props.createCloudWatchRole ?? true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      disableExecuteApiEndpoint: props.customDomain !== undefined,
      deployOptions: {
        stageName,
        accessLogDestination: new apigateway.LogGroupLogDestination(this.accessLogGroup),
        accessLogFormat: apigateway.AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FORMAT)),
        loggingLevel: props.executionLoggingLevel ?? apigateway.MethodLoggingLevel.ERROR,
        // Data tracing copies full request and response bodies (prompts, completions: PII) into execution logs.
        dataTraceEnabled: false,
        metricsEnabled: true,
        tracingEnabled: tracing,
        throttlingRateLimit: throttle.rateLimit,
        throttlingBurstLimit: throttle.burstLimit,
      },
    });
    this.stage = this.api.deploymentStage;

    // API Gateway would create this group itself, unencrypted and kept forever; creating it first sets both.
    this.executionLogGroup = new logs.LogGroup(this, 'ExecutionLogs', {
      logGroupName: `API-Gateway-Execution-Logs_${this.api.restApiId}/${stageName}`,
      encryptionKey: props.logKey,
      retention,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.stage.node.addDependency(this.executionLogGroup);

    this.authorizer = new apigateway.RequestAuthorizer(this, 'Authorizer', {
      handler: props.tenantIdentity.authorizerFunction,
      identitySources:
        credentialHeader === 'any'
          ? []
          : [apigateway.IdentitySource.header(credentialHeader === 'authorization' ? 'Authorization' : 'x-api-key')],
      resultsCacheTtl: cacheTtl,
    });
    if (credentialHeader === 'any') {
      // No identity source: API Gateway calls the authorizer for every request, whichever header it carries.
      const cfnAuthorizer = this.authorizer.node.defaultChild as apigateway.CfnAuthorizer;
      cfnAuthorizer.addPropertyDeletionOverride('IdentitySource');
    }

    this.addRoutes(props);
    this.addGatewayResponses();
    props.tenantIdentity.addApiStage(this.api, this.stage);

    this.waf = new GatewayWaf(this, 'Waf', {
      stage: this.stage,
      logKey: props.logKey,
      logRetention: retention,
      maxBodyBytes: props.maxBodyBytes,
      rateLimitPer5Min: props.waf?.rateLimitPer5Min,
      bodyInspectionLimitKb: props.waf?.bodyInspectionLimitKb,
    });

    if (props.customDomain) {
      this.domainName = new apigateway.DomainName(this, 'Domain', {
        domainName: props.customDomain.domainName,
        certificate: acm.Certificate.fromCertificateArn(this, 'Certificate', props.customDomain.certificateArn),
        endpointType: apigateway.EndpointType.REGIONAL,
        securityPolicy: apigateway.SecurityPolicy.TLS_1_2,
        mapping: this.api,
      });
      this.url = `https://${props.customDomain.domainName}`;
    } else {
      this.url = this.api.urlForPath('/').replace(/\/$/, '');
    }
    this.acknowledgeFindings(tracing, props.createCloudWatchRole ?? true);
  }

  private addRoutes(props: GatewayApiProps): void {
    // All routes stream: the proxy is a streamifyResponse handler, whose output a buffered integration cannot parse.
    const integration = new apigateway.LambdaIntegration(props.proxyFunction, {
      proxy: true,
      responseTransferMode: apigateway.ResponseTransferMode.STREAM,
      timeout: props.integrationTimeout ?? Duration.minutes(15),
      allowTestInvoke: false,
    });
    const validator = this.api.addRequestValidator('Validator', {
      requestValidatorName: 'body-and-parameters',
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    const methodOptions: apigateway.MethodOptions = {
      authorizer: this.authorizer,
      authorizationType: apigateway.AuthorizationType.CUSTOM,
      apiKeyRequired: true,
      requestValidator: validator,
    };
    const messagesModel = this.requestModel('MessagesRequest', ['model', 'messages', 'max_tokens']);
    const countTokensModel = this.requestModel('CountTokensRequest', ['model', 'messages']);

    const v1 = this.api.root.addResource('v1');
    const messages = v1.addResource('messages');
    messages.addMethod('POST', integration, {
      ...methodOptions,
      requestModels: { 'application/json': messagesModel },
    });
    messages.addResource('count_tokens').addMethod('POST', integration, {
      ...methodOptions,
      requestModels: { 'application/json': countTokensModel },
    });
    v1.addResource('models').addMethod('GET', integration, methodOptions);
  }

  /** Shallow structural checks only; the proxy validates the full request and answers in Anthropic's shape. */
  private requestModel(id: string, required: string[]): apigateway.Model {
    return this.api.addModel(id, {
      contentType: 'application/json',
      modelName: id,
      schema: {
        schema: apigateway.JsonSchemaVersion.DRAFT4,
        type: apigateway.JsonSchemaType.OBJECT,
        required,
        properties: {
          model: { type: apigateway.JsonSchemaType.STRING, minLength: 1, maxLength: 256 },
          messages: { type: apigateway.JsonSchemaType.ARRAY, minItems: 1 },
          ...(required.includes('max_tokens')
            ? { max_tokens: { type: apigateway.JsonSchemaType.INTEGER, minimum: 1 } }
            : {}),
        },
      },
    });
  }

  private addGatewayResponses(): void {
    for (const response of GATEWAY_ERROR_RESPONSES) {
      this.api.addGatewayResponse(response.type.responseType, {
        type: response.type,
        statusCode: response.statusCode,
        responseHeaders: { 'request-id': 'context.requestId', 'content-type': "'application/json'" },
        templates: { 'application/json': anthropicErrorTemplate(response.errorType, response.message) },
      });
    }
  }

  private acknowledgeFindings(tracing: boolean, cloudWatchRole: boolean): void {
    const cacheReason =
      'Every route streams (responseTransferMode STREAM), and API Gateway does not support caching for streamed ' +
      'responses; LLM completions are not cacheable responses anyway.';
    const clientCertReason =
      'The only integration is a Lambda proxy (AWS_PROXY) invoked over the AWS API with IAM; backend client ' +
      'certificates apply to HTTP integrations only.';
    const stageFindings = [
      { id: 'HIPAA.Security-APIGWCacheEnabledAndEncrypted', reason: cacheReason },
      { id: 'NIST.800.53.R5-APIGWCacheEnabledAndEncrypted', reason: cacheReason },
      { id: 'HIPAA.Security-APIGWSSLEnabled', reason: clientCertReason },
      { id: 'NIST.800.53.R5-APIGWSSLEnabled', reason: clientCertReason },
    ];
    if (!tracing) {
      const reason = 'X-Ray tracing is switched off in config (api.tracing=false) for this deployment.';
      stageFindings.push(
        { id: 'AwsSolutions-APIG6', reason },
        { id: 'HIPAA.Security-APIGWXrayEnabled', reason },
        { id: 'NIST.800.53.R5-APIGWXrayEnabled', reason },
      );
    }
    NagSuppressions.addResourceSuppressions(this.stage, stageFindings);
    NagSuppressions.addResourceSuppressions(
      this.api,
      [
        {
          id: 'AwsSolutions-COG4',
          reason:
            'Methods use a Lambda REQUEST authorizer that verifies Cognito client-credentials tokens (aws-jwt-verify: ' +
            'issuer, token_use, client id, scope, expiry) and tenant keys; a Cognito authorizer cannot accept both ' +
            'credential kinds nor return the usage identifier for per-tenant usage plans.',
        },
      ],
      true,
    );
    if (cloudWatchRole) {
      NagSuppressions.addResourceSuppressions(
        this.api,
        [
          {
            id: 'AwsSolutions-IAM4',
            reason:
              'The account-level API Gateway logging role uses the AWS-documented managed policy; it must write ' +
              'execution logs for every API in the account and region, so it cannot be scoped to this API.',
            appliesTo: [
              'Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs',
            ],
          },
        ],
        true,
      );
    }
  }
}
