import type { S3Client } from '@aws-sdk/client-s3';
import * as z from '../shared/zod';
import { copyObjectVersion, isTransient } from '../archive-source/archive';
import { errorName, ObjectNotFound, SourcePinFailed } from '../shared/errors';
import { JOB_ID_PATTERN } from '../shared/job';
import { LogSink, silentLog } from '../shared/logger';
import { PinnedSource, pinnedSourceKey } from '../shared/pinned-source';
import { isS3NotFound } from '../shared/s3-errors';
import { sourceRefSchema } from '../shared/schemas';

export const pinInputSchema = z.object({ jobId: z.string().check(z.regex(JOB_ID_PATTERN)), source: sourceRefSchema });
export type PinInput = z.infer<typeof pinInputSchema>;

export interface PinDeps {
  readonly s3: Pick<S3Client, 'send'>;
  /** Bucket of the pinned copies (the archive bucket; see handlers/shared/pinned-source.ts). */
  readonly pinBucket: string;
  readonly log?: LogSink;
}

/**
 * Copies the probed source version (versionId, and its ETag as CopySourceIfMatch) to the
 * job-scoped key the plan's FileInput names. Runs before Transcode; a retry copies again and
 * returns the newer copy's version, which is the one MediaConvert then reads.
 * A version deleted since the probe, or content that no longer has the probed ETag, is
 * ObjectNotFound (the job fails; nothing else is transcoded in its place).
 */
export async function pinSource(input: PinInput, deps: PinDeps): Promise<PinnedSource> {
  const log = deps.log ?? silentLog;
  const { jobId, source } = input;
  const key = pinnedSourceKey(jobId, source.key);
  const fail = (err: unknown, step: string): never => {
    if (isTransient(err)) throw err;
    const context = { jobId, bucket: source.bucket, key: source.key, versionId: source.versionId, step, error: errorName(err) };
    const status = (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
    if (isS3NotFound(err) || status === 412 || errorName(err) === 'PreconditionFailed') {
      throw new ObjectNotFound('The probed source version is gone or was replaced before the transcode', { cause: err, context });
    }
    throw new SourcePinFailed(`Pinning the source failed at ${step}`, { cause: err, context });
  };
  const tagging = new URLSearchParams({ jobId }).toString();
  const copy = await copyObjectVersion(source, { bucket: deps.pinBucket, key, storageClass: 'STANDARD', tagging }, deps, fail);
  const pinned: PinnedSource = {
    bucket: deps.pinBucket,
    key,
    ...(copy.versionId ? { versionId: copy.versionId } : {}),
    size: source.size,
    ...(source.versionId ? { sourceVersionId: source.versionId } : {}),
    sourceEtag: source.etag,
  };
  log.info('Source pinned', { jobId, key, bytes: source.size, multipart: copy.multipart, pinnedVersionId: copy.versionId });
  return pinned;
}
