import { Fn, LocalBackend, S3Backend, TerraformOutput, TerraformStack, Token } from 'cdktf';
import { Construct } from 'constructs';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { Api } from './api';
import { budgetArnPattern, MediaConvertBudget } from './budget';
import { EnvironmentConfig } from './config';
import { Delivery, SIGNING_ENABLED } from './delivery';
import { Encryption } from './encryption';
import { Ingest } from './ingest';
import { JobsTable, OWNER_INDEX, STATUS_INDEX } from './jobs-table';
import { keyStatements, policyDocument, Statement } from './lib/iam';
import { Limits } from './limits';
import { address, Names } from './lib/naming';
import { FunctionDefaults, newFunction } from './lib/nodejs-function';
import { CLOUDFRONT_METRICS_REGION, Monitoring } from './monitoring';
import { Notifications } from './notifications';
import { requireStateBucket, StateBackendSettings } from './state-backend';
import { Storage, UPLOAD_PREFIX } from './storage';
import { Transcoder } from './transcoder';
import { StackVariables } from './variables';
import { Workflow } from './workflow';
import { projectProvider } from './lib/terraform-settings';

export const APP_NAME = 'video-workflow';

export interface VideoWorkflowStackProps {
  /** Synth-time configuration of this environment. */
  readonly env: EnvironmentConfig;
  /** Where staging/prod keep state (ignored for dev's local backend). */
  readonly stateBackend: StateBackendSettings;
}

/**
 * One environment of the pipeline. Thin: provider, backend, variables, outputs, and one
 * construct per AWS concern.
 */
export class VideoWorkflowStack extends TerraformStack {
  readonly names: Names;

