import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { QcCheck } from '../shared/job';
import type { PinnedSource } from '../shared/pinned-source';
import { isS3NotFound } from '../shared/s3-errors';

export const INPUT_CHECK_NAME = 'input-pinned';

/**
 * The transcode read exactly the probed bytes: the job's FileInput is the pinned copy, and that
 * copy is still the version PinSource wrote, with the probed size. Anything else (a plan that
 * names the live key, a copy overwritten or removed while MediaConvert ran) fails QC, so the job
 * never publishes outputs of bytes other than those ExtractMetadata probed.
 */
export async function checkPinnedInput(
  s3: Pick<S3Client, 'send'>,
  pinned: PinnedSource | undefined,
  fileInput: string | undefined,
): Promise<QcCheck> {
  const name = INPUT_CHECK_NAME;
  if (pinned === undefined) return { name, passed: false, detail: 'The transcode input was not pinned (no PinSource result)' };
  const uri = `s3://${pinned.bucket}/${pinned.key}`;
  if (fileInput !== uri) {
    return { name, passed: false, detail: `Transcode input ${fileInput ?? '(none)'} is not the pinned copy ${uri} of the probed source` };
  }
  try {
    const head = await s3.send(new HeadObjectCommand({ Bucket: pinned.bucket, Key: pinned.key }));
    const size = head.ContentLength ?? -1;
    const sameVersion = pinned.versionId === undefined || head.VersionId === pinned.versionId;
    if (size !== pinned.size || !sameVersion) {
      return {
        name,
        passed: false,
        detail: `Transcode input differs from the probed source: ${uri} is ${size} bytes (version ${head.VersionId ?? 'none'}), probed ${pinned.size} bytes (pinned version ${pinned.versionId ?? 'none'})`,
      };
    }
    return { name, passed: true, detail: `Transcoded the pinned copy ${uri} (${size} bytes) of source version ${pinned.sourceVersionId ?? pinned.sourceEtag}` };
  } catch (error) {
    if (isS3NotFound(error)) return { name, passed: false, detail: `Pinned transcode input ${uri} is missing` };
    throw error;
  }
}
