import { Construct } from 'constructs';
import { DynamodbTable } from '@cdktf/provider-aws/lib/dynamodb-table';
import { OWNER_INDEX_NAME, STATUS_INDEX_NAME } from '../handlers/shared/job';
import { address, Names } from './lib/naming';

export interface JobsTableProps {
  readonly names: Names;
  /** Deletion protection (prod). */
  readonly enableDeletionProtection: boolean;
  /** Customer-managed key (prod); the AWS-owned key when undefined. */
  readonly kmsKeyArn?: string;
}

/** Index that lists jobs by status, newest first (admins: GET /jobs?status= across owners). */
export const STATUS_INDEX = STATUS_INDEX_NAME;
/** Index that lists one owner's jobs, newest first (GET /jobs for a caller). */
export const OWNER_INDEX = OWNER_INDEX_NAME;

/**
 * One item per job (handlers/shared/job.ts). On-demand, PITR, SSE, TTL on `expiresAt`.
 * Status changes are conditional writes in the handlers and the state machine.
 */
export class JobsTable extends Construct {
  readonly table: DynamodbTable;

  constructor(scope: Construct, id: string, props: JobsTableProps) {
    super(scope, id);
    this.table = address(
      new DynamodbTable(this, 'table', {
        name: props.names.of('jobs'),
        billingMode: 'PAY_PER_REQUEST',
        hashKey: 'jobId',
        attribute: [
          { name: 'jobId', type: 'S' },
          { name: 'status', type: 'S' },
          { name: 'createdAt', type: 'S' },
          { name: 'owner', type: 'S' },
        ],
        globalSecondaryIndex: [
          { name: STATUS_INDEX, hashKey: 'status', rangeKey: 'createdAt', projectionType: 'ALL' },
          { name: OWNER_INDEX, hashKey: 'owner', rangeKey: 'createdAt', projectionType: 'ALL' },
        ],
        pointInTimeRecovery: { enabled: true },
        serverSideEncryption: props.kmsKeyArn ? { enabled: true, kmsKeyArn: props.kmsKeyArn } : { enabled: false },
        ttl: { attributeName: 'expiresAt', enabled: true },
        deletionProtectionEnabled: props.enableDeletionProtection,
      }),
      'jobs',
    );
  }
}