  constructor(scope: Construct, id: string, props: VideoWorkflowStackProps) {
    super(scope, id);
    const { env } = props;
    const variables = new StackVariables(this, env);
    const ingestVariables = variables.ingest;

    const provider = projectProvider(this, {
      region: variables.awsRegion.stringValue,
      projectTags: { Application: APP_NAME, Environment: env.name, ManagedBy: 'cdktf' },
      tags: variables.tags,
    });
    // CloudFront publishes its metrics in us-east-1 only: the playback alarm lives there (same tags).
    const usEast1 = new AwsProvider(this, 'aws_us_east_1', { alias: 'us_east_1', region: CLOUDFRONT_METRICS_REGION, defaultTags: provider.defaultTags });
    if (env.backend === 'local') {
      // Relative to the stack folder (cdktf.out/stacks/<stack>): ./terraform-state/ at the
      // repository root, outside cdktf.out so a clean synth never loses state.
      new LocalBackend(this, { path: `../../../terraform-state/${id}.tfstate` });
    } else {
      const backend = new S3Backend(this, {
        bucket: requireStateBucket(props.stateBackend, id),
        key: `${props.stateBackend.keyPrefix}${id}.tfstate`,
        region: props.stateBackend.region,
        encrypt: true,
      });
      // S3-native locking (Terraform >= 1.10); cdktf 0.21's S3Backend has no prop for it.
      backend.addOverride('use_lockfile', true);
    }

    const identity = address(new DataAwsCallerIdentity(this, 'current'), 'current');
    const accountId = identity.accountId;
    const region = variables.awsRegion.stringValue;
    this.names = new Names(APP_NAME, env.name, `${accountId}-${region}`);
    const names = this.names;

    const encryption = new Encryption(this, 'encryption', { names, accountId, enableCustomerManagedKey: env.enableCustomerManagedKey });
    const dataKeyArns = encryption.dataKeyArns;
    const kmsKeyArn = encryption.dataKey?.arn;
    const storage = new Storage(this, 'storage', { names, env, variables, kmsKeyArn });
    const delivery = new Delivery(this, 'delivery', { names, outputBucket: storage.output, enableAdditionalMetrics: env.enableDeliveryAdditionalMetrics });
    storage.addBucketStatements('output', delivery.outputReadStatement(storage.output.arn));
    encryption.addDataKeyStatements(delivery.keyStatement());
    const jobs = new JobsTable(this, 'jobs', { names, enableDeletionProtection: env.enableDeletionProtection, kmsKeyArn });
    const limits = new Limits(this, 'limits', { names, enableDeletionProtection: env.enableDeletionProtection, kmsKeyArn });
    const notifications = new Notifications(this, 'notifications', { names, variables, accountId, kmsKeyArn: encryption.topicKey.arn });
    const transcoder = new Transcoder(this, 'transcoder', {
      names, accountId, region, archiveBucketArn: storage.archive.arn, outputBucketArn: storage.output.arn, kmsKeyArns: dataKeyArns,
      concurrentJobs: variables.mediaConvertConcurrentJobs.numberValue,
    });
    const table = jobs.table;
    const functionDefaults: FunctionDefaults = {
      names,
      memorySize: variables.lambdaMemoryMb.numberValue,
      timeout: variables.lambdaTimeoutSeconds.numberValue,
      logRetentionDays: variables.logRetentionDays.numberValue,
      environment: {
        JOBS_TABLE_NAME: table.name,
        WORKFLOW_NAME: names.prefix,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        // Public job views (handlers/shared/public-job.ts) carry playback URLs on this base;
        // when signing is on, only get-job (which holds the key) returns them.
        DELIVERY_BASE_URL: delivery.baseUrl,
        DELIVERY_SIGNED_PLAYBACK: `\${${SIGNING_ENABLED} ? "true" : "false"}`,
      },
    };
    const workflow = new Workflow(this, 'workflow', {
      names, env, variables, accountId, region, storage, jobs, notifications, transcoder, dataKeyArns, topicKeyArn: encryption.topicKey.arn, functionDefaults,
    });

    const kms = (sid: string, actions: string[]) => keyStatements(sid, actions, dataKeyArns);
    const profileEnv = {
      DEFAULT_PROFILE: variables.defaultProfile.stringValue,
      ALLOWED_PROFILES: Fn.join(',', variables.allowedProfiles.listValue),
    };
    const startEnv = {
      STATE_MACHINE_ARN: workflow.stateMachine.arn,
      SOURCE_BUCKET: storage.source.bucket,
      ALLOWED_EXTENSIONS: env.allowedExtensions.join(','),
      SOURCE_KEY_PREFIX: '',
      JOB_TTL_DAYS: String(env.jobTtlDays),
      ...profileEnv,
      LIMITS_TABLE_NAME: limits.limits.name,
      UPLOADS_TABLE_NAME: limits.uploads.name,
      MAX_JOBS_PER_OWNER_PER_DAY: variables.maxJobsPerOwnerPerDay.toString(),
    };
    // Who is an admin: the JWT scope, or listed IAM principals (handlers/shared/caller.ts).
    const accessEnv = {
      API_ADMIN_SCOPE: variables.apiJwtAdminScope.stringValue,
      API_ADMIN_PRINCIPALS: `\${join(",", var.api_admin_principals)}`,
    };
    const startStatements: Statement[] = [
      ...storage.readSourceStatements(),
      { Sid: 'CreateJobRecords', Action: ['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem'], Resource: table.arn },
      // The quota counter and run lock commit with the job's put (TransactWriteItems is authorised per item).
      { Sid: 'CountJobsAndLockRuns', Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], Resource: limits.limits.arn },
      { Sid: 'ConsumeUploadReservations', Action: ['dynamodb:UpdateItem'], Resource: limits.uploads.arn },
      ...workflow.startStatements(),
      ...kms('UseDataKey', ['kms:Decrypt', 'kms:GenerateDataKey']),
    ];

