import { Construct } from 'constructs';
import { CloudwatchEventRule } from '@cdktf/provider-aws/lib/cloudwatch-event-rule';
import { CloudwatchEventTarget } from '@cdktf/provider-aws/lib/cloudwatch-event-target';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { LambdaFunctionEventInvokeConfig } from '@cdktf/provider-aws/lib/lambda-function-event-invoke-config';
import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission';
import { SfnStateMachine } from '@cdktf/provider-aws/lib/sfn-state-machine';
import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';
import { SqsQueuePolicy } from '@cdktf/provider-aws/lib/sqs-queue-policy';
import { renderWorkflowDefinition, WorkflowSubstitutions } from '../asl/definition';
import { bundleAssets as extractMetadataAssets } from '../handlers/extract-metadata/assets';
import { EnvironmentConfig, workflowTimeoutSeconds } from './config';
import { queueEncryption } from './ingest';
import { JobsTable } from './jobs-table';
import { assumeRolePolicy, keyStatements, policyDocument, Statement } from './lib/iam';
import { address, Names } from './lib/naming';
import { FunctionDefaults, newFunction, NodejsFunction, NodejsFunctionProps } from './lib/nodejs-function';
import { Notifications } from './notifications';
import { Storage } from './storage';
import { Transcoder } from './transcoder';
import { StackVariables } from './variables';

export interface WorkflowProps {
  readonly names: Names;
  readonly env: EnvironmentConfig;
  readonly variables: StackVariables;
  readonly accountId: string;
  readonly region: string;
  readonly storage: Storage;
  readonly jobs: JobsTable;
  readonly notifications: Notifications;
  readonly transcoder: Transcoder;
  /** Customer-managed key ARNs for S3/table/queue data (prod). */
  readonly dataKeyArns: readonly string[];
  /** Key of the notification topic (publishers need kms:GenerateDataKey on it). */
  readonly topicKeyArn: string;
  /** Naming, memory, timeout, retention and environment shared by every function of the stack. */
  readonly functionDefaults: FunctionDefaults;
}

/**
 * The STANDARD state machine (asl/video-workflow.asl.json) and the functions it calls, its
 * role (derived from the same substitution map as the definition), logging and tracing, and
 * the MediaConvert "Job State Change" rule that feeds job-progress.
 */
export class Workflow extends Construct {
  readonly stateMachine: SfnStateMachine;
  readonly functions: Record<string, NodejsFunction> = {};
  readonly jobProgress: NodejsFunction;
  readonly eventsDeadLetterQueue: SqsQueue;
  readonly logGroup: CloudwatchLogGroup;

