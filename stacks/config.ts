/**
 * Synth-time environment configuration: what exists and how strict it is. Values an operator
 * changes per deployment without a code change are TerraformVariables (stacks/variables.ts);
 * the numbers here only seed their defaults.
 */
export type EnvironmentName = 'dev' | 'staging' | 'prod';
export const ENVIRONMENT_NAMES: readonly EnvironmentName[] = ['dev', 'staging', 'prod'];

export interface AlarmThresholds {
  /** Age of the oldest ingest message (seconds) before the queue-age alarm fires. */
  readonly ingestQueueMaxAgeSeconds: number;
  /** Lambda Errors (sum over 5 minutes) per function before its alarm fires. */
  readonly lambdaErrorsPerFiveMinutes: number;
  /** API Gateway 5xx rate (percent of requests over 5 minutes). */
  readonly api5xxRatePercent: number;
}

export interface EnvironmentConfig {
  readonly name: EnvironmentName;
  /** dev keeps state in a local file; staging/prod in the S3 state bucket. */
  readonly backend: 'local' | 's3';
  /** Customer-managed KMS key for buckets, table, topic and queues (else AWS-managed keys). */
  readonly enableCustomerManagedKey: boolean;
  /** Deletion protection on the table. */
  readonly enableDeletionProtection: boolean;
  /** force_destroy on buckets (`cdktf destroy` deletes their objects): dev only. */
  readonly enableForceDestroy: boolean;
  /** Default for the log_retention_days variable. */
  readonly defaultLogRetentionDays: number;
  /** Default for output_transition_ia_days / output_expiration_days (0 = never expire). */
  readonly defaultOutputTransitionDays: number;
  readonly defaultOutputExpirationDays: number;
  /** Days before archived sources move to Glacier Deep Archive. */
  readonly archiveDeepArchiveDays: number;
  /** Noncurrent object versions are kept this many days. */
  readonly noncurrentVersionDays: number;
  /** Job records expire (DynamoDB TTL) after this many days. */
  readonly jobTtlDays: number;
  /** Default of max_jobs_per_owner_per_day: jobs one owner (or `system`) may start per UTC day. */
  readonly defaultMaxJobsPerOwnerPerDay: number;
  /** Step Functions log level: ALL in dev (execution data included), ERROR elsewhere. */
  readonly stateMachineLogLevel: 'ALL' | 'ERROR';
  readonly includeExecutionDataInLogs: boolean;
  readonly alarms: AlarmThresholds;
  /** Source extensions the ingest rule and the handlers accept (lowercase, no dot). */
  readonly allowedExtensions: readonly string[];
  /** Storage class for archived sources. */
  readonly archiveStorageClass: 'GLACIER_IR' | 'STANDARD_IA' | 'DEEP_ARCHIVE';
  /** Upper bound for one MediaConvert job (Transcode task timeout). */
  readonly transcodeTimeoutSeconds: number;
  /** Spend guardrails: defaults of the variables of the same names (stacks/variables.ts). */
  readonly spend: SpendDefaults;
}

/** Defaults of the spend-limit variables; an operator overrides them per deployment in tfvars. */
export interface SpendDefaults {
  /** mediaconvert_concurrent_jobs: jobs the environment's queue runs at once (the rest wait in the queue). */
  readonly mediaConvertConcurrentJobs: number;
  /** max_source_duration_seconds: longest source plan-transcode accepts; below transcodeTimeoutSeconds. */
  readonly maxSourceDurationSeconds: number;
  /** mediaconvert_monthly_budget_usd: AWS Budgets limit on this environment's MediaConvert cost. */
  readonly mediaConvertMonthlyBudgetUsd: number;
  /** max_executions_started_per_hour: alarm threshold on AWS/States ExecutionsStarted (1 h sum). */
  readonly executionsStartedPerHour: number;
  /** max_transcoding_minutes_per_hour: alarm threshold on AWS/MediaConvert TranscodingTime (1 h sum, minutes). */
  readonly transcodingMinutesPerHour: number;
}

const VIDEO_EXTENSIONS = ['mp4', 'mov', 'm4v', 'mkv', 'webm', 'avi', 'mxf', 'mpg', 'mpeg', 'ts'] as const;

