import { TerraformVariable } from 'cdktf';
import { Construct } from 'constructs';
import { DEFAULT_PROFILE, PROFILE_NAMES } from '../handlers/plan-transcode/profiles';
import { CLOUDWATCH_RETENTION_DAYS, EnvironmentConfig } from './config';
import { tagsVariable } from './lib/terraform-settings';
import { IngestVariables } from './ingest-variables';

/**
 * Values an operator sets per deployment (tfvars), declared at stack level so their names in
 * tfvars are stable: `notification_email`, not `workflow_notification_email_1A2B`.
 * Every one is listed in terraform.tfvars.example.
 */
export class StackVariables {
  readonly awsRegion: TerraformVariable;
  /** Extra tags merged into the provider's default_tags (stacks/lib/terraform-settings.ts). */
  readonly tags: TerraformVariable;
  readonly notificationEmail: TerraformVariable;
  readonly lambdaMemoryMb: TerraformVariable;
  readonly metadataLambdaMemoryMb: TerraformVariable;
  readonly lambdaTimeoutSeconds: TerraformVariable;
  readonly logRetentionDays: TerraformVariable;
  readonly outputTransitionIaDays: TerraformVariable;
  readonly outputExpirationDays: TerraformVariable;
  readonly apiJwtIssuer: TerraformVariable;
  readonly apiJwtAudience: TerraformVariable;
  readonly apiThrottleBurstLimit: TerraformVariable;
  readonly apiThrottleRateLimit: TerraformVariable;
  readonly corsAllowedOrigins: TerraformVariable;
  readonly maxUploadBytes: TerraformVariable;
  /** Ingest queue draining (stacks/ingest-variables.ts). */
  readonly ingest: IngestVariables;
  readonly apiJwtReadScope: TerraformVariable;
  readonly apiJwtWriteScope: TerraformVariable;
  readonly apiJwtAdminScope: TerraformVariable;
  readonly apiAdminPrincipals: TerraformVariable;
  readonly uploadUrlExpiresSeconds: TerraformVariable;
  readonly maxJobsPerOwnerPerDay: TerraformVariable;
  readonly mediaConvertConcurrentJobs: TerraformVariable;
  readonly maxSourceDurationSeconds: TerraformVariable;
  readonly mediaConvertMonthlyBudgetUsd: TerraformVariable;
  readonly maxExecutionsStartedPerHour: TerraformVariable;
  readonly maxTranscodingMinutesPerHour: TerraformVariable;
  readonly delivery: DeliveryVariables;
  readonly defaultProfile: TerraformVariable;
  readonly allowedProfiles: TerraformVariable;

