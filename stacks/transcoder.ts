import { Construct } from 'constructs';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { MediaConvertQueue } from '@cdktf/provider-aws/lib/media-convert-queue';
import { assumeRolePolicy, policyDocument, Statement } from './lib/iam';
import { address, Names } from './lib/naming';
import { PINNED_SOURCE_PREFIX } from '../handlers/shared/pinned-source';

export interface TranscoderProps {
  readonly names: Names;
  readonly accountId: string;
  readonly region: string;
  readonly outputBucketArn: string;
  /** Customer-managed key ARNs the role needs for S3 objects (prod). @default [] */
  readonly kmsKeyArns?: readonly string[];
  /** Jobs the queue runs at once (the mediaconvert_concurrent_jobs variable); the rest wait. */
  readonly concurrentJobs: number;
  /** Archive bucket: MediaConvert reads the job-scoped pinned copy of the source from there. */
  readonly archiveBucketArn: string;
}

/**
 * MediaConvert: an on-demand queue per environment (its metrics and alarms are this
 * environment's alone) and the service role MediaConvert assumes to read the pinned source copy and write
 * the outputs — nothing else.
 */
export class Transcoder extends Construct {
  readonly queue: MediaConvertQueue;
  readonly role: IamRole;

  constructor(scope: Construct, id: string, props: TranscoderProps) {
    super(scope, id);
    this.queue = address(
      new MediaConvertQueue(this, 'queue', {
        name: props.names.of('queue'),
        description: `On-demand transcoding queue of ${props.names.prefix}`,
        pricingPlan: 'ON_DEMAND',
        status: 'ACTIVE',
        // Caps how many jobs of this environment bill at once, whatever the callers do; jobs
        // past the cap wait in the queue. (provider 5.100 media_convert_queue concurrent_jobs)
        concurrentJobs: props.concurrentJobs,
      }),
      'transcode',
    );
    this.role = address(
      new IamRole(this, 'role', {
        name: props.names.of('mediaconvert'),
        description: 'Assumed by MediaConvert jobs of this stack',
        // Confused-deputy guard: MediaConvert acting for another account is refused. IfExists:
        // MediaConvert's documentation does not promise the key on AssumeRole, and a missing key
        // under plain StringEquals would fail every job at run time.
        assumeRolePolicy: assumeRolePolicy('mediaconvert.amazonaws.com', {
          StringEqualsIfExists: { 'aws:SourceAccount': props.accountId },
        }),
      }),
      'mediaconvert',
    );
    const kms = props.kmsKeyArns ?? [];
    const statements: Statement[] = [
      {
        // The transcode input: the job-scoped copy of the probed version (PinSource), never the
        // live source key (stacks/workflow.ts, docs/runbook.md "Pinned source").
        Sid: 'ReadPinnedSource',
        Action: ['s3:GetObject'],
        Resource: `${props.archiveBucketArn}/${PINNED_SOURCE_PREFIX}*`,
      },
      {
        Sid: 'WriteOutputs',
        Action: ['s3:PutObject'],
        Resource: `${props.outputBucketArn}/*`,
      },
      ...(kms.length ? [{ Sid: 'UseDataKey', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: kms }] : []),
    ];
    address(
      new IamRolePolicy(this, 'policy', { name: 'least-privilege', role: this.role.id, policy: policyDocument(statements) }),
      'mediaconvert',
    );
  }
}
