import { Construct } from 'constructs';
import { REJECTED_UPLOAD_TAG } from '../handlers/shared/limits';
import { UPLOAD_PREFIX } from '../handlers/shared/owner';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketCorsConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-cors-configuration';
import { S3BucketLifecycleConfiguration, S3BucketLifecycleConfigurationRule } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import { S3BucketNotification } from '@cdktf/provider-aws/lib/s3-bucket-notification';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning';
import { PINNED_SOURCE_EXPIRATION_DAYS, PINNED_SOURCE_PREFIX } from '../handlers/shared/pinned-source';
import { EnvironmentConfig } from './config';
import { policyDocument, Statement, tlsOnlyStatement } from './lib/iam';
import { address, Names } from './lib/naming';
import { StackVariables } from './variables';

export interface StorageProps {
  readonly names: Names;
  readonly env: EnvironmentConfig;
  readonly variables: StackVariables;
  /** Customer-managed key (prod); S3-managed keys (SSE-S3) when undefined. */
  readonly kmsKeyArn?: string;
}

/**
 * With a customer-managed key (prod), writes that ask for any other encryption are denied: a
 * PutObject (also CopyObject, CreateMultipartUpload, presigned POST) that names another KMS key,
 * or SSE-S3 / DSSE instead of SSE-KMS, fails. A write that names no encryption gets the bucket
 * default, which is the data key, so the handlers, MediaConvert and presigned uploads (which send
 * no SSE headers) keep working. Each Deny applies only when its header is sent (Null = false):
 * a negated operator alone would also match a request without the header and deny it.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/specifying-kms-encryption.html
 * ("Requiring server-side encryption with AWS KMS keys": s3:x-amz-server-side-encryption and
 * s3:x-amz-server-side-encryption-aws-kms-key-id, the key as an ARN).
 */
export function dataKeyOnlyStatements(bucketArn: string, kmsKeyArn: string): Statement[] {
  return [
    {
      Sid: 'DenyOtherEncryption',
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:PutObject',
      Resource: `${bucketArn}/*`,
      Condition: { Null: { 's3:x-amz-server-side-encryption': 'false' }, StringNotEquals: { 's3:x-amz-server-side-encryption': 'aws:kms' } },
    },
    {
      Sid: 'DenyOtherKmsKeys',
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:PutObject',
      Resource: `${bucketArn}/*`,
      Condition: { Null: { 's3:x-amz-server-side-encryption-aws-kms-key-id': 'false' }, StringNotEquals: { 's3:x-amz-server-side-encryption-aws-kms-key-id': kmsKeyArn } },
    },
  ];
}

/** Prefix under which POST /uploads places browser and API uploads (`uploads/<owner-id>/<uuid>/<name>`). */
export { UPLOAD_PREFIX };

const ABORT_MULTIPART: S3BucketLifecycleConfigurationRule = {
  id: 'abort-incomplete-multipart-uploads',
  status: 'Enabled',
  filter: [{ prefix: '' }],
  abortIncompleteMultipartUpload: [{ daysAfterInitiation: 2 }],
};

/**
 * The three buckets. Every bucket: all four public access blocks, BucketOwnerEnforced (ACLs off),
 * SSE (KMS CMK in prod), a TLS-only policy, force_destroy only in dev.
 * source: versioned (job ids pin a version), EventBridge notifications on.
 * output: transcoded renditions; Standard-IA after N days, optional expiry.
 * archive: versioned; originals copied there after publish, then Deep Archive.
 * CORS: only when cors_allowed_origins is set — on source (browser POST of presigned uploads)
 * and output (browser playback of HLS); none otherwise.
 */
export class Storage extends Construct {
  readonly source: S3Bucket;
  readonly output: S3Bucket;
  readonly archive: S3Bucket;

