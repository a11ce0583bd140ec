/**
 * The gateway's web ACL (REGIONAL, on the API stage): AWS managed common and known-bad-inputs rules, a request
 * size rule, a per-IP rate rule, and logging of blocked requests only, with credentials redacted.
 *
 * Bodies are Claude prompts: code, HTML, file paths and URLs are normal content there, and the proxy never renders,
 * opens or fetches anything in them. The common rule set's body signatures (XSS, LFI, RFI, SSRF, 8 KB size) would
 * block ordinary coding prompts, so they run in COUNT mode (visible in metrics) by default.
 *
 * Size: WAF inspects only the first 16-64 KB of a body (API Gateway, configurable), while prompts are routinely
 * larger. A body-size constraint above that window cannot be evaluated (oversize MATCH would block every large
 * prompt, NO_MATCH/CONTINUE would never fire), so the size rule compares the Content-Length header numerically
 * instead; a body constraint with oversize MATCH is added only when the limit fits inside the window.
 */
import { ArnFormat, Names, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';

/** Common rule set rules that only look at the body: counted, not blocked, unless configured otherwise. */
export const DEFAULT_COUNTED_COMMON_RULES = [
  'SizeRestrictions_BODY',
  'CrossSiteScripting_BODY',
  'GenericLFI_BODY',
  'GenericRFI_BODY',
  'EC2MetaDataSSRF_BODY',
] as const;

/**
 * Known-bad-inputs rules that only look at the body. Security teams' prompts quote `${jndi:` payloads and Java
 * serialization markers all the time, and the proxy never evaluates either, so they count instead of block.
 * Rule names: https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-baseline.html
 */
export const DEFAULT_COUNTED_KNOWN_BAD_INPUTS_RULES = ['Log4JRCE_BODY', 'JavaDeserializationRCE_BODY'] as const;

export type BodyInspectionLimitKb = 16 | 32 | 48 | 64;

export interface GatewayWafProps {
  /** The stage to protect. */
  readonly stage: apigateway.Stage;
  /** Encrypts the WAF log group. Its key policy must allow CloudWatch Logs. */
  readonly logKey: kms.IKey;
  /** @default logs.RetentionDays.ONE_YEAR */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Requests per source IP in any 5-minute window before the rate rule blocks (429).
   * @default 3000
   */
  readonly rateLimitPer5Min?: number;
  /**
   * Largest request accepted, by Content-Length (413 above it).
   * @default 4 MiB
   */
  readonly maxBodyBytes?: number;
  /**
   * How much of a body WAF inspects for API Gateway; above 16 KB costs extra.
   * @default 16
   */
  readonly bodyInspectionLimitKb?: BodyInspectionLimitKb;
  /**
   * Common rule set rules overridden to COUNT. `SizeRestrictions_BODY` is always counted (prompts exceed 8 KB).
   * @default DEFAULT_COUNTED_COMMON_RULES
   */
  readonly countedCommonRules?: readonly string[];
}

/** Anthropic-shaped bodies for WAF's own block responses (they take precedence over gateway responses). */
const TOO_LARGE_BODY_KEY = 'request-too-large';
const RATE_LIMITED_BODY_KEY = 'rate-limited';

export class GatewayWaf extends Construct {
  readonly webAcl: wafv2.CfnWebACL;
  readonly logGroup: logs.LogGroup;
  readonly loggingConfiguration: wafv2.CfnLoggingConfiguration;

  constructor(scope: Construct, id: string, props: GatewayWafProps) {
    super(scope, id);
    const maxBodyBytes = props.maxBodyBytes ?? 4 * 1024 * 1024;
    const rateLimit = props.rateLimitPer5Min ?? 3_000;
    const inspectionKb = props.bodyInspectionLimitKb ?? 16;
    if (!Number.isInteger(maxBodyBytes) || maxBodyBytes < 1 || maxBodyBytes > 10 * 1024 * 1024) {
      throw new Error(`GatewayWaf: maxBodyBytes must be an integer from 1 to 10485760 (got ${maxBodyBytes})`);
    }
    if (!Number.isInteger(rateLimit) || rateLimit < 10) {
      throw new Error(`GatewayWaf: rateLimitPer5Min must be an integer of at least 10 (got ${rateLimit})`);
    }
    const counted = [
      ...new Set(['SizeRestrictions_BODY', ...(props.countedCommonRules ?? DEFAULT_COUNTED_COMMON_RULES)]),
    ];
    const metricPrefix = Names.uniqueResourceName(this, { maxLength: 60, separator: '-' });

    this.webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      scope: 'REGIONAL',
      description: 'Claude gateway API: managed rules, request size, per-IP rate',
      defaultAction: { allow: {} },
      visibilityConfig: visibility(`${metricPrefix}-acl`),
      associationConfig: {
        requestBody: { API_GATEWAY: { defaultSizeInspectionLimit: `KB_${inspectionKb}` } },
      },
      customResponseBodies: {
        [TOO_LARGE_BODY_KEY]: {
          contentType: 'APPLICATION_JSON',
          content: anthropicError('request_too_large', `Request exceeds the maximum size of ${maxBodyBytes} bytes.`),
        },
        [RATE_LIMITED_BODY_KEY]: {
          contentType: 'APPLICATION_JSON',
          content: anthropicError('rate_limit_error', 'Too many requests from this address; slow down and retry.'),
        },
      },
      rules: [
        {
          name: 'RequestSizeLimit',
          priority: 0,
          action: { block: { customResponse: { responseCode: 413, customResponseBodyKey: TOO_LARGE_BODY_KEY } } },
          statement: requestSizeStatement(maxBodyBytes, inspectionKb * 1024),
          visibilityConfig: visibility(`${metricPrefix}-size`),
        },
        {
          name: 'RatePerIp',
          priority: 1,
          action: { block: { customResponse: { responseCode: 429, customResponseBodyKey: RATE_LIMITED_BODY_KEY } } },
          statement: {
            rateBasedStatement: { limit: rateLimit, aggregateKeyType: 'IP', evaluationWindowSec: 300 },
          },
          visibilityConfig: visibility(`${metricPrefix}-rate`),
        },
        {
          name: 'AWSManagedRulesCommonRuleSet',
          priority: 2,
          overrideAction: { none: {} },
          statement: {
            managedRuleGroupStatement: {
              vendorName: 'AWS',
              name: 'AWSManagedRulesCommonRuleSet',
              ruleActionOverrides: counted.map((name) => ({ name, actionToUse: { count: {} } })),
            },
          },
          visibilityConfig: visibility(`${metricPrefix}-common`),
        },
        {
          name: 'AWSManagedRulesKnownBadInputsRuleSet',
          priority: 3,
          overrideAction: { none: {} },
          statement: {
            managedRuleGroupStatement: {
              vendorName: 'AWS',
              name: 'AWSManagedRulesKnownBadInputsRuleSet',
              ruleActionOverrides: DEFAULT_COUNTED_KNOWN_BAD_INPUTS_RULES.map((name) => ({
                name,
                actionToUse: { count: {} },
              })),
            },
          },
          visibilityConfig: visibility(`${metricPrefix}-bad-inputs`),
        },
      ],
    });

    new wafv2.CfnWebACLAssociation(this, 'Association', {
      resourceArn: props.stage.stageArn,
      webAclArn: this.webAcl.attrArn,
    });

    // WAF requires the `aws-waf-logs-` prefix (so CloudFormation cannot generate the name) and a log group ARN
    // without the trailing `:*`. The group is retained (it holds the block evidence), so a fixed name would make
    // the next create fail with "already exists" after a rolled-back first deploy or a destroy; the web ACL's id
    // is new on every create, which makes the name new too.
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: `aws-waf-logs-${Names.uniqueResourceName(this, { maxLength: 60, separator: '-' })}-${this.webAcl.attrId}`,
      encryptionKey: props.logKey,
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const logGroupArn = Stack.of(this).formatArn({
      service: 'logs',
      resource: 'log-group',
      resourceName: this.logGroup.logGroupName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    this.loggingConfiguration = new wafv2.CfnLoggingConfiguration(this, 'Logging', {
      resourceArn: this.webAcl.attrArn,
      logDestinationConfigs: [logGroupArn],
      // Credentials never reach the WAF log; WAF logs never contain bodies.
      redactedFields: [{ singleHeader: { Name: 'authorization' } }, { singleHeader: { Name: 'x-api-key' } }],
      loggingFilter: {
        DefaultBehavior: 'DROP',
        Filters: [
          { Behavior: 'KEEP', Requirement: 'MEETS_ANY', Conditions: [{ ActionCondition: { Action: 'BLOCK' } }] },
        ],
      },
    });
    this.loggingConfiguration.node.addDependency(this.logGroup);
  }
}

function visibility(metricName: string): wafv2.CfnWebACL.VisibilityConfigProperty {
  return { cloudWatchMetricsEnabled: true, metricName, sampledRequestsEnabled: true };
}

function anthropicError(type: string, message: string): string {
  return JSON.stringify({ type: 'error', error: { type, message } });
}

/**
 * Blocks a Content-Length above `maxBodyBytes`; when the limit fits in the inspection window, also a body
 * longer than it (oversize MATCH: a body beyond the window is certainly above the limit).
 */
function requestSizeStatement(maxBodyBytes: number, inspectionBytes: number): wafv2.CfnWebACL.StatementProperty {
  const contentLength: wafv2.CfnWebACL.StatementProperty = {
    regexMatchStatement: {
      regexString: integerGreaterThanPattern(maxBodyBytes),
      fieldToMatch: { singleHeader: { Name: 'content-length' } },
      textTransformations: [{ priority: 0, type: 'NONE' }],
    },
  };
  if (maxBodyBytes >= inspectionBytes) return contentLength;
  return {
    orStatement: {
      statements: [
        contentLength,
        {
          sizeConstraintStatement: {
            comparisonOperator: 'GT',
            size: maxBodyBytes,
            fieldToMatch: { body: { oversizeHandling: 'MATCH' } },
            textTransformations: [{ priority: 0, type: 'NONE' }],
          },
        },
      ],
    },
  };
}

/**
 * A regex that matches a decimal integer (leading zeros allowed) strictly greater than `limit`. WAF's size
 * constraint measures a header's length, not its value, so the comparison is spelled out digit by digit.
 */
export function integerGreaterThanPattern(limit: number): string {
  if (!Number.isSafeInteger(limit) || limit < 0) throw new Error(`limit must be a non-negative integer (got ${limit})`);
  const digits = String(limit);
  const branches = [`[1-9]\\d{${digits.length},}`];
  for (let index = 0; index < digits.length; index++) {
    const digit = Number(digits[index]);
    if (digit === 9) continue;
    const rest = digits.length - index - 1;
    const next = digit + 1 === 9 ? '9' : `[${digit + 1}-9]`;
    branches.push(`${digits.slice(0, index)}${next}${rest > 0 ? `\\d{${rest}}` : ''}`);
  }
  return `^0*(${branches.join('|')})$`;
}
