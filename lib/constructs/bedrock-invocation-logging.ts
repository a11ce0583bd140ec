/**
 * Bedrock model invocation logging into the audit bucket, through `AwsCustomResource` (there is no
 * CloudFormation resource type for it: aws-cdk#31478).
 */
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as cr from 'aws-cdk-lib/custom-resources';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';

/** Template metadata key under which an acknowledged unredacted-text override is recorded. */
export const UNREDACTED_TEXT_OVERRIDE_METADATA_KEY = 'ClaudeComplianceGateway::UnredactedTextOverrideReason';

const KEY_PREFIX = /^[a-zA-Z0-9!_.*'()-]+(\/[a-zA-Z0-9!_.*'()-]+)*$/;

export interface BedrockInvocationLoggingProps {
  /** Destination bucket; its policy must let `bedrock.amazonaws.com` put under `keyPrefix` (see AuditBucket). */
  readonly bucket: s3.IBucket;
  /**
   * The bucket's default-encryption key; its policy must let Bedrock `kms:GenerateDataKey`. The call waits
   * for it, because Bedrock validates the destination when the configuration is put.
   * @default - the bucket is not KMS-encrypted with a key from this app
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * Key prefix of the logs in `bucket`.
   * @default 'bedrock-invocations'
   */
  readonly keyPrefix?: string;
  /** Deliver prompt and completion text (unredacted). Off for a ZDR posture. */
  readonly textDataDelivery: boolean;
  /** Deliver image data. */
  readonly imageDataDelivery: boolean;
  /** Deliver embedding data. */
  readonly embeddingDataDelivery: boolean;
  /** Key that encrypts the custom-resource handler's log group. */
  readonly logGroupEncryptionKey: kms.IKey;
  /** Retention of the custom-resource handler's log group. */
  readonly logRetention: logs.RetentionDays;
  /**
   * Why metadata-only tenants may have raw text in Bedrock's logs; recorded in the template's Metadata.
   * @default - no override recorded
   */
  readonly unredactedTextOverrideReason?: string;
}

/**
 * Configures Bedrock model invocation logging (S3 destination) on create and update, and removes it on delete.
 *
 * The setting is ACCOUNT-WIDE per region: it covers every Bedrock call in this account and region, not only the
 * gateway's, and there is exactly one. Deploying this replaces any existing configuration; deleting the stack
 * (or disabling it in config) calls `DeleteModelInvocationLoggingConfiguration`, which turns invocation logging
 * off for the whole account in this region.
 */
export class BedrockInvocationLogging extends Construct {
  readonly resource: cr.AwsCustomResource;
  readonly keyPrefix: string;

  constructor(scope: Construct, id: string, props: BedrockInvocationLoggingProps) {
    super(scope, id);
    this.keyPrefix = props.keyPrefix ?? 'bedrock-invocations';
    if (!KEY_PREFIX.test(this.keyPrefix)) {
      throw new Error(
        `BedrockInvocationLogging: keyPrefix must be a key prefix without leading/trailing "/" (got "${this.keyPrefix}")`,
      );
    }
    const stack = Stack.of(this);

    const putConfiguration: cr.AwsSdkCall = {
      service: 'Bedrock',
      action: 'PutModelInvocationLoggingConfiguration',
      parameters: {
        loggingConfig: {
          s3Config: { bucketName: props.bucket.bucketName, keyPrefix: this.keyPrefix },
          textDataDeliveryEnabled: props.textDataDelivery,
          imageDataDeliveryEnabled: props.imageDataDelivery,
          embeddingDataDeliveryEnabled: props.embeddingDataDelivery,
        },
      },
      // One configuration per account and region: the id names that scope, so updates never replace it.
      physicalResourceId: cr.PhysicalResourceId.of(`bedrock-model-invocation-logging-${stack.region}`),
    };

    const logGroup = new logs.LogGroup(this, 'HandlerLogGroup', {
      encryptionKey: props.logGroupEncryptionKey,
      retention: props.logRetention,
    });
    // An explicit role: CDK's default attaches the AWSLambdaBasicExecutionRole managed policy (log-group:*).
    const role = new iam.Role(this, 'HandlerRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Configures Bedrock model invocation logging at deploy time',
    });
    logGroup.grantWrite(role);

