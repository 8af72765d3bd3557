import { LocalBackend, TerraformOutput, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning';
import { policyDocument, tlsOnlyStatement } from './lib/iam';
import { address } from './lib/naming';
import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import { DERIVED_STATE_BUCKET_PREFIX, StateBackendSettings } from './state-backend';
import { projectProvider, tagsVariable } from './lib/terraform-settings';

export interface StateBucketStackProps {
  /** The bucket staging/prod use as their S3 backend. */
  readonly stateBackend: StateBackendSettings;
}

/**
 * Bootstrap: the S3 bucket that holds staging/prod Terraform state (and S3-native lock files).
 * Deployed first, with local state: `cdktf deploy video-workflow-state`.
 */
export class StateBucketStack extends TerraformStack {
  constructor(scope: Construct, id: string, props: StateBucketStackProps) {
    super(scope, id);
    const { region } = props.stateBackend;
    projectProvider(this, {
      region,
      projectTags: { Application: 'video-workflow', Purpose: 'terraform-state', ManagedBy: 'cdktf' },
      tags: tagsVariable(this),
    });
    new LocalBackend(this, { path: `../../../terraform-state/${id}.tfstate` });
    // No name configured: one only this account would pick (<prefix>-<account id>-<region>), known
    // at plan time; the state_bucket_name output is then what TF_STATE_BUCKET must be set to.
    // Setting it later to that same name changes nothing here (same value, no replacement).
    const name = props.stateBackend.bucket ?? `${DERIVED_STATE_BUCKET_PREFIX}-${address(new DataAwsCallerIdentity(this, 'current'), 'current').accountId}-${region}`;

    // Never force_destroy: this bucket holds every environment's state history.
    const bucket = address(new S3Bucket(this, 'bucket', { bucket: name, forceDestroy: false }), 'state');
    bucket.addOverride('lifecycle.prevent_destroy', true);
    address(
      new S3BucketPublicAccessBlock(this, 'public-access', {
        bucket: bucket.id,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      }),
      'state',
    );
    address(new S3BucketOwnershipControls(this, 'ownership', { bucket: bucket.id, rule: { objectOwnership: 'BucketOwnerEnforced' } }), 'state');
    address(
      new S3BucketServerSideEncryptionConfigurationA(this, 'encryption', {
        bucket: bucket.id,
        rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms' }, bucketKeyEnabled: true }],
      }),
      'state',
    );
    address(new S3BucketVersioningA(this, 'versioning', { bucket: bucket.id, versioningConfiguration: { status: 'Enabled' } }), 'state');
    address(
      new S3BucketLifecycleConfiguration(this, 'lifecycle', {
        bucket: bucket.id,
        rule: [
          {
            id: 'expire-old-state-versions',
            status: 'Enabled',
            filter: [{ prefix: '' }],
            // Keep the last 10 versions of each state file for 90 days: enough to roll back.
            noncurrentVersionExpiration: [{ noncurrentDays: 90, newerNoncurrentVersions: 10 }],
          },
          {
            id: 'abort-incomplete-multipart-uploads',
            status: 'Enabled',
            filter: [{ prefix: '' }],
            abortIncompleteMultipartUpload: [{ daysAfterInitiation: 2 }],
          },
        ],
      }),
      'state',
    );
    address(new S3BucketPolicy(this, 'policy', { bucket: bucket.id, policy: policyDocument([tlsOnlyStatement(bucket.arn)]) }), 'state');

    new TerraformOutput(this, 'state_bucket_name', {
      value: bucket.bucket,
      description: 'Bucket holding staging/prod Terraform state: set TF_STATE_BUCKET (or cdktf.json context stateBucket) to it.',
    });
    new TerraformOutput(this, 'state_bucket_region', { value: region, description: 'Region of the state bucket (the S3 backends use it).' });
  }
}