  constructor(scope: Construct, env: EnvironmentConfig) {
    this.ingest = new IngestVariables(scope);
    this.awsRegion = new TerraformVariable(scope, 'aws_region', {
      type: 'string',
      default: 'us-east-1',
      description: 'AWS Region for every resource of this stack (MediaConvert must be available there).',
      validation: [
        {
          condition: `\${can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.aws_region))}`,
          errorMessage: 'aws_region must be a Region code such as us-east-1 or eu-west-1.',
        },
      ],
    });
    this.tags = tagsVariable(scope);
    this.notificationEmail = new TerraformVariable(scope, 'notification_email', {
      type: 'string',
      default: '',
      description:
        'Email address subscribed to job notifications and alarms (AWS sends a confirmation mail). Empty: no subscription.',
      validation: [
        {
          condition: `\${var.notification_email == "" || can(regex("^[^@\\\\s]+@[^@\\\\s]+\\\\.[^@\\\\s]+$", var.notification_email))}`,
          errorMessage: 'notification_email must be empty or an email address such as ops@example.com.',
        },
      ],
    });
    this.lambdaMemoryMb = new TerraformVariable(scope, 'lambda_memory_mb', {
      type: 'number',
      default: 512,
      description: 'Memory (MB) of the workflow and API functions; CPU scales with it.',
      validation: [
        {
          condition: '${var.lambda_memory_mb >= 128 && var.lambda_memory_mb <= 10240}',
          errorMessage: 'lambda_memory_mb must be between 128 and 10240 (Lambda limits).',
        },
      ],
    });
    this.metadataLambdaMemoryMb = new TerraformVariable(scope, 'metadata_lambda_memory_mb', {
      type: 'number',
      default: 1024,
      description: 'Memory (MB) of extract-metadata, which runs the mediainfo WebAssembly probe.',
      validation: [
        {
          condition: '${var.metadata_lambda_memory_mb >= 512 && var.metadata_lambda_memory_mb <= 10240}',
          errorMessage: 'metadata_lambda_memory_mb must be between 512 and 10240.',
        },
      ],
    });
    this.lambdaTimeoutSeconds = new TerraformVariable(scope, 'lambda_timeout_seconds', {
      type: 'number',
      default: 60,
      description: 'Timeout (seconds) of the API and workflow functions; extract-metadata (300) and archive-source (900, large copies) have fixed timeouts.',
      validation: [
        {
          // The state machine gives these tasks 60 s (asl/video-workflow.asl.json TimeoutSeconds).
          condition: '${var.lambda_timeout_seconds >= 3 && var.lambda_timeout_seconds <= 60}',
          errorMessage: 'lambda_timeout_seconds must be between 3 and 60 (the workflow tasks time out after 60 s).',
        },
      ],
    });
    this.logRetentionDays = new TerraformVariable(scope, 'log_retention_days', {
      type: 'number',
      default: env.defaultLogRetentionDays,
      description: 'Retention (days) of every log group of this stack (Lambda, Step Functions, API access logs).',
      validation: [
        {
          condition: `\${contains([${CLOUDWATCH_RETENTION_DAYS.join(', ')}], var.log_retention_days)}`,
          errorMessage: `log_retention_days must be one of CloudWatch's allowed values: ${CLOUDWATCH_RETENTION_DAYS.join(', ')}.`,
        },
      ],
    });
    this.outputTransitionIaDays = new TerraformVariable(scope, 'output_transition_ia_days', {
      type: 'number',
      default: env.defaultOutputTransitionDays,
      description: 'Days after which transcoded outputs move to S3 Standard-IA (S3 requires at least 30).',
      validation: [
        {
          condition: '${var.output_transition_ia_days >= 30}',
          errorMessage: 'output_transition_ia_days must be at least 30 (S3 minimum for STANDARD_IA transitions).',
        },
      ],
    });
    this.outputExpirationDays = new TerraformVariable(scope, 'output_expiration_days', {
      type: 'number',
      default: env.defaultOutputExpirationDays,
      description: 'Days after which transcoded outputs are deleted; 0 keeps them forever.',
      validation: [
        {
          condition: '${var.output_expiration_days == 0 || var.output_expiration_days > var.output_transition_ia_days}',
          errorMessage: 'output_expiration_days must be 0 (never) or greater than output_transition_ia_days.',
        },
      ],
    });
    this.apiJwtIssuer = new TerraformVariable(scope, 'api_jwt_issuer', {
      type: 'string',
      default: '',
      description:
        'OIDC issuer URL for a JWT authorizer on the HTTP API. Empty (default): every route requires AWS_IAM (SigV4).',
      validation: [
        {
          condition: '${var.api_jwt_issuer == "" || startswith(var.api_jwt_issuer, "https://")}',
          errorMessage: 'api_jwt_issuer must be empty or an https:// issuer URL.',
        },
      ],
    });
    this.apiJwtAudience = new TerraformVariable(scope, 'api_jwt_audience', {
      type: 'list(string)',
      default: [],
      description: 'Accepted JWT audiences (client ids); required when api_jwt_issuer is set.',
      validation: [
        {
          condition: '${var.api_jwt_issuer == "" || length(var.api_jwt_audience) > 0}',
          errorMessage: 'api_jwt_audience must list at least one audience when api_jwt_issuer is set.',
        },
      ],
    });
    this.apiThrottleBurstLimit = new TerraformVariable(scope, 'api_throttle_burst_limit', {
      type: 'number',
      default: 20,
      description: 'Default route burst limit (requests) of the HTTP API stage.',
      validation: [
        {
          condition: '${var.api_throttle_burst_limit >= 1 && var.api_throttle_burst_limit <= 5000}',
          errorMessage: 'api_throttle_burst_limit must be between 1 and 5000.',
        },
      ],
    });
    this.apiThrottleRateLimit = new TerraformVariable(scope, 'api_throttle_rate_limit', {
      type: 'number',
      default: 10,
      description: 'Default route steady-state rate limit (requests per second) of the HTTP API stage.',
      validation: [
        {
          condition: '${var.api_throttle_rate_limit >= 1 && var.api_throttle_rate_limit <= 10000}',
          errorMessage: 'api_throttle_rate_limit must be between 1 and 10000.',
        },
      ],
    });
    this.corsAllowedOrigins = new TerraformVariable(scope, 'cors_allowed_origins', {
      type: 'list(string)',
      default: [],
      description:
        'Browser origins allowed to call the API and to POST uploads to the source bucket. Empty (default): no CORS.',
      validation: [
        {
          condition: '${alltrue([for o in var.cors_allowed_origins : can(regex("^https?://[^/*]+$", o))])}',
          errorMessage: 'cors_allowed_origins entries must be origins such as https://app.example.com (no path, no wildcard).',
        },
      ],
    });
    this.maxUploadBytes = new TerraformVariable(scope, 'max_upload_bytes', {
      type: 'number',
      default: 5 * 1024 ** 3,
      description: 'Largest upload accepted by POST /uploads (bytes); a presigned POST allows at most 5 GiB.',
      validation: [
        {
          condition: `\${var.max_upload_bytes >= 1048576 && var.max_upload_bytes <= ${5 * 1024 ** 3}}`,
          errorMessage: 'max_upload_bytes must be between 1048576 (1 MiB) and 5368709120 (5 GiB, the S3 single PUT/POST limit).',
        },
      ],
    });
    // One OAuth scope token each (RFC 6749 section 3.3: printable ASCII, no space, quote or backslash).
    const scopeVariable = (id: string, fallback: string, what: string) =>
      new TerraformVariable(scope, id, {
        type: 'string',
        default: fallback,
        description: `JWT mode: the scope ${what}. A token needs at least one scope of a route; the admin scope is accepted on every route.`,
        validation: [
          {
            condition: `\${can(regex("^[!#-\\\\[\\\\]-~]+$", var.${id}))}`,
            errorMessage: `${id} must be one OAuth scope: printable ASCII without spaces, quotes or backslashes (e.g. ${fallback}).`,
          },
        ],
      });
    this.apiJwtReadScope = scopeVariable('api_jwt_read_scope', 'video/jobs.read', 'of GET /jobs and GET /jobs/{jobId} (read the caller\'s own jobs)');
    this.apiJwtWriteScope = scopeVariable('api_jwt_write_scope', 'video/jobs.write', 'of POST /jobs and POST /uploads (upload and start the caller\'s own jobs)');
    this.apiJwtAdminScope = scopeVariable('api_jwt_admin_scope', 'video/admin', 'that makes a caller an admin (every owner\'s jobs, any key under the source prefix, force)');
    this.apiAdminPrincipals = new TerraformVariable(scope, 'api_admin_principals', {
      type: 'list(string)',
      default: [],
      description:
        'AWS_IAM mode: callers that are admins (every owner\'s jobs, any key, force). IAM role or user ARNs, or role names of this account; an assumed role counts as its role.',
      validation: [
        {
          condition: '${alltrue([for p in var.api_admin_principals : can(regex("^(arn:aws[a-z-]*:iam::[0-9]{12}:(role|user)/[\\\\w+=,.@/-]+|[\\\\w+=,.@-]{1,64})$", p))])}',
          errorMessage: 'api_admin_principals entries must be IAM role or user ARNs (arn:aws:iam::123456789012:role/video-admin) or role names.',
        },
      ],
    });
    this.uploadUrlExpiresSeconds = new TerraformVariable(scope, 'upload_url_expires_seconds', {
      type: 'number',
      default: 300,
      description: 'Lifetime (seconds) of a POST /uploads form and its unused reservation.',
      validation: [
        {
          condition: '${var.upload_url_expires_seconds >= 60 && var.upload_url_expires_seconds <= 3600}',
          errorMessage: 'upload_url_expires_seconds must be between 60 and 3600.',
        },
      ],
    });
    this.maxJobsPerOwnerPerDay = new TerraformVariable(scope, 'max_jobs_per_owner_per_day', {
      type: 'number',
      default: env.defaultMaxJobsPerOwnerPerDay,
      description:
        'Jobs one owner may start per UTC day, forced re-runs included (direct bucket writes count as owner "system"). Over it: HTTP 429 on the API, a FAILED QuotaExceeded record on the S3 path.',
      validation: [
        {
          condition: '${var.max_jobs_per_owner_per_day >= 1 && var.max_jobs_per_owner_per_day <= 100000 && floor(var.max_jobs_per_owner_per_day) == var.max_jobs_per_owner_per_day}',
          errorMessage: 'max_jobs_per_owner_per_day must be a whole number between 1 and 100000.',
        },
      ],
    });

    // Spend guardrails (SECURITY.md "Cost abuse"): defaults per environment in stacks/config.ts.
    const spend = env.spend;
    this.mediaConvertConcurrentJobs = new TerraformVariable(scope, 'mediaconvert_concurrent_jobs', {
      type: 'number',
      default: spend.mediaConvertConcurrentJobs,
      description: 'Jobs this environment\'s MediaConvert queue transcodes at once; further jobs wait in the queue (bounds the spend rate).',
      validation: [
        {
          // The on-demand queue's account-level ceiling is a service quota (raised on request);
          // 150 is far above any sensible per-environment cap.
          condition: '${var.mediaconvert_concurrent_jobs >= 1 && var.mediaconvert_concurrent_jobs <= 150}',
          errorMessage: 'mediaconvert_concurrent_jobs must be between 1 and 150.',
        },
      ],
    });
    this.maxSourceDurationSeconds = new TerraformVariable(scope, 'max_source_duration_seconds', {
      type: 'number',
      default: spend.maxSourceDurationSeconds,
      description: 'Longest source (seconds) plan-transcode accepts (longer: UnsupportedMedia, reason too-long, before any MediaConvert call). Must be below the Transcode task timeout of the environment.',
      validation: [
        {
          // The timeout is synth-time (stacks/config.ts transcodeTimeoutSeconds, the ASL's
          // Transcode TimeoutSeconds), so the plan-time check compares against its literal value.
          condition: `\${var.max_source_duration_seconds >= 1 && var.max_source_duration_seconds < ${env.transcodeTimeoutSeconds}}`,
          errorMessage: `max_source_duration_seconds must be at least 1 and below the Transcode task timeout (transcode_timeout_seconds = ${env.transcodeTimeoutSeconds} in ${env.name}): a longer source would burn MediaConvert time and then time out.`,
        },
      ],
    });
    this.mediaConvertMonthlyBudgetUsd = new TerraformVariable(scope, 'mediaconvert_monthly_budget_usd', {
      type: 'number',
      default: spend.mediaConvertMonthlyBudgetUsd,
      description: 'Monthly AWS Budgets limit (USD) on this environment\'s MediaConvert cost; actual (80 %) and forecast (100 %) overruns notify the notification topic.',
      validation: [
        {
          condition: '${var.mediaconvert_monthly_budget_usd >= 1}',
          errorMessage: 'mediaconvert_monthly_budget_usd must be at least 1 (USD).',
        },
      ],
    });
    this.maxExecutionsStartedPerHour = new TerraformVariable(scope, 'max_executions_started_per_hour', {
      type: 'number',
      default: spend.executionsStartedPerHour,
      description: 'Alarm when more workflow executions than this start within one hour (AWS/States ExecutionsStarted).',
      validation: [
        {
          condition: '${var.max_executions_started_per_hour >= 1}',
          errorMessage: 'max_executions_started_per_hour must be at least 1.',
        },
      ],
    });
    this.maxTranscodingMinutesPerHour = new TerraformVariable(scope, 'max_transcoding_minutes_per_hour', {
      type: 'number',
      default: spend.transcodingMinutesPerHour,
      description: 'Alarm when this environment\'s MediaConvert queue spends more transcoding minutes than this within one hour (AWS/MediaConvert TranscodingTime).',
      validation: [
        {
          condition: '${var.max_transcoding_minutes_per_hour >= 1}',
          errorMessage: 'max_transcoding_minutes_per_hour must be at least 1.',
        },
      ],
    });
    // The shipped profile names come from handlers/plan-transcode/profiles, so a new profile file
    // is accepted here without a second list to keep in step.
    const shipped = `[${PROFILE_NAMES.map((p) => `"${p}"`).join(', ')}]`;
    this.defaultProfile = new TerraformVariable(scope, 'default_profile', {
      type: 'string',
      default: DEFAULT_PROFILE,
      description: `Encoding profile of jobs that do not choose one (docs/profiles.md): one of ${PROFILE_NAMES.join(', ')}.`,
      validation: [
        {
          condition: `\${contains(${shipped}, var.default_profile)}`,
          errorMessage: `default_profile must be one of the shipped profiles: ${PROFILE_NAMES.join(', ')}.`,
        },
      ],
    });
    this.allowedProfiles = new TerraformVariable(scope, 'allowed_profiles', {
      type: 'list(string)',
      default: [...PROFILE_NAMES],
      description: 'Encoding profiles callers may choose (POST /jobs, POST /uploads, x-amz-meta-profile); must include default_profile.',
      validation: [
        {
          condition: `\${length(var.allowed_profiles) > 0 && alltrue([for p in var.allowed_profiles : contains(${shipped}, p)])}`,
          errorMessage: `allowed_profiles must list shipped profiles only (${PROFILE_NAMES.join(', ')}), at least one.`,
        },
        {
          condition: '${contains(var.allowed_profiles, var.default_profile)}',
          errorMessage: 'allowed_profiles must include default_profile.',
        },
      ],
    });
    this.delivery = new DeliveryVariables(scope);
  }
}

