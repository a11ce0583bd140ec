import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as kms from 'aws-cdk-lib/aws-kms';
import { DEFAULT_COUNTED_COMMON_RULES, GatewayWaf, integerGreaterThanPattern } from '../../../lib/constructs/waf';
import { testApp } from '../../helpers/cdk';
import { apiTestStack } from './gateway-test-stack';

type Rule = {
  Name: string;
  Priority: number;
  Statement: Record<string, unknown>;
  Action?: unknown;
  OverrideAction?: unknown;
};

describe('GatewayWaf on the API stage', () => {
  let template: Template;
  let rules: Rule[];
  beforeAll(() => {
    template = Template.fromStack(apiTestStack().stack);
    rules = Object.values(template.findResources('AWS::WAFv2::WebACL'))[0]?.Properties.Rules as Rule[];
  });
  const rule = (name: string): Rule | undefined => rules.find((candidate) => candidate.Name === name);

  it('is a REGIONAL web ACL that allows by default and inspects 16 KB of bodies', () => {
    template.hasResourceProperties('AWS::WAFv2::WebACL', {
      Scope: 'REGIONAL',
      DefaultAction: { Allow: {} },
      AssociationConfig: { RequestBody: { API_GATEWAY: { DefaultSizeInspectionLimit: 'KB_16' } } },
    });
  });

  it('is associated with the stage', () => {
    template.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
      ResourceArn: {
        'Fn::Join': ['', Match.arrayWith(['/stages/', { Ref: Match.stringLikeRegexp('DeploymentStageprod') }])],
      },
      WebACLArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('WebAcl'), 'Arn'] },
    });
  });

  it('runs the common rule set with the body rules (8 KB size limit included) in count mode', () => {
    expect(rule('AWSManagedRulesCommonRuleSet')).toMatchObject({
      OverrideAction: { None: {} },
      Statement: {
        ManagedRuleGroupStatement: {
          VendorName: 'AWS',
          Name: 'AWSManagedRulesCommonRuleSet',
          RuleActionOverrides: DEFAULT_COUNTED_COMMON_RULES.map((name) => ({ Name: name, ActionToUse: { Count: {} } })),
        },
      },
    });
  });

  it('blocks known bad inputs, but only counts the body rules that match security prompts', () => {
    expect(rule('AWSManagedRulesKnownBadInputsRuleSet')).toMatchObject({
      OverrideAction: { None: {} },
      Statement: {
        ManagedRuleGroupStatement: {
          VendorName: 'AWS',
          Name: 'AWSManagedRulesKnownBadInputsRuleSet',
          RuleActionOverrides: [
            { Name: 'Log4JRCE_BODY', ActionToUse: { Count: {} } },
            { Name: 'JavaDeserializationRCE_BODY', ActionToUse: { Count: {} } },
          ],
        },
      },
    });
  });

  it('rate-limits each source IP over 5 minutes with a 429 in Anthropic shape', () => {
    expect(rule('RatePerIp')).toMatchObject({
      Action: { Block: { CustomResponse: { ResponseCode: 429, CustomResponseBodyKey: 'rate-limited' } } },
      Statement: { RateBasedStatement: { Limit: 3000, AggregateKeyType: 'IP', EvaluationWindowSec: 300 } },
    });
    const bodies = Object.values(template.findResources('AWS::WAFv2::WebACL'))[0]?.Properties.CustomResponseBodies;
    expect(JSON.parse(bodies['rate-limited'].Content)).toEqual({
      type: 'error',
      error: { type: 'rate_limit_error', message: expect.any(String) },
    });
    expect(JSON.parse(bodies['request-too-large'].Content).error.type).toBe('request_too_large');
  });

  it('limits request size by Content-Length (the body is larger than what WAF can inspect)', () => {
    expect(rule('RequestSizeLimit')).toMatchObject({
      Priority: 0,
      Action: { Block: { CustomResponse: { ResponseCode: 413, CustomResponseBodyKey: 'request-too-large' } } },
      Statement: {
        RegexMatchStatement: {
          FieldToMatch: { SingleHeader: { Name: 'content-length' } },
          RegexString: integerGreaterThanPattern(4 * 1024 * 1024),
        },
      },
    });
  });

  it('logs only blocked requests, with credentials redacted, to an encrypted aws-waf-logs- group', () => {
    template.hasResourceProperties('AWS::WAFv2::LoggingConfiguration', {
      ResourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('WebAcl'), 'Arn'] },
      LogDestinationConfigs: [
        {
          'Fn::Join': [
            '',
            ['arn:aws:logs:ap-south-1:111122223333:log-group:', { Ref: Match.stringLikeRegexp('WafLogs') }],
          ],
        },
      ],
      RedactedFields: [{ SingleHeader: { Name: 'authorization' } }, { SingleHeader: { Name: 'x-api-key' } }],
      LoggingFilter: {
        DefaultBehavior: 'DROP',
        Filters: [
          { Behavior: 'KEEP', Requirement: 'MEETS_ANY', Conditions: [{ ActionCondition: { Action: 'BLOCK' } }] },
        ],
      },
    });
    template.hasResource('AWS::Logs::LogGroup', {
      Properties: {
        // Named after the web ACL's id (new on every create): a retained group never blocks the next create.
        LogGroupName: {
          'Fn::Join': [
            '',
            [Match.stringLikeRegexp('^aws-waf-logs-.+-$'), { 'Fn::GetAtt': [Match.stringLikeRegexp('WebAcl'), 'Id'] }],
          ],
        },
        KmsKeyId: Match.anyValue(),
        RetentionInDays: 365,
      },
      DeletionPolicy: 'Retain',
    });
  });
});