    this.resource = new cr.AwsCustomResource(this, 'Resource', {
      resourceType: 'Custom::BedrockModelInvocationLogging',
      onCreate: putConfiguration,
      onUpdate: putConfiguration,
      onDelete: { service: 'Bedrock', action: 'DeleteModelInvocationLoggingConfiguration' },
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        new iam.PolicyStatement({
          actions: [
            'bedrock:PutModelInvocationLoggingConfiguration',
            'bedrock:GetModelInvocationLoggingConfiguration',
            'bedrock:DeleteModelInvocationLoggingConfiguration',
          ],
          resources: ['*'],
        }),
      ]),
      role,
      logGroup,
      // The handler's built-in SDK knows the S3 and text/image/embedding fields; installing the latest SDK
      // would download npm packages at deploy time, which a compliance deployment should not depend on.
      installLatestAwsSdk: false,
    });
    // Bedrock validates the destination on Put: the bucket policy and key policy must exist first.
    if (props.bucket.policy) this.resource.node.addDependency(props.bucket.policy);
    if (props.encryptionKey) this.resource.node.addDependency(props.encryptionKey);

    const inlinePolicyReason =
      'CDK renders grants as a policy inline on this single-purpose role; it is versioned with the template and ' +
      'deliberately not reusable by other roles';
    NagSuppressions.addResourceSuppressions(
      role,
      [
        { id: 'HIPAA.Security-IAMNoInlinePolicy', reason: inlinePolicyReason },
        { id: 'NIST.800.53.R5-IAMNoInlinePolicy', reason: inlinePolicyReason },
      ],
      true,
    );
    // The custom resource's own policy (CustomResourcePolicy) is attached to `role` by AwsCustomResource.
    NagSuppressions.addResourceSuppressions(
      this.resource,
      [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'Bedrock *ModelInvocationLoggingConfiguration APIs support no resource-level permissions (account-wide setting)',
          appliesTo: ['Resource::*'],
        },
        { id: 'HIPAA.Security-IAMNoInlinePolicy', reason: inlinePolicyReason },
        { id: 'NIST.800.53.R5-IAMNoInlinePolicy', reason: inlinePolicyReason },
      ],
      true,
    );
    const handler = stack.node.tryFindChild(`AWS${cr.AwsCustomResource.PROVIDER_FUNCTION_UUID.replace(/-/g, '')}`);
    if (handler) {
      NagSuppressions.addResourceSuppressions(handler, [
        {
          id: 'HIPAA.Security-LambdaConcurrency',
          reason: 'Deploy-time custom-resource handler invoked only by CloudFormation; no concurrency to bound',
        },
        {
          id: 'NIST.800.53.R5-LambdaConcurrency',
          reason: 'Deploy-time custom-resource handler invoked only by CloudFormation; no concurrency to bound',
        },
        {
          id: 'HIPAA.Security-LambdaDLQ',
          reason: 'Invoked synchronously by CloudFormation; failures surface as stack events and roll back',
        },
        {
          id: 'NIST.800.53.R5-LambdaDLQ',
          reason: 'Invoked synchronously by CloudFormation; failures surface as stack events and roll back',
        },
        {
          id: 'HIPAA.Security-LambdaInsideVPC',
          reason: 'Deploy-time call to the Bedrock control plane; the stateful stack has no VPC (network is stateless)',
        },
        {
          id: 'NIST.800.53.R5-LambdaInsideVPC',
          reason: 'Deploy-time call to the Bedrock control plane; the stateful stack has no VPC (network is stateless)',
        },
      ]);
    }

    if (props.unredactedTextOverrideReason !== undefined) {
      stack.addMetadata(UNREDACTED_TEXT_OVERRIDE_METADATA_KEY, props.unredactedTextOverrideReason);
    }
  }
}
