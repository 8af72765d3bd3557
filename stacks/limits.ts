import { Construct } from 'constructs';
import { DynamodbTable } from '@cdktf/provider-aws/lib/dynamodb-table';
import { address, Names } from './lib/naming';

export interface LimitsProps {
  readonly names: Names;
  /** Deletion protection (prod). */
  readonly enableDeletionProtection: boolean;
  /** Customer-managed key (prod); the AWS-owned key when undefined. */
  readonly kmsKeyArn?: string;
}

/**
 * The tables behind tenancy and spend limits (handlers/shared/limits.ts):
 * - `uploads`: one reservation per POST /uploads (key `key`), consumed by exactly one object
 *   version at ingest; TTL = the form's expiry while unused.
 * - `limits`: per-owner daily job counters (`quota#<owner>#<day>`) and one-run-per-version locks
 *   (`run#<jobId>`), changed in the same transaction as the job's put; TTL'd.
 * On-demand, PITR, SSE, TTL on `expiresAt`, like the jobs table.
 */
export class Limits extends Construct {
  readonly uploads: DynamodbTable;
  readonly limits: DynamodbTable;

  constructor(scope: Construct, id: string, props: LimitsProps) {
    super(scope, id);
    const table = (name: string, hashKey: string) =>
      address(
        new DynamodbTable(this, name, {
          name: props.names.of(name),
          billingMode: 'PAY_PER_REQUEST',
          hashKey,
          attribute: [{ name: hashKey, type: 'S' }],
          pointInTimeRecovery: { enabled: true },
          serverSideEncryption: props.kmsKeyArn ? { enabled: true, kmsKeyArn: props.kmsKeyArn } : { enabled: false },
          ttl: { attributeName: 'expiresAt', enabled: true },
          deletionProtectionEnabled: props.enableDeletionProtection,
        }),
        name,
      );
    this.uploads = table('uploads', 'key');
    this.limits = table('limits', 'pk');
  }
}
