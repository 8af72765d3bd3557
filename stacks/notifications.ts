import { Construct } from 'constructs';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { SnsTopicPolicy } from '@cdktf/provider-aws/lib/sns-topic-policy';
import { SnsTopicSubscription } from '@cdktf/provider-aws/lib/sns-topic-subscription';
import { address, Names } from './lib/naming';
import { StackVariables } from './variables';

export interface NotificationsProps {
  readonly names: Names;
  readonly variables: StackVariables;
  readonly accountId: string;
  /** KMS key the topic is encrypted with (must let CloudWatch publish: see encryption.ts). */
  readonly kmsKeyArn: string;
}

/**
 * Job notifications (success from publish, failure from the state machine) and alarms.
 * The email subscription exists only when notification_email is set.
 */
export class Notifications extends Construct {
  readonly topic: SnsTopic;
  private readonly accountId: string;

  constructor(scope: Construct, id: string, props: NotificationsProps) {
    super(scope, id);
    this.accountId = props.accountId;
    this.topic = address(
      new SnsTopic(this, 'topic', { name: props.names.of('notifications'), kmsMasterKeyId: props.kmsKeyArn }),
      'notifications',
    );
    address(
      new SnsTopicSubscription(this, 'email', {
        count: `\${var.notification_email != "" ? 1 : 0}` as unknown as number,
        topicArn: this.topic.arn,
        protocol: 'email',
        endpoint: props.variables.notificationEmail.stringValue,
      }),
      'email',
    );
  }

  /**
   * Topic policy: this account's roles (which still need sns:Publish in their own policy),
   * CloudWatch alarms and AWS Budgets budgets of this stack may publish; nothing else. Called once the alarms exist.
   */
  restrictPublishers(alarmArnPattern: string, budgetArnPattern: string): void {
    const topicArn = this.topic.arn;
    address(
      new SnsTopicPolicy(this, 'policy', {
        arn: topicArn,
        policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'AccountPrincipalsWithIamGrant',
              Effect: 'Allow',
              Principal: { AWS: `arn:aws:iam::${this.accountId}:root` },
              Action: ['sns:Publish', 'sns:Subscribe', 'sns:GetTopicAttributes'],
              Resource: topicArn,
            },
            {
              Sid: 'CloudWatchAlarmsOfThisStack',
              Effect: 'Allow',
              Principal: { Service: 'cloudwatch.amazonaws.com' },
              Action: 'sns:Publish',
              Resource: topicArn,
              Condition: { ArnLike: { 'aws:SourceArn': alarmArnPattern }, StringEquals: { 'aws:SourceAccount': this.accountId } },
            },
            {
              // AWS Budgets (stacks/budget.ts) notifies about this stack's budgets only:
              // https://docs.aws.amazon.com/cost-management/latest/userguide/budgets-sns-policy.html
              // ("Creating an Amazon SNS topic for budget notifications", confused-deputy conditions).
              Sid: 'BudgetsOfThisStack',
              Effect: 'Allow',
              Principal: { Service: 'budgets.amazonaws.com' },
              Action: 'sns:Publish',
              Resource: topicArn,
              Condition: { ArnLike: { 'aws:SourceArn': budgetArnPattern }, StringEquals: { 'aws:SourceAccount': this.accountId } },
            },
            {
              Sid: 'DenyInsecureTransport',
              Effect: 'Deny',
              Principal: '*',
              Action: 'sns:*',
              Resource: topicArn,
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            },
          ],
        }),
      }),
      'notifications',
    );
  }
}
