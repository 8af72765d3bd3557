import type { JobRecord, JobStatus } from './job';
import { SYSTEM_OWNER } from './owner';

/**
 * The job as API callers see it. Internal details stay out: the bucket names (callers never
 * choose a bucket), the ETag, the execution ARN and MediaConvert job id (they carry the account
 * id and are operator concerns) and the TTL attribute.
 */
export interface PublicJob {
  readonly jobId: string;
  readonly status: JobStatus;
  readonly trigger: JobRecord['trigger'];
  /** The owner id (handlers/shared/owner.ts), `system` or `local`; never the raw subject or ARN. */
  readonly owner: string;
  /** 0..100; 100 once COMPLETED, absent before MediaConvert reports. */
  readonly progress?: number;
  readonly source: { readonly key: string; readonly versionId?: string; readonly size: number };
  /** The encoding profile the job runs with. */
  readonly profile?: string;
  /** The caller's pairs (`metadata` in POST /jobs and POST /uploads). */
  readonly userMetadata?: Readonly<Record<string, string>>;
  readonly metadata?: PublicMetadata;
  readonly outputs?: { readonly mp4: readonly string[]; readonly hls?: string; readonly dash?: string; readonly thumbnails: readonly string[] };
  readonly qc?: { readonly passed: boolean; readonly checkCount: number; readonly failures: readonly string[] };
  readonly error?: { readonly name: string; readonly cause: string };
  readonly warnings?: readonly string[];
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  /** Where to poll this job. */
  readonly statusUrl: string;
}

/** A summary of the probed media: what a caller needs to show, not the probe's internals. */
export interface PublicMetadata {
  readonly container: string;
  readonly durationSeconds: number;
  readonly width: number;
  readonly height: number;
  readonly frameRate: number;
  readonly videoCodec: string;
  readonly audioCodec?: string;
  readonly audioTrackCount: number;
  readonly bitRate?: number;
}

export function statusUrlFor(jobId: string): string {
  return `/jobs/${jobId}`;
}

export function toPublicJob(job: JobRecord): PublicJob {
  const m = job.metadata;
  return dropUndefined({
    jobId: job.jobId,
    status: job.status,
    trigger: job.trigger,
    owner: job.owner ?? SYSTEM_OWNER,
    progress: job.status === 'COMPLETED' ? 100 : job.progress,
    source: dropUndefined({ key: job.source.key, versionId: job.source.versionId, size: job.source.size }),
    profile: job.profile,
    userMetadata: job.userMetadata === undefined ? undefined : { ...job.userMetadata },
    metadata:
      m === undefined
        ? undefined
        : dropUndefined({
            container: m.container,
            durationSeconds: m.durationSeconds,
            // Displayed size (after rotation), which is what a player shows.
            width: m.displayWidth,
            height: m.displayHeight,
            frameRate: m.frameRate,
            videoCodec: m.videoCodec,
            audioCodec: m.audioCodec,
            audioTrackCount: m.audioTrackCount,
            bitRate: m.bitRate,
          }),
    outputs:
      job.outputs === undefined
        ? undefined
        : dropUndefined({ mp4: [...job.outputs.mp4], hls: job.outputs.hls, dash: job.outputs.dash, thumbnails: [...job.outputs.thumbnails] }),
    qc: job.qc === undefined ? undefined : { passed: job.qc.passed, checkCount: job.qc.checkCount, failures: [...job.qc.failures] },
    error: job.error === undefined ? undefined : { name: job.error.name, cause: job.error.cause },
    warnings: job.warnings === undefined || job.warnings.length === 0 ? undefined : [...job.warnings],
    createdAt: job.createdAt,
    updatedAt: job.updatedAt,
    startedAt: job.startedAt,
    finishedAt: job.finishedAt,
    statusUrl: statusUrlFor(job.jobId),
  });
}

/** JSON.stringify drops undefined anyway; removing them keeps test expectations exact. */
function dropUndefined<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
