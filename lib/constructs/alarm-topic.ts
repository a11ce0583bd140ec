/** The KMS-encrypted SNS topic alarms notify, with the key-policy statement CloudWatch needs to publish to it. */
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

/** What the alarm constructs accept as an e-mail address for a subscription. */
export const EMAIL_ADDRESS = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

export interface AlarmTopicProps {
  /** Customer-managed key encrypting the topic. */
  readonly encryptionKey: kms.IKey;
  /**
   * Addresses subscribed by e-mail (each confirms after deploy).
   * @default [] - no subscription
   */
  readonly emails?: readonly string[];
}

/** KMS-encrypted, TLS-only SNS topic for alarms, with e-mail subscriptions. */
export class AlarmTopic extends Construct {
  readonly topic: sns.Topic;

  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
    super(scope, id);
    const emails = props.emails ?? [];
    for (const email of emails) {
      if (!EMAIL_ADDRESS.test(email)) throw new Error(`AlarmTopic: emails must be e-mail addresses (got "${email}")`);
    }
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'Claude compliance gateway alarms',
      masterKey: props.encryptionKey,
      enforceSSL: true,
    });
    // CloudWatch publishes to an SSE-KMS topic only if the key lets it use the key (scoped to this account).
    // Not `key.grant(cloudwatch principal)`: that adds no aws:SourceAccount condition.
    props.encryptionKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublishToEncryptedTopic',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(props.encryptionKey).account } },
      }),
    );
    for (const email of emails) this.topic.addSubscription(new subscriptions.EmailSubscription(email));
  }
}
