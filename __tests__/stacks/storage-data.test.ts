/**
 * Storage (S3), the jobs table (DynamoDB), notifications (SNS) and ingest (EventBridge + SQS):
 * the decisions per environment, read from the synthesized cdk.tf.json of every stack.
 * tests/terraform/*.tftest.hcl already plan public access blocks, ownership, force_destroy,
 * PITR and deletion protection with real Terraform; here the configuration itself is checked
 * for all three environments at once, including what `plan` cannot show (policies as JSON,
 * count expressions, lifecycle rules, event patterns).
 */
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketCorsConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-cors-configuration';
import { S3BucketNotification } from '@cdktf/provider-aws/lib/s3-bucket-notification';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { SnsTopicSubscription } from '@cdktf/provider-aws/lib/sns-topic-subscription';
import { ENVIRONMENTS, ENVIRONMENT_NAMES } from '../../stacks/config';
import { INGEST_MAX_RECEIVE_COUNT } from '../../stacks/ingest';
import { STATUS_INDEX } from '../../stacks/jobs-table';
import { SynthResult, synthApp } from '../helpers/synth';

const BUCKETS = ['source', 'output', 'archive'] as const;
let app: SynthResult;

beforeAll(() => {
  app = synthApp();
});

const policy = (doc: string) => JSON.parse(doc) as { Statement: Record<string, any>[] };

describe.each(ENVIRONMENT_NAMES)('storage (%s)', (envName) => {
  const env = ENVIRONMENTS[envName];

  it('blocks public access and disables ACLs on every bucket', () => {
    // Prepare
    const stack = app.env(envName);
    // Act / Assess
    for (const name of BUCKETS) {
      expect(stack.resource(S3BucketPublicAccessBlock.tfResourceType, name)).toMatchObject({
        bucket: `\${aws_s3_bucket.${name}.id}`,
        block_public_acls: true,
        block_public_policy: true,
        ignore_public_acls: true,
        restrict_public_buckets: true,
      });
      expect(stack.synth).toHaveResourceWithProperties(S3BucketOwnershipControls, {
        bucket: `\${aws_s3_bucket.${name}.id}`,
        rule: { object_ownership: 'BucketOwnerEnforced' },
      });
    }
  });

  it(`encrypts every bucket with ${env.enableCustomerManagedKey ? 'the customer-managed KMS key' : 'SSE-S3 (AES256)'}`, () => {
    const stack = app.env(envName);
    for (const name of BUCKETS) {
      const [rule] = stack.resource('aws_s3_bucket_server_side_encryption_configuration', name).rule;
      if (env.enableCustomerManagedKey) {
        expect(rule).toEqual({
          apply_server_side_encryption_by_default: { sse_algorithm: 'aws:kms', kms_master_key_id: '${aws_kms_key.data.arn}' },
          bucket_key_enabled: true,
        });
      } else {
        expect(rule).toEqual({ apply_server_side_encryption_by_default: { sse_algorithm: 'AES256' }, bucket_key_enabled: false });
      }
    }
  });

  it('denies every request without TLS in each bucket policy', () => {
    const stack = app.env(envName);
    for (const name of BUCKETS) {
      const statements = policy(stack.resource('aws_s3_bucket_policy', name).policy).Statement;
      expect(statements).toContainEqual({
        Sid: 'DenyInsecureTransport',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:*',
        Resource: [`\${aws_s3_bucket.${name}.arn}`, `\${aws_s3_bucket.${name}.arn}/*`],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      });
    }
  });

  it('versions source and archive only', () => {
    const versioning = app.env(envName).resources('aws_s3_bucket_versioning');
    expect(Object.keys(versioning).sort()).toEqual(['archive', 'source']);
    for (const v of Object.values(versioning)) expect(v.versioning_configuration).toEqual({ status: 'Enabled' });
  });

  it('sets force_destroy only in dev', () => {
    const stack = app.env(envName);
    for (const name of BUCKETS) {
      expect(stack.resource(S3Bucket.tfResourceType, name).force_destroy).toBe(envName === 'dev');
    }
  });

  it('applies the lifecycle rules: abort MPU everywhere, noncurrent expiry, outputs to IA from the variable, archive to Deep Archive', () => {
    const stack = app.env(envName);
    const rules = (name: string) => stack.resource('aws_s3_bucket_lifecycle_configuration', name).rule as Record<string, any>[];
    const byId = (name: string, id: string) => rules(name).find((r) => r.id === id);

    for (const name of BUCKETS) {
      expect(byId(name, 'abort-incomplete-multipart-uploads')).toMatchObject({ status: 'Enabled', abort_incomplete_multipart_upload: [{ days_after_initiation: 2 }] });
    }
    for (const name of ['source', 'archive']) {
      expect(byId(name, 'expire-noncurrent-versions')).toMatchObject({
        status: 'Enabled',
        noncurrent_version_expiration: [{ noncurrent_days: env.noncurrentVersionDays }],
      });
    }
    expect(byId('source', 'expire-rejected-uploads')).toMatchObject({
      status: 'Enabled',
      filter: [{ tag: [{ key: 'video-workflow-rejected', value: 'UploadAlreadyUsed' }] }],
      expiration: [{ days: 1 }],
      noncurrent_version_expiration: [{ noncurrent_days: 1 }],
    });
    expect(byId('output', 'outputs-to-standard-ia')).toMatchObject({
      status: 'Enabled',
      transition: [{ days: '${var.output_transition_ia_days}', storage_class: 'STANDARD_IA' }],
    });
    expect(byId('output', 'expire-outputs')).toMatchObject({
      status: '${var.output_expiration_days > 0 ? "Enabled" : "Disabled"}',
      expiration: [{ days: '${max(var.output_expiration_days, 1)}' }],
    });
    expect(byId('archive', 'archive-to-deep-archive')).toMatchObject({
      status: 'Enabled',
      transition: [{ days: env.archiveDeepArchiveDays, storage_class: 'DEEP_ARCHIVE' }],
    });
    expect(app.env(envName).json.variable?.output_transition_ia_days.default).toBe(env.defaultOutputTransitionDays);
  });

  it('sends source bucket events to EventBridge (and only the source bucket)', () => {
    const stack = app.env(envName);
    expect(stack.synth).toHaveResourceWithProperties(S3BucketNotification, { bucket: '${aws_s3_bucket.source.id}', eventbridge: true });
    expect(Object.keys(stack.resources(S3BucketNotification.tfResourceType))).toEqual(['source']);
  });

  it('creates CORS rules only when cors_allowed_origins is set (count expression)', () => {
    const stack = app.env(envName);
    const cors = stack.resources(S3BucketCorsConfiguration.tfResourceType);
    expect(Object.keys(cors).sort()).toEqual(['output', 'source']);
    for (const c of Object.values(cors)) {
      expect(c.count).toBe('${length(var.cors_allowed_origins) > 0 ? 1 : 0}');
      expect(c.cors_rule[0].allowed_origins).toBe('${var.cors_allowed_origins}');
    }
    expect(cors.source.cors_rule[0].allowed_methods).toEqual(['POST']);
    expect(cors.output.cors_rule[0].allowed_methods).toEqual(['GET', 'HEAD']);
  });
});