export const ENVIRONMENTS: Readonly<Record<EnvironmentName, EnvironmentConfig>> = {
  dev: {
    name: 'dev',
    enableForceDestroy: true,
    backend: 'local',
    enableCustomerManagedKey: false,
    enableDeletionProtection: false,
    defaultLogRetentionDays: 7,
    defaultOutputTransitionDays: 30,
    defaultOutputExpirationDays: 90,
    archiveDeepArchiveDays: 90,
    noncurrentVersionDays: 7,
    jobTtlDays: 30,
    defaultMaxJobsPerOwnerPerDay: 100,
    stateMachineLogLevel: 'ALL',
    includeExecutionDataInLogs: true,
    alarms: { ingestQueueMaxAgeSeconds: 900, lambdaErrorsPerFiveMinutes: 5, api5xxRatePercent: 10 },
    allowedExtensions: VIDEO_EXTENSIONS,
    archiveStorageClass: 'STANDARD_IA',
    transcodeTimeoutSeconds: 2 * 3600,
    spend: { mediaConvertConcurrentJobs: 2, maxSourceDurationSeconds: 3600, mediaConvertMonthlyBudgetUsd: 50, executionsStartedPerHour: 60, transcodingMinutesPerHour: 120 },
  },
  staging: {
    name: 'staging',
    enableForceDestroy: false,
    backend: 's3',
    enableCustomerManagedKey: false,
    enableDeletionProtection: false,
    defaultLogRetentionDays: 30,
    defaultOutputTransitionDays: 30,
    defaultOutputExpirationDays: 180,
    archiveDeepArchiveDays: 180,
    noncurrentVersionDays: 30,
    jobTtlDays: 90,
    defaultMaxJobsPerOwnerPerDay: 500,
    stateMachineLogLevel: 'ERROR',
    includeExecutionDataInLogs: false,
    alarms: { ingestQueueMaxAgeSeconds: 600, lambdaErrorsPerFiveMinutes: 3, api5xxRatePercent: 5 },
    allowedExtensions: VIDEO_EXTENSIONS,
    archiveStorageClass: 'GLACIER_IR',
    transcodeTimeoutSeconds: 4 * 3600,
    spend: { mediaConvertConcurrentJobs: 5, maxSourceDurationSeconds: 2 * 3600, mediaConvertMonthlyBudgetUsd: 200, executionsStartedPerHour: 200, transcodingMinutesPerHour: 600 },
  },
  prod: {
    name: 'prod',
    enableForceDestroy: false,
    backend: 's3',
    enableCustomerManagedKey: true,
    enableDeletionProtection: true,
    defaultLogRetentionDays: 90,
    defaultOutputTransitionDays: 60,
    defaultOutputExpirationDays: 0,
    archiveDeepArchiveDays: 365,
    noncurrentVersionDays: 90,
    jobTtlDays: 365,
    defaultMaxJobsPerOwnerPerDay: 2000,
    stateMachineLogLevel: 'ERROR',
    includeExecutionDataInLogs: false,
    alarms: { ingestQueueMaxAgeSeconds: 300, lambdaErrorsPerFiveMinutes: 1, api5xxRatePercent: 1 },
    allowedExtensions: VIDEO_EXTENSIONS,
    archiveStorageClass: 'GLACIER_IR',
    transcodeTimeoutSeconds: 6 * 3600,
    spend: { mediaConvertConcurrentJobs: 20, maxSourceDurationSeconds: 4 * 3600, mediaConvertMonthlyBudgetUsd: 2000, executionsStartedPerHour: 1000, transcodingMinutesPerHour: 6000 },
  },
};

/** Longest an execution may run beyond its transcode: an hour for the other steps. */
export const EXTRA_WORKFLOW_SECONDS = 3600;

/** The execution timeout (ASL TimeoutSeconds) of an environment. */
export function workflowTimeoutSeconds(env: Pick<EnvironmentConfig, 'transcodeTimeoutSeconds'>): number {
  return env.transcodeTimeoutSeconds + EXTRA_WORKFLOW_SECONDS;
}

/** Looks an environment up by name; an unknown name fails synth with the allowed values. */
export function environmentConfig(name: string): EnvironmentConfig {
  if (!(ENVIRONMENT_NAMES as readonly string[]).includes(name)) {
    throw new Error(`Unknown environment "${name}": allowed values are ${ENVIRONMENT_NAMES.join(', ')}`);
  }
  return ENVIRONMENTS[name as EnvironmentName];
}

/** CloudWatch Logs accepts only these retention periods (PutRetentionPolicy). */
export const CLOUDWATCH_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;
