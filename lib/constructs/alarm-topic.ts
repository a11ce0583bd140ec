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
  /** @default - no subscription */
  readonly email?: string;
}

/** KMS-encrypted, TLS-only SNS topic for alarms, with an optional e-mail subscription. */
export class AlarmTopic extends Construct {
  readonly topic: sns.Topic;

  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
    super(scope, id);
    if (props.email !== undefined && !EMAIL_ADDRESS.test(props.email)) {
      throw new Error(`AlarmTopic: email must be an e-mail address (got "${props.email}")`);
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
    if (props.email !== undefined) this.topic.addSubscription(new subscriptions.EmailSubscription(props.email));
  }
}