  constructor(scope: Construct, id: string, props: StorageProps) {
    super(scope, id);
    const { env, variables } = props;

    this.source = this.bucket('source', props, true);
    this.output = this.bucket('output', props, false);
    this.archive = this.bucket('archive', props, true);

    // EventBridge receives every event of the bucket; the ingest rule selects Object Created.
    address(new S3BucketNotification(this, 'source-events', { bucket: this.source.id, eventbridge: true }), 'source');

    const noncurrent: S3BucketLifecycleConfigurationRule = {
      id: 'expire-noncurrent-versions',
      status: 'Enabled',
      filter: [{ prefix: '' }],
      noncurrentVersionExpiration: [{ noncurrentDays: env.noncurrentVersionDays }],
    };
    address(
      new S3BucketLifecycleConfiguration(this, 'source-lifecycle', {
        bucket: this.source.id,
        rule: [
          ABORT_MULTIPART,
          noncurrent,
          {
            // The extra version a re-used upload form wrote (start-workflow tags it): expiring it
            // puts a delete marker over it, then it is removed as a noncurrent version. Expiration
            // acts on current versions only, hence both actions
            // (https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-expire-general-considerations.html, "Expiring objects").
            id: 'expire-rejected-uploads',
            status: 'Enabled',
            filter: [{ tag: [{ key: REJECTED_UPLOAD_TAG.key, value: REJECTED_UPLOAD_TAG.value }] }],
            expiration: [{ days: 1 }],
            noncurrentVersionExpiration: [{ noncurrentDays: 1 }],
          },
        ],
      }),
      'source',
    );
    address(
      new S3BucketLifecycleConfiguration(this, 'output-lifecycle', {
        bucket: this.output.id,
        rule: [
          ABORT_MULTIPART,
          {
            id: 'outputs-to-standard-ia',
            status: 'Enabled',
            filter: [{ prefix: '' }],
            transition: [{ days: variables.outputTransitionIaDays.numberValue, storageClass: 'STANDARD_IA' }],
          },
          {
            // Lifecycle rules cannot say "never": the rule is disabled when the variable is 0.
            id: 'expire-outputs',
            status: `\${var.output_expiration_days > 0 ? "Enabled" : "Disabled"}`,
            filter: [{ prefix: '' }],
            expiration: [{ days: `\${max(var.output_expiration_days, 1)}` as unknown as number }],
          },
        ],
      }),
      'output',
    );
    address(
      new S3BucketLifecycleConfiguration(this, 'archive-lifecycle', {
        bucket: this.archive.id,
        rule: [
          ABORT_MULTIPART,
          noncurrent,
          {
            // Job-scoped pinned transcode inputs (PinSource): needed only while the job runs.
            id: 'expire-pinned-sources',
            status: 'Enabled',
            filter: [{ prefix: PINNED_SOURCE_PREFIX }],
            expiration: [{ days: PINNED_SOURCE_EXPIRATION_DAYS }],
            noncurrentVersionExpiration: [{ noncurrentDays: 1 }],
          },
          {
            id: 'archive-to-deep-archive',
            status: 'Enabled',
            filter: [{ prefix: '' }],
            transition: [{ days: env.archiveDeepArchiveDays, storageClass: 'DEEP_ARCHIVE' }],
          },
        ],
      }),
      'archive',
    );

    const corsCount = `\${length(var.cors_allowed_origins) > 0 ? 1 : 0}` as unknown as number;
    address(
      new S3BucketCorsConfiguration(this, 'source-cors', {
        count: corsCount,
        bucket: this.source.id,
        corsRule: [
          {
            allowedMethods: ['POST'],
            allowedOrigins: variables.corsAllowedOrigins.listValue,
            allowedHeaders: ['*'],
            exposeHeaders: ['ETag'],
            maxAgeSeconds: 3000,
          },
        ],
      }),
      'source',
    );
    address(
      new S3BucketCorsConfiguration(this, 'output-cors', {
        count: corsCount,
        bucket: this.output.id,
        corsRule: [
          {
            allowedMethods: ['GET', 'HEAD'],
            allowedOrigins: variables.corsAllowedOrigins.listValue,
            allowedHeaders: ['*'],
            maxAgeSeconds: 3000,
          },
        ],
      }),
      'output',
    );
  }

  /** Objects of the job-scoped pinned transcode inputs (handlers/shared/pinned-source.ts). */
  get pinnedSourceObjects(): string {
    return `${this.archive.arn}/${PINNED_SOURCE_PREFIX}*`;
  }

  /**
   * Reading (and HEADing) any version of a source object. s3:ListBucket is there so that a
   * missing key answers 404 (ObjectNotFound) instead of 403.
   */
  readSourceStatements(): Statement[] {
    return [
      { Sid: 'ReadSourceObjects', Action: ['s3:GetObject', 's3:GetObjectVersion'], Resource: `${this.source.arn}/*` },
      { Sid: 'ListSourceFor404', Action: ['s3:ListBucket'], Resource: this.source.arn },
    ];
  }

  private bucket(name: 'source' | 'output' | 'archive', props: StorageProps, versioned: boolean): S3Bucket {
    const bucket = address(
      new S3Bucket(this, name, {
        bucket: props.names.bucket(name),
        forceDestroy: props.env.enableForceDestroy,
      }),
      name,
    );
    address(
      new S3BucketPublicAccessBlock(this, `${name}-public-access`, {
        bucket: bucket.id,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      }),
      name,
    );
    address(
      new S3BucketOwnershipControls(this, `${name}-ownership`, {
        bucket: bucket.id,
        rule: { objectOwnership: 'BucketOwnerEnforced' },
      }),
      name,
    );
    address(
      new S3BucketServerSideEncryptionConfigurationA(this, `${name}-encryption`, {
        bucket: bucket.id,
        rule: [
          {
            applyServerSideEncryptionByDefault: props.kmsKeyArn
              ? { sseAlgorithm: 'aws:kms', kmsMasterKeyId: props.kmsKeyArn }
              : { sseAlgorithm: 'AES256' },
            bucketKeyEnabled: props.kmsKeyArn !== undefined,
          },
        ],
      }),
      name,
    );
    if (versioned) {
      address(
        new S3BucketVersioningA(this, `${name}-versioning`, {
          bucket: bucket.id,
          versioningConfiguration: { status: 'Enabled' },
        }),
        name,
      );
    }
    address(
      new S3BucketPolicy(this, `${name}-policy`, {
        bucket: bucket.id,
        policy: policyDocument([tlsOnlyStatement(bucket.arn), ...(props.kmsKeyArn ? dataKeyOnlyStatements(bucket.arn, props.kmsKeyArn) : [])]),
      }),
      name,
    );
    return bucket;
  }
}