/** CloudFront's price classes: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/PriceClass.html */
export const DELIVERY_PRICE_CLASSES = ['PriceClass_100', 'PriceClass_200', 'PriceClass_All'] as const;
/** Longest a signed playback URL may live (a week); players refetch the job for fresh URLs. */
export const MAX_DELIVERY_URL_TTL_SECONDS = 7 * 24 * 3600;

/** Delivery (CloudFront) settings: stacks/delivery.ts and get-job's signed playback read them. */
export class DeliveryVariables {
  readonly priceClass: TerraformVariable;
  readonly domainNames: TerraformVariable;
  readonly certificateArn: TerraformVariable;
  readonly corsAllowedOrigins: TerraformVariable;
  readonly signingPublicKeyPem: TerraformVariable;
  readonly signingPrivateKeyArn: TerraformVariable;
  readonly urlTtlSeconds: TerraformVariable;

  constructor(scope: Construct) {
    this.priceClass = new TerraformVariable(scope, 'delivery_price_class', {
      type: 'string',
      default: 'PriceClass_100',
      description: 'CloudFront price class of the playback distribution (edge locations used, and what they cost).',
      validation: [
        {
          condition: `\${contains([${DELIVERY_PRICE_CLASSES.map((c) => `"${c}"`).join(', ')}], var.delivery_price_class)}`,
          errorMessage: `delivery_price_class must be one of ${DELIVERY_PRICE_CLASSES.join(', ')}.`,
        },
      ],
    });
    this.domainNames = new TerraformVariable(scope, 'delivery_domain_names', {
      type: 'list(string)',
      default: [],
      description:
        'Custom domain names (CNAMEs) of the playback distribution; the first one is used in playback URLs. Empty (default): the *.cloudfront.net domain.',
      validation: [
        {
          condition: '${alltrue([for d in var.delivery_domain_names : can(regex("^([a-z0-9]([a-z0-9-]*[a-z0-9])?[.])+[a-z]{2,}$", d))])}',
          errorMessage: 'delivery_domain_names entries must be lowercase host names such as video.example.com (no scheme, no path, no wildcard).',
        },
        {
          condition: '${length(var.delivery_domain_names) == 0 || var.delivery_certificate_arn != ""}',
          errorMessage: 'delivery_domain_names needs delivery_certificate_arn: an ACM certificate in us-east-1 that covers every name.',
        },
      ],
    });
    this.certificateArn = new TerraformVariable(scope, 'delivery_certificate_arn', {
      type: 'string',
      default: '',
      description: 'ACM certificate (in us-east-1, as CloudFront requires) for delivery_domain_names. Required when names are set.',
      validation: [
        {
          condition: '${var.delivery_certificate_arn == "" || can(regex("^arn:aws:acm:us-east-1:[0-9]{12}:certificate/[0-9a-f-]+$", var.delivery_certificate_arn))}',
          errorMessage:
            'delivery_certificate_arn must be an ACM certificate ARN in us-east-1 (arn:aws:acm:us-east-1:<account>:certificate/<id>): CloudFront only uses certificates from us-east-1.',
        },
      ],
    });
    this.corsAllowedOrigins = new TerraformVariable(scope, 'delivery_cors_allowed_origins', {
      type: 'list(string)',
      default: [],
      description:
        'Browser origins allowed to fetch playback (manifests, segments, thumbnails) from the distribution. Empty (default): no CORS headers; ["*"] allows every origin.',
      validation: [
        {
          condition:
            '${alltrue([for o in var.delivery_cors_allowed_origins : can(regex("^https?://[^/*]+$", o))]) || var.delivery_cors_allowed_origins == tolist(["*"])}',
          errorMessage: 'delivery_cors_allowed_origins must list origins such as https://app.example.com (no path), or be exactly ["*"].',
        },
      ],
    });
    this.signingPublicKeyPem = new TerraformVariable(scope, 'delivery_signing_public_key_pem', {
      type: 'string',
      default: '',
      description:
        'PEM public key (RSA 2048, "-----BEGIN PUBLIC KEY-----") for signed playback. Set: every request to the distribution must be signed. Empty (default): unsigned playback.',
      validation: [
        {
          condition:
            '${var.delivery_signing_public_key_pem == "" || can(regex("^-----BEGIN PUBLIC KEY-----\\r?\\n[A-Za-z0-9+/=\\r\\n]+-----END PUBLIC KEY-----(\\r?\\n)?$", var.delivery_signing_public_key_pem))}',
          errorMessage: 'delivery_signing_public_key_pem must be empty or a PEM public key ("-----BEGIN PUBLIC KEY-----" ... "-----END PUBLIC KEY-----").',
        },
        {
          condition: '${var.delivery_signing_public_key_pem == "" || var.delivery_signing_private_key_arn != ""}',
          errorMessage: 'delivery_signing_public_key_pem needs delivery_signing_private_key_arn: where get-job reads the matching private key.',
        },
      ],
    });
    this.signingPrivateKeyArn = new TerraformVariable(scope, 'delivery_signing_private_key_arn', {
      type: 'string',
      default: '',
      description:
        'ARN of the Secrets Manager secret or SSM SecureString parameter holding the PEM private key that matches delivery_signing_public_key_pem. Only get-job may read it; the key never enters Terraform state.',
      validation: [
        {
          condition:
            '${var.delivery_signing_private_key_arn == "" || can(regex("^arn:aws[a-z-]*:(secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+|ssm:[a-z0-9-]+:[0-9]{12}:parameter/.+)$", var.delivery_signing_private_key_arn))}',
          errorMessage:
            'delivery_signing_private_key_arn must be empty or the ARN of a Secrets Manager secret (arn:aws:secretsmanager:...:secret:...) or an SSM parameter (arn:aws:ssm:...:parameter/...).',
        },
      ],
    });
    this.urlTtlSeconds = new TerraformVariable(scope, 'delivery_url_ttl_seconds', {
      type: 'number',
      default: 3600,
      description: 'Lifetime (seconds) of signed playback URLs that GET /jobs/{jobId} returns.',
      validation: [
        {
          condition: `\${var.delivery_url_ttl_seconds >= 60 && var.delivery_url_ttl_seconds <= ${MAX_DELIVERY_URL_TTL_SECONDS}}`,
          errorMessage: `delivery_url_ttl_seconds must be between 60 and ${MAX_DELIVERY_URL_TTL_SECONDS} (7 days).`,
        },
      ],
    });
  }
}
