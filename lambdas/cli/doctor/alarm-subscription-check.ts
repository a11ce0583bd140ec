/**
 * The alarm topic has at least one confirmed subscription. An e-mail subscription stays `PendingConfirmation`
 * until its recipient clicks the link, and alarms notify nobody until then.
 */
import { ListSubscriptionsByTopicCommand, type SNSClient, type Subscription } from '@aws-sdk/client-sns';
import { type DoctorCheck, fail, pass } from './check';
import { GATEWAY_OUTPUTS } from './stack-outputs';

const PENDING = 'PendingConfirmation';

export function alarmSubscriptionCheck(sns: SNSClient): DoctorCheck {
  return {
    id: 'alarm-subscription',
    title: 'Alarm topic: a confirmed subscription',
    async run({ outputs }) {
      const topicArn = outputs.gateway.get(GATEWAY_OUTPUTS.alarmTopicArn);
      const subscriptions: Subscription[] = [];
      let nextToken: string | undefined;
      do {
        const page = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, NextToken: nextToken }));
        subscriptions.push(...(page.Subscriptions ?? []));
        nextToken = page.NextToken;
      } while (nextToken);
      // Protocols only: endpoints are people's addresses and have no place in a report that may be shared.
      const confirmed = subscriptions.filter((s) => s.SubscriptionArn?.startsWith('arn:'));
      const pending = subscriptions.filter((s) => s.SubscriptionArn === PENDING);
      const describe = (list: Subscription[]): string => list.map((s) => s.Protocol ?? '?').join(', ') || 'none';
      const details = [`confirmed: ${describe(confirmed)}`, `pending: ${describe(pending)}`];
      if (confirmed.length > 0) return pass(`${confirmed.length} confirmed subscription(s) on ${topicArn}`, details);
      return fail(
        pending.length > 0
          ? `${pending.length} subscription(s) await confirmation; alarms reach nobody`
          : 'the alarm topic has no subscription; alarms reach nobody',
        pending.length > 0
          ? 'the recipient must click the link in the "AWS Notification - Subscription Confirmation" e-mail ' +
              '(resend: re-subscribe the address with aws sns subscribe)'
          : 'set operations.alarmEmail (or alarmTopicArn) in cdk.json and redeploy the Gateway stack',
        details,
      );
    },
  };
}
