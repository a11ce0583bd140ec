import { ListSubscriptionsByTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { alarmSubscriptionCheck } from '../../../../lambdas/cli/doctor/alarm-subscription-check';
import { runCheck } from '../../../../lambdas/cli/doctor/check';
import { contextFixture, TOPIC_ARN } from './fixtures';

const sns = mockClient(SNSClient);
beforeEach(() => sns.reset());

const run = () => runCheck(alarmSubscriptionCheck(new SNSClient({})), contextFixture(), Date.now);
const pending = { SubscriptionArn: 'PendingConfirmation', Protocol: 'email', Endpoint: 'oncall@example.com' };
const confirmed = { SubscriptionArn: `${TOPIC_ARN}:0b1c`, Protocol: 'email', Endpoint: 'secops@example.com' };

describe('alarmSubscriptionCheck', () => {
  it('passes on a confirmed subscription found on a later page, and prints no address', async () => {
    sns
      .on(ListSubscriptionsByTopicCommand, { TopicArn: TOPIC_ARN, NextToken: undefined })
      .resolves({ Subscriptions: [pending], NextToken: 'page-2' });
    sns
      .on(ListSubscriptionsByTopicCommand, { TopicArn: TOPIC_ARN, NextToken: 'page-2' })
      .resolves({ Subscriptions: [confirmed] });

    const result = await run();

    expect(result.status).toBe('pass');
    expect(sns.commandCalls(ListSubscriptionsByTopicCommand).map((call) => call.args[0].input)).toEqual([
      { TopicArn: TOPIC_ARN, NextToken: undefined },
      { TopicArn: TOPIC_ARN, NextToken: 'page-2' },
    ]);
    expect(JSON.stringify(result)).not.toContain('@example.com');
  });

  it('fails while every subscription awaits confirmation, saying which e-mail to look for', async () => {
    sns.on(ListSubscriptionsByTopicCommand).resolves({ Subscriptions: [pending] });

    const result = await run();

    expect(result.status).toBe('fail');
    expect(result.summary).toBe('1 subscription(s) await confirmation; alarms reach nobody');
    expect(result.fix).toContain('Subscription Confirmation');
    expect(JSON.stringify(result)).not.toContain('oncall@');
  });

  it('fails on a topic without subscriptions, naming the config key', async () => {
    sns.on(ListSubscriptionsByTopicCommand).resolves({ Subscriptions: [] });

    const result = await run();

    expect(result.summary).toBe('the alarm topic has no subscription; alarms reach nobody');
    expect(result.fix).toContain('operations.alarmEmail');
  });
});