    const ingest = new Ingest(this, 'ingest', {
      names, sourceBucketName: storage.source.bucket, allowedExtensions: env.allowedExtensions, kmsKeyArn,
      // lambda_timeout_seconds is at most 60 (its validation), and start-workflow uses it.
      consumerTimeoutSeconds: 60,
      scaling: {
        batchSize: ingestVariables.batchSize.numberValue,
        batchingWindowSeconds: ingestVariables.batchingWindowSeconds.numberValue,
        maximumConcurrency: ingestVariables.maximumConcurrency.numberValue,
      },
    });
    const startWorkflow = newFunction(this, functionDefaults, {
      handler: 'start-workflow',
      description: 'Starts one workflow per uploaded video (ingest queue)',
      statements: [
        ...startStatements,
        ...ingest.consumerStatements(dataKeyArns),
        // Tags the extra version a re-used upload form wrote, for the expire-rejected-uploads lifecycle rule.
        { Sid: 'TagRejectedUploadVersions', Action: ['s3:PutObjectVersionTagging'], Resource: `${storage.source.arn}/${UPLOAD_PREFIX}*` },
      ],
      environment: startEnv,
    });
    ingest.connect(startWorkflow);

    const createJob = newFunction(this, functionDefaults, {
      handler: 'create-job',
      description: 'POST /jobs: starts the workflow for a key under the caller\'s upload prefix (admins: any key)',
      statements: startStatements,
      environment: { ...startEnv, ...accessEnv },
    });
    const getJob = newFunction(this, functionDefaults, {
      handler: 'get-job',
      description: 'GET /jobs/{jobId}',
      statements: [{ Sid: 'ReadJobRecord', Action: ['dynamodb:GetItem'], Resource: table.arn }, ...kms('DecryptJobRecord', ['kms:Decrypt'])],
      environment: {
        ...accessEnv,
        DELIVERY_KEY_PAIR_ID: delivery.keyPairId,
        DELIVERY_SIGNING_PRIVATE_KEY_ARN: variables.delivery.signingPrivateKeyArn.stringValue,
        DELIVERY_URL_TTL_SECONDS: variables.delivery.urlTtlSeconds.toString(),
      },
    });
    // Only get-job reads the signing key, and only when signed playback is configured. Both
    // actions on the one ARN: the ARN's service decides which applies (the key is a Secrets
    // Manager secret or an SSM SecureString); under the AWS-managed key of either service the
    // key policy already allows decryption through that service for this account's principals.
    address(
      new IamRolePolicy(this, 'get-job-signing-key', {
        count: Token.asNumber(`\${${SIGNING_ENABLED} ? 1 : 0}`),
        name: 'read-playback-signing-key',
        role: getJob.role.id,
        policy: policyDocument([
          {
            Sid: 'ReadPlaybackSigningKey',
            Action: ['secretsmanager:GetSecretValue', 'ssm:GetParameter'],
            Resource: variables.delivery.signingPrivateKeyArn.stringValue,
          },
        ]),
      }),
      'get_job_signing_key',
    );
    const listJobs = newFunction(this, functionDefaults, {
      handler: 'list-jobs',
      description: 'GET /jobs: the caller\'s jobs (owner index); admins every owner\'s (status index)',
      statements: [
        {
          Sid: 'QueryOwnerAndStatusIndexes',
          Action: ['dynamodb:Query'],
          Resource: [`${table.arn}/index/${OWNER_INDEX}`, `${table.arn}/index/${STATUS_INDEX}`],
        },
        ...kms('DecryptJobRecord', ['kms:Decrypt']),
      ],
      environment: accessEnv,
    });
    const createUpload = newFunction(this, functionDefaults, {
      handler: 'create-upload',
      description: 'POST /uploads: an upload reservation and a presigned POST for its key',
      statements: [
        // The presigned POST is signed with this role: it can only ever write under uploads/.
        { Sid: 'SignUploads', Action: ['s3:PutObject'], Resource: `${storage.source.arn}/${UPLOAD_PREFIX}*` },
        { Sid: 'WriteUploadReservations', Action: ['dynamodb:PutItem'], Resource: limits.uploads.arn },
        // Objects and reservation items are encrypted with the data key in prod.
        ...kms('EncryptUploadsAndReservations', ['kms:GenerateDataKey', 'kms:Decrypt']),
      ],
      environment: {
        ...accessEnv,
        SOURCE_BUCKET: storage.source.bucket,
        UPLOADS_TABLE_NAME: limits.uploads.name,
        MAX_UPLOAD_BYTES: variables.maxUploadBytes.toString(),
        ALLOWED_EXTENSIONS: env.allowedExtensions.join(','),
        UPLOAD_URL_EXPIRES_SECONDS: variables.uploadUrlExpiresSeconds.toString(),
        ...profileEnv,
      },
    });

