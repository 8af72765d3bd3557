import { Construct } from 'constructs';
import { CloudwatchEventRule } from '@cdktf/provider-aws/lib/cloudwatch-event-rule';
import { CloudwatchEventTarget } from '@cdktf/provider-aws/lib/cloudwatch-event-target';
import { LambdaEventSourceMapping } from '@cdktf/provider-aws/lib/lambda-event-source-mapping';
import { SqsQueue, SqsQueueConfig } from '@cdktf/provider-aws/lib/sqs-queue';
import { SqsQueuePolicy } from '@cdktf/provider-aws/lib/sqs-queue-policy';
import { address, Names } from './lib/naming';
import { NodejsFunction } from './lib/nodejs-function';

export interface IngestProps {
  readonly names: Names;
  /** Source bucket whose Object Created events start jobs. */
  readonly sourceBucketName: string;
  /** Extensions (lowercase, no dot) matched case-insensitively by the rule. */
  readonly allowedExtensions: readonly string[];
  /** Customer-managed key (prod); SQS-managed SSE when undefined. */
  readonly kmsKeyArn?: string;
  /** Timeout of the consuming function, to size the visibility timeout. */
  readonly consumerTimeoutSeconds: number;
}

/** SSE for a queue: the customer-managed key when there is one, else SQS-managed keys. */
export function queueEncryption(kmsKeyArn: string | undefined): Pick<SqsQueueConfig, 'kmsMasterKeyId' | 'kmsDataKeyReusePeriodSeconds' | 'sqsManagedSseEnabled'> {
  return kmsKeyArn ? { kmsMasterKeyId: kmsKeyArn, kmsDataKeyReusePeriodSeconds: 300 } : { sqsManagedSseEnabled: true };
}

/** Receives before SQS hands a message to the DLQ (3 tries of start-workflow). */
export const INGEST_MAX_RECEIVE_COUNT = 3;

/**
 * S3 "Object Created" (EventBridge) -> rule -> ingest queue (SQS) -> start-workflow.
 * The queue absorbs bursts and retries; messages start-workflow cannot process go to the
 * DLQ after INGEST_MAX_RECEIVE_COUNT receives. Events EventBridge cannot deliver to the
 * queue go to the same DLQ (target dead_letter_config), so nothing vanishes.
 */
export class Ingest extends Construct {
  readonly queue: SqsQueue;
  readonly deadLetterQueue: SqsQueue;
  readonly rule: CloudwatchEventRule;

  constructor(scope: Construct, id: string, props: IngestProps) {
    super(scope, id);
    const encryption = queueEncryption(props.kmsKeyArn);

    this.deadLetterQueue = address(
      new SqsQueue(this, 'dlq', {
        name: props.names.of('ingest-dlq'),
        messageRetentionSeconds: 14 * 24 * 3600,
        ...encryption,
      }),
      'ingest_dlq',
    );
    this.queue = address(
      new SqsQueue(this, 'queue', {
        name: props.names.of('ingest'),
        // AWS guidance: at least 6x the function timeout, so a batch in flight is not redelivered.
        visibilityTimeoutSeconds: Math.max(6 * props.consumerTimeoutSeconds, 60),
        messageRetentionSeconds: 4 * 24 * 3600,
        redrivePolicy: JSON.stringify({
          deadLetterTargetArn: this.deadLetterQueue.arn,
          maxReceiveCount: INGEST_MAX_RECEIVE_COUNT,
        }),
        ...encryption,
      }),
      'ingest',
    );

    this.rule = address(
      new CloudwatchEventRule(this, 'rule', {
        name: props.names.of('source-object-created'),
        description: 'Video uploaded to the source bucket (allowed extensions, any case)',
        eventPattern: JSON.stringify({
          source: ['aws.s3'],
          'detail-type': ['Object Created'],
          detail: {
            bucket: { name: [props.sourceBucketName] },
            object: { key: props.allowedExtensions.map((ext) => ({ suffix: { 'equals-ignore-case': `.${ext}` } })) },
          },
        }),
      }),
      'source_object_created',
    );
    address(
      new CloudwatchEventTarget(this, 'target', {
        rule: this.rule.name,
        arn: this.queue.arn,
        deadLetterConfig: { arn: this.deadLetterQueue.arn },
        retryPolicy: { maximumEventAgeInSeconds: 24 * 3600, maximumRetryAttempts: 185 },
      }),
      'source_object_created',
    );

    for (const [queue, name] of [[this.queue, 'ingest'], [this.deadLetterQueue, 'ingest_dlq']] as const) {
      address(
        new SqsQueuePolicy(this, `${name}-policy`, {
          queueUrl: queue.url,
          policy: JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              {
                Sid: 'SourceObjectCreatedRule',
                Effect: 'Allow',
                Principal: { Service: 'events.amazonaws.com' },
                Action: 'sqs:SendMessage',
                Resource: queue.arn,
                Condition: { ArnEquals: { 'aws:SourceArn': this.rule.arn } },
              },
              {
                // Explicit Deny: an Allow in some same-account role's policy (sqs:SendMessage on
                // "*") would otherwise let it post a forged Object Created message. Only the rule
                // (EventBridge sends with its ARN as aws:SourceArn; so does the target's DLQ
                // delivery) gets through. SQS's own redrive to the DLQ is not a SendMessage call.
                // A request with no aws:SourceArn (any IAM principal) matches ArnNotEquals.
                Sid: 'DenyEveryOtherSender',
                Effect: 'Deny',
                Principal: '*',
                Action: 'sqs:SendMessage',
                Resource: queue.arn,
                Condition: { ArnNotEquals: { 'aws:SourceArn': this.rule.arn } },
              },
              {
                Sid: 'DenyInsecureTransport',
                Effect: 'Deny',
                Principal: '*',
                Action: 'sqs:*',
                Resource: queue.arn,
                Condition: { Bool: { 'aws:SecureTransport': 'false' } },
              },
            ],
          }),
        }),
        name,
      );
    }
  }

  /** Connects the queue to start-workflow with per-message failure reporting. */
  connect(consumer: NodejsFunction): void {
    address(
      new LambdaEventSourceMapping(this, 'consumer', {
        eventSourceArn: this.queue.arn,
        functionName: consumer.function.arn,
        batchSize: 10,
        maximumBatchingWindowInSeconds: 5,
        functionResponseTypes: ['ReportBatchItemFailures'],
        scalingConfig: { maximumConcurrency: 10 },
      }),
      'start_workflow',
    );
  }

  /** What the consumer's role needs on the queue (and its key). */
  consumerStatements(kmsKeyArns: readonly string[]) {
    return [
      {
        Sid: 'ConsumeIngestQueue',
        Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ChangeMessageVisibility'],
        Resource: this.queue.arn,
      },
      ...(kmsKeyArns.length ? [{ Sid: 'DecryptIngestMessages', Action: ['kms:Decrypt'], Resource: kmsKeyArns }] : []),
    ];
  }
}