  constructor(scope: Construct, id: string, props: WorkflowProps) {
    super(scope, id);
    const { names, variables, storage, jobs, notifications, transcoder } = props;
    const table = jobs.table;
    const kmsStatements = (sid: string, actions: string[]) => keyStatements(sid, actions, props.dataKeyArns);
    const fn = (handler: string, description: string, statements: Statement[], extra: Partial<NodejsFunctionProps> = {}) => {
      const f = newFunction(this, props.functionDefaults, { handler, description, statements, ...extra });
      this.functions[handler] = f;
      return f;
    };
    // Downstream events (handlers/shared/job-events.ts): PutEvents on the default bus, and only
    // with this environment's source, so a function cannot impersonate another producer.
    // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-conditions.html (events:source)
    const eventSource = jobEventSource(props.env);
    const putJobEvents: Statement = {
      Sid: 'PutJobEvents',
      Action: ['events:PutEvents'],
      Resource: `arn:aws:events:${props.region}:${props.accountId}:event-bus/default`,
      Condition: { StringEquals: { 'events:source': eventSource } },
    };
    const updateJob: Statement = {
      Sid: 'UpdateJobRecord',
      Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
      Resource: table.arn,
    };

    const extractMetadata = fn('extract-metadata', 'Probes the source with mediainfo over S3 range reads', [...storage.readSourceStatements(), ...kmsStatements('DecryptSource', ['kms:Decrypt'])], {
      memorySize: variables.metadataLambdaMemoryMb.numberValue,
      timeout: 300,
      assets: extractMetadataAssets,
    });
    const planTranscode = fn('plan-transcode', 'Builds MediaConvert job settings from the job profile (ladder capped at the source)', [], {
      environment: {
        OUTPUT_BUCKET: storage.output.bucket,
        PINNED_SOURCE_BUCKET: storage.archive.bucket,
        // Spend guardrail: longer sources fail (UnsupportedMedia, too-long) before any MediaConvert call.
        MAX_DURATION_SECONDS: variables.maxSourceDurationSeconds.toString(),
      },
    });
    // The transcode input is a job-scoped copy of the probed version (handlers/shared/pinned-source.ts).
    const pinSource = fn('pin-source', 'Copies the probed source version to the job-scoped key the transcode reads', [
      ...storage.readSourceStatements(),
      { Sid: 'WritePinnedCopy', Action: ['s3:PutObject', 's3:PutObjectTagging', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'], Resource: storage.pinnedSourceObjects },
      ...kmsStatements('UseDataKey', ['kms:Decrypt', 'kms:GenerateDataKey']),
    ], {
      timeout: 900,
      environment: { PINNED_SOURCE_BUCKET: storage.archive.bucket },
    });
    const qualityControl = fn('quality-control', 'Checks the MediaConvert outputs before publishing', [
      { Sid: 'ReadOutputs', Action: ['s3:GetObject'], Resource: `${storage.output.arn}/*` },
      { Sid: 'ListOutputs', Action: ['s3:ListBucket'], Resource: storage.output.arn },
      // HeadObject of the pinned transcode input (QC check input-pinned).
      { Sid: 'ReadPinnedInput', Action: ['s3:GetObject'], Resource: storage.pinnedSourceObjects },
      ...kmsStatements('DecryptOutputs', ['kms:Decrypt']),
    ], { environment: { OUTPUT_BUCKET: storage.output.bucket } });
    const publish = fn('publish', 'Marks the job COMPLETED, puts the completion event and sends the success notification', [
      updateJob,
      putJobEvents,
      { Sid: 'NotifyCompletion', Action: ['sns:Publish'], Resource: notifications.topic.arn },
      { Sid: 'EncryptNotification', Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Resource: props.topicKeyArn },
      ...kmsStatements('EncryptJobRecord', ['kms:Decrypt', 'kms:GenerateDataKey']),
    ], { environment: { TOPIC_ARN: notifications.topic.arn, OUTPUT_BUCKET: storage.output.bucket, EVENT_SOURCE: eventSource } });
    const archiveSource = fn('archive-source', 'Copies the source version to the archive bucket', [
      ...storage.readSourceStatements(),
      { Sid: 'ReadSourceTags', Action: ['s3:GetObjectTagging', 's3:GetObjectVersionTagging'], Resource: `${storage.source.arn}/*` },
      {
        Sid: 'WriteArchive',
        Action: ['s3:GetObject', 's3:GetObjectTagging', 's3:PutObject', 's3:PutObjectTagging', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
        Resource: `${storage.archive.arn}/*`,
      },
      // HeadObject on a not-yet-archived key must answer 404 (not 403) for the idempotency check.
      { Sid: 'ListArchiveFor404', Action: ['s3:ListBucket'], Resource: storage.archive.arn },
      ...kmsStatements('UseDataKey', ['kms:Decrypt', 'kms:GenerateDataKey']),
    ], {
      timeout: 900,
      environment: { ARCHIVE_BUCKET: storage.archive.bucket, ARCHIVE_STORAGE_CLASS: props.env.archiveStorageClass },
    });
    const recordFailure = fn('record-failure', 'Records a failed job (normalised error name and cause) and puts the failure event', [
      updateJob,
      putJobEvents,
      ...kmsStatements('EncryptJobRecord', ['kms:Decrypt', 'kms:GenerateDataKey']),
    ], { environment: { EVENT_SOURCE: eventSource } });

    this.logGroup = address(
      new CloudwatchLogGroup(this, 'logs', {
        // The vendedlogs prefix keeps Step Functions' log resource policy small.
        name: `/aws/vendedlogs/states/${names.of('workflow')}`,
        retentionInDays: variables.logRetentionDays.numberValue,
      }),
      'workflow',
    );

    const s: WorkflowSubstitutions = {
      JobsTableName: table.name,
      ExtractMetadataFunctionArn: extractMetadata.arn,
      PlanTranscodeFunctionArn: planTranscode.arn,
      QualityControlFunctionArn: qualityControl.arn,
      PublishFunctionArn: publish.arn,
      ArchiveSourceFunctionArn: archiveSource.arn,
      PinSourceFunctionArn: pinSource.arn,
      RecordFailureFunctionArn: recordFailure.arn,
      MediaConvertQueueArn: transcoder.queue.arn,
      MediaConvertRoleArn: transcoder.role.arn,
      NotificationTopicArn: notifications.topic.arn,
      WorkflowName: names.prefix,
      TranscodeTimeoutSeconds: props.env.transcodeTimeoutSeconds,
      WorkflowTimeoutSeconds: workflowTimeoutSeconds(props.env),
    };
    const lambdaArns = [s.ExtractMetadataFunctionArn, s.PlanTranscodeFunctionArn, s.QualityControlFunctionArn, s.PublishFunctionArn, s.ArchiveSourceFunctionArn, s.PinSourceFunctionArn, s.RecordFailureFunctionArn];

    const role = address(
      new IamRole(this, 'role', {
        name: names.of('workflow'),
        description: 'Assumed by the video workflow state machine',
        // Only this environment's state machine may assume the role (confused-deputy guard:
        // https://docs.aws.amazon.com/step-functions/latest/dg/procedure-create-iam-role.html
        // "Prevent cross-service confused deputy"). Built from the name: the machine needs the role first.
        assumeRolePolicy: assumeRolePolicy('states.amazonaws.com', {
          StringEquals: { 'aws:SourceAccount': props.accountId },
          ArnLike: { 'aws:SourceArn': `arn:aws:states:${props.region}:${props.accountId}:stateMachine:${names.of('workflow')}` },
        }),
      }),
      'workflow',
    );
    const machineStatements: Statement[] = [
      { Sid: 'InvokeWorkflowFunctions', Action: ['lambda:InvokeFunction'], Resource: lambdaArns },
      { Sid: 'RecordStartAndWarnings', Action: ['dynamodb:UpdateItem'], Resource: table.arn },
      { Sid: 'NotifyFailure', Action: ['sns:Publish'], Resource: s.NotificationTopicArn },
      { Sid: 'EncryptNotification', Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Resource: props.topicKeyArn },
      ...kmsStatements('EncryptJobRecord', ['kms:Decrypt', 'kms:GenerateDataKey']),
      ...transcodeJobStatements(),
      // createJob.sync then polls/cancels the job it created.
      {
        // Job ARNs are arn:aws:mediaconvert:<region>:<account>:jobs/<random id>: nothing in them
        // names the queue or environment, and the IAM reference lists no queue condition key for
        // GetJob/CancelJob (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awselementalmediaconvert.html).
        // What limits them instead: only this environment's state machine can assume this role
        // (trust policy above), and the definition calls them only through createJob.sync, on
        // the job that CreateJob just made on this environment's queue; no state takes a
        // MediaConvert job id from its input (__tests__/security/iam.test.ts).
        Sid: 'FollowTranscodeJobs',
        Action: ['mediaconvert:GetJob', 'mediaconvert:CancelJob'],
        Resource: `arn:aws:mediaconvert:${props.region}:${props.accountId}:jobs/*`,
      },
      {
        Sid: 'PassMediaConvertRole',
        Action: ['iam:PassRole'],
        Resource: s.MediaConvertRoleArn,
        Condition: { StringEquals: { 'iam:PassedToService': 'mediaconvert.amazonaws.com' } },
      },
      {
        // The managed rule Step Functions creates to learn when a .sync MediaConvert job ends.
        Sid: 'SyncIntegrationRule',
        Action: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
        Resource: `arn:aws:events:${props.region}:${props.accountId}:rule/StepFunctionsGetEventsForMediaConvertJobRule`,
      },
      {
        // Log delivery and X-Ray APIs support no resource-level permissions.
        Sid: 'DeliverLogs',
        Action: [
          'logs:CreateLogDelivery', 'logs:GetLogDelivery', 'logs:UpdateLogDelivery', 'logs:DeleteLogDelivery',
          'logs:ListLogDeliveries', 'logs:PutResourcePolicy', 'logs:DescribeResourcePolicies', 'logs:DescribeLogGroups',
        ],
        Resource: '*',
      },
      {
        Sid: 'WriteTraces',
        Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'xray:GetSamplingRules', 'xray:GetSamplingTargets'],
        Resource: '*',
      },
    ];
    const rolePolicy = address(
      new IamRolePolicy(this, 'policy', { name: 'least-privilege', role: role.id, policy: policyDocument(machineStatements) }),
      'workflow',
    );

    this.stateMachine = address(
      new SfnStateMachine(this, 'state-machine', {
        name: names.of('workflow'),
        // STANDARD: MediaConvert jobs outlive Express's 5 minutes, and .sync needs Standard.
        type: 'STANDARD',
        roleArn: role.arn,
        definition: JSON.stringify(renderWorkflowDefinition(s), null, 2),
        loggingConfiguration: {
          level: props.env.stateMachineLogLevel,
          includeExecutionData: props.env.includeExecutionDataInLogs,
          logDestination: `${this.logGroup.arn}:*`,
        },
        tracingConfiguration: { enabled: true },
        dependsOn: [rolePolicy],
      }),
      'workflow',
    );

    // Events EventBridge or Lambda's async retries cannot deliver end here, not nowhere.
    this.eventsDeadLetterQueue = address(
      new SqsQueue(this, 'events-dlq', {
        name: names.of('events-dlq'),
        messageRetentionSeconds: 14 * 24 * 3600,
        ...queueEncryption(props.dataKeyArns[0]),
      }),
      'events_dlq',
    );

    this.jobProgress = fn('job-progress', 'Records MediaConvert progress and errors, and executions that ended outside the failure path', [
      updateJob,
      { Sid: 'DeadLetterFailedEvents', Action: ['sqs:SendMessage'], Resource: this.eventsDeadLetterQueue.arn },
      // An execution status event is believed only once Step Functions confirms it (execution-status.ts).
      { Sid: 'VerifyExecutionEvents', Action: ['states:DescribeExecution'], Resource: `arn:aws:states:${props.region}:${props.accountId}:execution:${names.of('workflow')}:*` },
      { Sid: 'NotifyFailure', Action: ['sns:Publish'], Resource: notifications.topic.arn },
      { Sid: 'EncryptNotification', Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Resource: props.topicKeyArn },
      putJobEvents,
      ...kmsStatements('EncryptJobRecord', ['kms:Decrypt', 'kms:GenerateDataKey']),
    ], { environment: { STATE_MACHINE_ARN: this.stateMachine.arn, TOPIC_ARN: notifications.topic.arn, EVENT_SOURCE: eventSource } });
    const progressRule = this.routeEventsToJobProgress('progress', {
      address: 'mediaconvert_state',
      permissionAddress: 'job_progress_events',
      statementId: 'MediaConvertStateRule',
      name: names.of('mediaconvert-state'),
      description: 'MediaConvert progress and errors of this environment\'s queue',
      pattern: {
        source: ['aws.mediaconvert'],
        'detail-type': ['MediaConvert Job State Change'],
        detail: { status: ['STATUS_UPDATE', 'ERROR'], queue: [transcoder.queue.arn] },
      },
      // Progress is stale after an hour; the final status comes from the state machine.
      maximumEventAgeInSeconds: 3600,
      maximumRetryAttempts: 20,
    });
    // A timed-out or aborted execution never reaches RecordFailure: without this rule its job
    // would stay PROCESSING. FAILED is included for errors the ASL cannot catch (States.Runtime);
    // a job the failure path already recorded is left as it is.
    const executionRule = this.routeEventsToJobProgress('execution', {
      address: 'execution_ended',
      permissionAddress: 'job_progress_execution_events',
      statementId: 'ExecutionEndedRule',
      name: names.of('execution-ended'),
      description: 'Workflow executions that failed, timed out or were aborted',
      pattern: {
        source: ['aws.states'],
        'detail-type': ['Step Functions Execution Status Change'],
        detail: { status: ['FAILED', 'TIMED_OUT', 'ABORTED'], stateMachineArn: [this.stateMachine.arn] },
      },
      maximumEventAgeInSeconds: 24 * 3600,
      maximumRetryAttempts: 185,
    });
    address(
      new LambdaFunctionEventInvokeConfig(this, 'progress-async', {
        functionName: this.jobProgress.function.functionName,
        maximumRetryAttempts: 2,
        maximumEventAgeInSeconds: 3600,
        destinationConfig: { onFailure: { destination: this.eventsDeadLetterQueue.arn } },
      }),
      'job_progress',
    );
    address(
      new SqsQueuePolicy(this, 'events-dlq-policy', {
        queueUrl: this.eventsDeadLetterQueue.url,
        policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'UndeliverableProgressEvents',
              Effect: 'Allow',
              Principal: { Service: 'events.amazonaws.com' },
              Action: 'sqs:SendMessage',
              Resource: this.eventsDeadLetterQueue.arn,
              Condition: { ArnEquals: { 'aws:SourceArn': [progressRule.arn, executionRule.arn] } },
            },
            {
              Sid: 'DenyInsecureTransport',
              Effect: 'Deny',
              Principal: '*',
              Action: 'sqs:*',
              Resource: this.eventsDeadLetterQueue.arn,
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            },
          ],
        }),
      }),
      'events_dlq',
    );
  }

  /**
   * An EventBridge rule whose events go to job-progress, with delivery retries, the events DLQ
   * for what cannot be delivered, and an invoke permission scoped to the rule.
   */
  private routeEventsToJobProgress(
    id: string,
    rule: {
      address: string;
      permissionAddress: string;
      statementId: string;
      name: string;
      description: string;
      pattern: Record<string, unknown>;
      maximumEventAgeInSeconds: number;
      maximumRetryAttempts: number;
    },
  ): CloudwatchEventRule {
    const eventRule = address(
      new CloudwatchEventRule(this, `${id}-rule`, { name: rule.name, description: rule.description, eventPattern: JSON.stringify(rule.pattern) }),
      rule.address,
    );
    address(
      new CloudwatchEventTarget(this, `${id}-target`, {
        rule: eventRule.name,
        arn: this.jobProgress.arn,
        deadLetterConfig: { arn: this.eventsDeadLetterQueue.arn },
        retryPolicy: { maximumEventAgeInSeconds: rule.maximumEventAgeInSeconds, maximumRetryAttempts: rule.maximumRetryAttempts },
      }),
      rule.address,
    );
    address(
      new LambdaPermission(this, `${id}-permission`, {
        statementId: rule.statementId,
        action: 'lambda:InvokeFunction',
        functionName: this.jobProgress.function.functionName,
        principal: 'events.amazonaws.com',
        sourceArn: eventRule.arn,
      }),
      rule.permissionAddress,
    );
    return eventRule;
  }

  /** What a principal needs to start executions of this state machine (and nothing else). */
  startStatements(): Statement[] {
    return [{ Sid: 'StartWorkflow', Action: ['states:StartExecution'], Resource: this.stateMachine.arn }];
  }
}