describe.each(ENVIRONMENT_NAMES)('jobs table (%s)', (envName) => {
  const env = ENVIRONMENTS[envName];

  it('has the jobId key, the status and owner indexes, PITR and TTL', () => {
    const table = app.env(envName).resource('aws_dynamodb_table', 'jobs');
    expect(table).toMatchObject({
      name: `video-workflow-${envName}-jobs`,
      billing_mode: 'PAY_PER_REQUEST',
      hash_key: 'jobId',
      point_in_time_recovery: { enabled: true },
      ttl: { attribute_name: 'expiresAt', enabled: true },
    });
    expect(table.global_secondary_index).toEqual([
      { name: STATUS_INDEX, hash_key: 'status', range_key: 'createdAt', projection_type: 'ALL' },
      // GET /jobs lists the caller's own jobs from this index: never a scan, never another owner's partition.
      { name: 'owner-createdAt', hash_key: 'owner', range_key: 'createdAt', projection_type: 'ALL' },
    ]);
    expect(table.attribute).toEqual(
      expect.arrayContaining([{ name: 'jobId', type: 'S' }, { name: 'status', type: 'S' }, { name: 'createdAt', type: 'S' }, { name: 'owner', type: 'S' }]),
    );
  });

  it(`has deletion protection ${env.enableDeletionProtection} and ${env.enableCustomerManagedKey ? 'SSE with the CMK' : 'the AWS-owned key'}`, () => {
    const table = app.env(envName).resource('aws_dynamodb_table', 'jobs');
    expect(table.deletion_protection_enabled).toBe(envName === 'prod');
    expect(table.server_side_encryption).toEqual(
      envName === 'prod' ? { enabled: true, kms_key_arn: '${aws_kms_key.data.arn}' } : { enabled: false },
    );
  });
});

