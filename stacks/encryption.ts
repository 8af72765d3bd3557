import { Construct } from 'constructs';
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { budgetArnPattern } from './budget';
import { address, Names } from './lib/naming';

export interface EncryptionProps {
  /** Physical naming for this stack. */
  readonly names: Names;
  /** Account id (token) for the key policy. */
  readonly accountId: string;
  /** Create a customer-managed key for buckets, table and queues (prod). */
  readonly enableCustomerManagedKey: boolean;
}

// Key administration and use by IAM policies in this account (the account delegates to IAM,
// so a role still needs its own kms:* grant). Listed explicitly: no "kms:*".
const ACCOUNT_KEY_ACTIONS = [
  'kms:CancelKeyDeletion', 'kms:CreateAlias', 'kms:CreateGrant', 'kms:Decrypt', 'kms:DeleteAlias',
  'kms:DescribeKey', 'kms:DisableKey', 'kms:DisableKeyRotation', 'kms:EnableKey', 'kms:EnableKeyRotation',
  'kms:Encrypt', 'kms:GenerateDataKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:GetKeyPolicy',
  'kms:GetKeyRotationStatus', 'kms:ListAliases', 'kms:ListGrants', 'kms:ListKeyPolicies',
  'kms:ListResourceTags', 'kms:PutKeyPolicy', 'kms:ReEncryptFrom', 'kms:ReEncryptTo', 'kms:RetireGrant',
  'kms:RevokeGrant', 'kms:ScheduleKeyDeletion', 'kms:TagResource', 'kms:UntagResource', 'kms:UpdateAlias',
  'kms:UpdateKeyDescription',
];

function keyPolicy(accountId: string, services: readonly string[], budgetArnPattern: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'AccountAdministersAndDelegatesToIam',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${accountId}:root` },
        Action: ACCOUNT_KEY_ACTIONS,
        Resource: '*',
      },
      {
        // CloudWatch alarms and EventBridge deliver to encrypted SNS topics / SQS queues only
        // when the key lets them; AWS-managed keys (alias/aws/sns) cannot grant this.
        Sid: 'ServicesDeliverEncryptedMessages',
        Effect: 'Allow',
        Principal: { Service: services },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: '*',
        // IfExists: SNS and SQS call KMS for these publishers; the key is checked whenever it
        // is sent, without risking undelivered alarms and events where it is not.
        Condition: { StringEqualsIfExists: { 'aws:SourceAccount': accountId } },
      },
      {
        // AWS Budgets publishes budget alerts to the (encrypted) notification topic, for this
        // stack's budgets only: https://docs.aws.amazon.com/cost-management/latest/userguide/budgets-sns-policy.html
        Sid: 'BudgetsOfThisStackNotify',
        Effect: 'Allow',
        Principal: { Service: 'budgets.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: '*',
        Condition: { StringEquals: { 'aws:SourceAccount': accountId }, ArnLike: { 'aws:SourceArn': budgetArnPattern } },
      },
    ],
  });
}

/**
 * Keys. prod: one customer-managed key (rotation on) for buckets, table, queues and topic.
 * dev/staging: S3-managed and service-owned keys, plus a small key for the SNS topic only,
 * because alarms and EventBridge cannot publish to a topic under the AWS-managed SNS key.
 */
export class Encryption extends Construct {
  /** The data key (prod) or undefined when AWS-managed keys are used. */
  readonly dataKey?: KmsKey;
  /** The key the notification topic uses (the data key in prod). */
  readonly topicKey: KmsKey;

  constructor(scope: Construct, id: string, props: EncryptionProps) {
    super(scope, id);
    const services = ['cloudwatch.amazonaws.com', 'events.amazonaws.com'];
    if (props.enableCustomerManagedKey) {
      this.dataKey = address(
        new KmsKey(this, 'data', {
          description: `${props.names.prefix}: buckets, jobs table, queues and topic`,
          enableKeyRotation: true,
          deletionWindowInDays: 30,
          policy: keyPolicy(props.accountId, services, budgetArnPattern(props.names, props.accountId)),
        }),
        'data',
      );
      address(new KmsAlias(this, 'data-alias', { name: `alias/${props.names.prefix}`, targetKeyId: this.dataKey.keyId }), 'data');
      this.topicKey = this.dataKey;
    } else {
      this.topicKey = address(
        new KmsKey(this, 'topic', {
          description: `${props.names.prefix}: notification topic`,
          enableKeyRotation: true,
          deletionWindowInDays: 7,
          policy: keyPolicy(props.accountId, services, budgetArnPattern(props.names, props.accountId)),
        }),
        'topic',
      );
      address(
        new KmsAlias(this, 'topic-alias', { name: `alias/${props.names.prefix}-topic`, targetKeyId: this.topicKey.keyId }),
        'topic',
      );
    }
  }

  /** Key ARNs a principal needs for data encrypted under this stack's keys (S3, table, queues). */
  get dataKeyArns(): string[] {
    return this.dataKey ? [this.dataKey.arn] : [];
  }
}