/** The `source` of this environment's job events: `video-workflow.<env>` (docs/api.md, Downstream events). */
export function jobEventSource(env: Pick<EnvironmentConfig, 'name'>): string {
  return `video-workflow.${env.name}`;
}

/**
 * What `mediaconvert:createJob.sync` needs to create a job (issue #20, point 1; SECURITY.md,
 * "MediaConvert CreateJob").
 *
 * CreateJob: Resource "*". The sources disagree on whether a queue ARN is enough:
 * - "Actions, resources, and condition keys for AWS Elemental MediaConvert" (Service
 *   Authorization Reference, https://docs.aws.amazon.com/service-authorization/latest/reference/list_awselementalmediaconvert.html)
 *   lists Queue, Preset and JobTemplate as CreateJob resource types, none of them required;
 * - "IAM policies for AWS Elemental MediaConvert" in the Step Functions guide
 *   (https://docs.aws.amazon.com/step-functions/latest/dg/mediaconvert-iam.html) says "Because
 *   MediaConvert provides partial support for resource-level access control, you must use
 *   "Resource": "*"", and AWS CDK's MediaConvertCreateJob task grants CreateJob on "*".
 * A queue-only grant fails every Transcode with AccessDenied if MediaConvert authorizes against
 * anything else (a system preset, "*"), so we grant what AWS's own guide grants. IAM offers no
 * condition key that names the queue (CreateJob's keys are aws:RequestTag, aws:TagKeys and
 * mediaconvert:Http(s)/S3InputsAllowed), so the queue is pinned by the definition instead: the
 * Transcode Task's Queue is a fixed ARN (tests check it), and only this state machine assumes
 * the role. iam:PassRole stays pinned to this stack's MediaConvert role.
 *
 * TagResource: Step Functions adds `ManagedByService: AWSStepFunctions` to every MediaConvert
 * job it creates ("Create an AWS Elemental MediaConvert job with Step Functions",
 * https://docs.aws.amazon.com/step-functions/latest/dg/connect-mediaconvert.html), and the
 * Service Authorization Reference maps the CreateJob operation to mediaconvert:TagResource as
 * well. Which resource that check names (the new job, "*") is not documented, so "*", limited by
 * condition to exactly that tag: no other key, no other value.
 */
export function transcodeJobStatements(): Statement[] {
  return [
    { Sid: 'CreateTranscodeJobs', Action: ['mediaconvert:CreateJob'], Resource: '*' },
    {
      Sid: 'TagTranscodeJobsForStepFunctions',
      Action: ['mediaconvert:TagResource'],
      Resource: '*',
      Condition: {
        'ForAllValues:StringEquals': { 'aws:TagKeys': ['ManagedByService'] },
        StringEqualsIfExists: { 'aws:RequestTag/ManagedByService': 'AWSStepFunctions' },
      },
    },
  ];
}