describe.each(ENVIRONMENT_NAMES)('notifications and ingest (%s)', (envName) => {
  const env = ENVIRONMENTS[envName];

  it('encrypts the topic with a customer-managed key (alarms cannot publish under alias/aws/sns)', () => {
    const topic = app.env(envName).resource('aws_sns_topic', 'notifications');
    expect(topic.kms_master_key_id).toBe(envName === 'prod' ? '${aws_kms_key.data.arn}' : '${aws_kms_key.topic.arn}');
  });

  it('subscribes notification_email only when it is set', () => {
    expect(app.env(envName).synth).toHaveResourceWithProperties(SnsTopicSubscription, {
      count: '${var.notification_email != "" ? 1 : 0}',
      protocol: 'email',
      endpoint: '${var.notification_email}',
      topic_arn: '${aws_sns_topic.notifications.arn}',
    });
  });

  it('encrypts every queue (SQS-managed SSE, the CMK in prod)', () => {
    const queues = app.env(envName).resources('aws_sqs_queue');
    expect(Object.keys(queues).sort()).toEqual(['events_dlq', 'ingest', 'ingest_dlq']);
    for (const q of Object.values(queues)) {
      if (env.enableCustomerManagedKey) expect(q.kms_master_key_id).toBe('${aws_kms_key.data.arn}');
      else expect(q.sqs_managed_sse_enabled).toBe(true);
    }
  });

  it(`redrives the ingest queue to its DLQ after ${INGEST_MAX_RECEIVE_COUNT} receives and keeps DLQ messages 14 days`, () => {
    const queues = app.env(envName).resources('aws_sqs_queue');
    expect(JSON.parse(queues.ingest.redrive_policy)).toEqual({
      deadLetterTargetArn: '${aws_sqs_queue.ingest_dlq.arn}',
      maxReceiveCount: INGEST_MAX_RECEIVE_COUNT,
    });
    expect(queues.ingest_dlq.message_retention_seconds).toBe(14 * 24 * 3600);
    expect(queues.events_dlq.message_retention_seconds).toBe(14 * 24 * 3600);
    // At least six times the consumer's timeout, so a batch in flight is not delivered twice.
    expect(queues.ingest.visibility_timeout_seconds).toBeGreaterThanOrEqual(6 * 60);
  });

  it('lets EventBridge send to each queue only from its own rule, over TLS', () => {
    const policies = app.env(envName).resources('aws_sqs_queue_policy');
    const rulesOf = {
      ingest: ['source_object_created'],
      ingest_dlq: ['source_object_created'],
      events_dlq: ['mediaconvert_state', 'execution_ended'],
    } as const;
    for (const [queue, rules] of Object.entries(rulesOf)) {
      const sourceArns = rules.map((rule) => `\${aws_cloudwatch_event_rule.${rule}.arn}`);
      const statements = policy(policies[queue].policy).Statement;
      const allow = statements.filter((s) => s.Effect === 'Allow');
      expect(allow).toEqual([
        expect.objectContaining({
          Principal: { Service: 'events.amazonaws.com' },
          Action: 'sqs:SendMessage',
          Resource: `\${aws_sqs_queue.${queue}.arn}`,
          Condition: { ArnEquals: { 'aws:SourceArn': sourceArns.length === 1 ? sourceArns[0] : sourceArns } },
        }),
      ]);
      expect(statements).toContainEqual(expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
    }
  });

  it('matches Object Created events of the source bucket with the allowed extensions, any case', () => {
    const stack = app.env(envName);
    const rule = stack.resource('aws_cloudwatch_event_rule', 'source_object_created');
    expect(JSON.parse(rule.event_pattern)).toEqual({
      source: ['aws.s3'],
      'detail-type': ['Object Created'],
      detail: {
        bucket: { name: ['${aws_s3_bucket.source.bucket}'] },
        object: { key: env.allowedExtensions.map((ext) => ({ suffix: { 'equals-ignore-case': `.${ext}` } })) },
      },
    });
    expect(stack.resource('aws_cloudwatch_event_target', 'source_object_created')).toMatchObject({
      rule: '${aws_cloudwatch_event_rule.source_object_created.name}',
      arn: '${aws_sqs_queue.ingest.arn}',
      dead_letter_config: { arn: '${aws_sqs_queue.ingest_dlq.arn}' },
    });
  });

  it('feeds start-workflow from the ingest queue with partial batch responses', () => {
    expect(app.env(envName).resource('aws_lambda_event_source_mapping', 'start_workflow')).toMatchObject({
      event_source_arn: '${aws_sqs_queue.ingest.arn}',
      function_name: '${aws_lambda_function.start_workflow.arn}',
      function_response_types: ['ReportBatchItemFailures'],
    });
  });
});
