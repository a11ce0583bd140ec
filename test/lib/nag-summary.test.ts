import { App, Aspects, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks, HIPAASecurityChecks, NagSuppressions } from 'cdk-nag';
import { formatNagSummary, NagSummaryLogger, unacknowledgedFindings } from '../../lib/nag-summary';

/** One plain bucket: AwsSolutions reports S1 (no access logs) and S10 (no TLS-only policy), among others. */
function synthBucketStack(acknowledge: readonly string[]) {
  const stack = new Stack(new App(), 'NagSummary');
  const bucket = new s3.Bucket(stack, 'Plain');
  if (acknowledge.length > 0) {
    NagSuppressions.addResourceSuppressions(
      bucket,
      acknowledge.map((id) => ({ id, reason: 'Acknowledged for this test, with a reason long enough for cdk-nag' })),
    );
  }
  const logger = new NagSummaryLogger();
  Aspects.of(stack).add(new AwsSolutionsChecks({ additionalLoggers: [logger] }));
  Aspects.of(stack).add(new HIPAASecurityChecks({ additionalLoggers: [logger] }));
  const errors = Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('.*'));
  return { logger, errors: errors.map((error) => String(error.entry.data)) };
}

describe('NagSummaryLogger', () => {
  it('counts per pack the findings the annotations report and the acknowledgments that hid others', () => {
    const bare = synthBucketStack([]);
    const acknowledged = synthBucketStack(['AwsSolutions-S1', 'AwsSolutions-S10']);

    const bareAws = bare.logger.summary().find((pack) => pack.pack === 'AwsSolutions');
    const ackAws = acknowledged.logger.summary().find((pack) => pack.pack === 'AwsSolutions');

    expect(bare.logger.summary().map((pack) => pack.pack)).toEqual(['AwsSolutions', 'HIPAA.Security']);
    // Every error-level finding is one synth error annotation.
    const bareAwsErrors = bare.errors.filter((message) => message.startsWith('AwsSolutions-')).length;
    expect(bareAws?.errors).toBe(bareAwsErrors);
    expect(bareAwsErrors).toBeGreaterThanOrEqual(2);
    expect(bareAws?.acknowledged).toBe(0);
    expect(ackAws?.acknowledged).toBe(2);
    expect(ackAws?.errors).toBe(bareAwsErrors - 2);
    expect(ackAws?.resources).toBeGreaterThanOrEqual(1);
    expect(ackAws?.rules).toBeGreaterThan(10);
    expect(ackAws?.compliant).toBeGreaterThan(0);
  });

  it('formats one line per pack and the total', () => {
    const text = formatNagSummary([
      {
        pack: 'AwsSolutions',
        rules: 131,
        resources: 154,
        compliant: 62,
        notApplicable: 9,
        errors: 0,
        warnings: 0,
        ruleErrors: 0,
        acknowledged: 21,
      },
      {
        pack: 'HIPAA.Security',
        rules: 90,
        resources: 154,
        compliant: 141,
        notApplicable: 9,
        errors: 1,
        warnings: 2,
        ruleErrors: 0,
        acknowledged: 32,
      },
    ]);

    expect(text.split('\n')).toEqual([
      'cdk-nag: 2 packs (AwsSolutions, HIPAA.Security)',
      '  AwsSolutions    131 rules on 154 resources: 0 findings (0 errors, 0 warnings, 0 rule errors), 21 acknowledged, 62 compliant',
      '  HIPAA.Security  90 rules on 154 resources: 3 findings (1 errors, 2 warnings, 0 rule errors), 32 acknowledged, 141 compliant',
      'cdk-nag: 3 unacknowledged findings, 53 acknowledged (each reason sits next to its resource)',
      '',
    ]);
    expect(formatNagSummary([])).toBe('cdk-nag: no pack ran\n');
  });

  it('counts warnings and rule errors as findings too', () => {
    expect(
      unacknowledgedFindings({
        pack: 'p',
        rules: 1,
        resources: 1,
        compliant: 0,
        notApplicable: 0,
        errors: 1,
        warnings: 2,
        ruleErrors: 3,
        acknowledged: 0,
      }),
    ).toBe(6);
  });
});