    const api = new Api(this, 'api', {
      names,
      variables,
      routes: [
        { routeKey: 'POST /jobs', handler: createJob, access: 'write' },
        { routeKey: 'GET /jobs/{jobId}', handler: getJob, access: 'read' },
        { routeKey: 'GET /jobs', handler: listJobs, access: 'read' },
        { routeKey: 'POST /uploads', handler: createUpload, access: 'write' },
      ],
    });

    const functions = { ...workflow.functions, 'start-workflow': startWorkflow, 'create-job': createJob, 'get-job': getJob, 'list-jobs': listJobs, 'create-upload': createUpload };
    const monitoring = new Monitoring(this, 'monitoring', {
      names, env, region, accountId,
      topicArn: notifications.topic.arn,
      stateMachineArn: workflow.stateMachine.arn,
      functions,
      ingestQueueName: ingest.queue.name,
      deadLetterQueueNames: [ingest.deadLetterQueue.name, workflow.eventsDeadLetterQueue.name],
      mediaConvertQueueArn: transcoder.queue.arn,
      apiId: api.api.id,
      tableName: table.name,
      delivery: { distributionId: delivery.distribution.id, usEast1, additionalMetrics: env.enableDeliveryAdditionalMetrics },
      spendThresholds: {
        executionsStartedPerHour: variables.maxExecutionsStartedPerHour.numberValue,
        transcodingMinutesPerHour: variables.maxTranscodingMinutesPerHour.numberValue,
      },
    });
    new MediaConvertBudget(this, 'budget', { names, accountId, environment: env.name, topicArn: notifications.topic.arn });
    notifications.restrictPublishers(`arn:aws:cloudwatch:${region}:${accountId}:alarm:${names.prefix}-*`, budgetArnPattern(names, accountId));

    const output = (id: string, value: string, description: string) => new TerraformOutput(this, id, { value, description });
    output('source_bucket_name', storage.source.bucket, 'Upload videos here (or use POST /uploads); each upload starts a job.');
    output('output_bucket_name', storage.output.bucket, 'Transcoded MP4, HLS and thumbnails, under <jobId>/.');
    output('archive_bucket_name', storage.archive.bucket, 'Archived source videos.');
    output('jobs_table_name', table.name, 'DynamoDB table of job records (key jobId, indexes status-createdAt and owner-createdAt).');
    output('uploads_table_name', limits.uploads.name, 'DynamoDB table of upload reservations (key = object key).');
    output('limits_table_name', limits.limits.name, 'DynamoDB table of per-owner daily job counters and per-version run locks.');
    output('notification_topic_arn', notifications.topic.arn, 'SNS topic for job notifications and alarms.');
    output('ingest_queue_url', ingest.queue.url, 'SQS queue between S3 events and start-workflow.');
    output('ingest_dlq_url', ingest.deadLetterQueue.url, 'Dead-letter queue of ingest messages start-workflow could not process.');
    output('events_dlq_url', workflow.eventsDeadLetterQueue.url, 'Dead-letter queue of MediaConvert state events that could not be delivered or processed.');
    output('state_machine_arn', workflow.stateMachine.arn, 'ARN of the video workflow state machine (STANDARD).');
    output('mediaconvert_queue_arn', transcoder.queue.arn, 'ARN of this environment\'s MediaConvert queue.');
    output('api_endpoint', api.endpoint, 'Base URL of the job API (SigV4-signed unless a JWT authorizer is configured).');
    output('dashboard_url', monitoring.dashboardUrl, 'CloudWatch dashboard of this environment.');
    output('delivery_domain_name', delivery.distribution.domainName, 'CloudFront domain of the playback distribution (*.cloudfront.net); point delivery_domain_names here.');
    output('delivery_distribution_id', delivery.distribution.id, 'Id of the playback distribution (invalidations, metrics).');
  }
}