describe('GatewayWaf size rule inside the inspection window', () => {
  it('also blocks bodies over the limit, treating bodies beyond the window as over it (oversize MATCH)', () => {
    // Prepare
    const stack = new Stack(testApp(), 'S', { env: { account: '111122223333', region: 'ap-south-1' } });
    const api = new apigateway.RestApi(stack, 'Api');
    api.root.addMethod('GET', new apigateway.MockIntegration());
    // Act
    new GatewayWaf(stack, 'Waf', {
      stage: api.deploymentStage,
      logKey: new kms.Key(stack, 'K'),
      maxBodyBytes: 10_000,
      bodyInspectionLimitKb: 64,
    });
    // Assess
    const rules = Object.values(Template.fromStack(stack).findResources('AWS::WAFv2::WebACL'))[0]?.Properties.Rules;
    expect(rules[0].Statement.OrStatement.Statements[1]).toEqual({
      SizeConstraintStatement: {
        ComparisonOperator: 'GT',
        Size: 10_000,
        FieldToMatch: { Body: { OversizeHandling: 'MATCH' } },
        TextTransformations: [{ Priority: 0, Type: 'NONE' }],
      },
    });
  });

  it('rejects an impossible size limit', () => {
    const stack = new Stack(testApp(), 'S');
    const api = new apigateway.RestApi(stack, 'Api');
    api.root.addMethod('GET', new apigateway.MockIntegration());
    expect(
      () =>
        new GatewayWaf(stack, 'Waf', {
          stage: api.deploymentStage,
          logKey: new kms.Key(stack, 'K'),
          maxBodyBytes: 20 * 1024 * 1024,
        }),
    ).toThrow('maxBodyBytes must be an integer from 1 to 10485760 (got 20971520)');
  });
});

describe('integerGreaterThanPattern', () => {
  it.each([
    0, 9, 10, 99, 100, 1_024, 4_194_304, 10_485_760, 999_999, 1_000_000,
  ])('matches exactly the integers above %i', (limit) => {
    const pattern = new RegExp(integerGreaterThanPattern(limit));
    const probes = [
      0,
      1,
      limit - 1,
      limit,
      limit + 1,
      limit + 9,
      limit * 10,
      limit * 10 + 7,
      10 ** String(limit).length,
    ];
    for (const probe of probes.filter((value) => value >= 0)) {
      expect([probe, pattern.test(String(probe))]).toEqual([probe, probe > limit]);
      expect([probe, pattern.test(`00${probe}`)]).toEqual([probe, probe > limit]);
    }
    for (let step = 0; step < 500; step++) {
      const probe = Math.floor(Math.random() * limit * 3);
      expect([probe, pattern.test(String(probe))]).toEqual([probe, probe > limit]);
    }
    expect(pattern.test('')).toBe(false);
    expect(pattern.test('12a')).toBe(false);
    expect(pattern.test(`-${limit + 1}`)).toBe(false);
  });

  it('stays within WAF regex length limits for the largest limit', () => {
    expect(integerGreaterThanPattern(10_485_760).length).toBeLessThan(200);
  });
});
