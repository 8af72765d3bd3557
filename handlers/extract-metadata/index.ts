import { S3Client } from '@aws-sdk/client-s3';
import { MalformedEvent } from '../shared/errors';
import type { MediaMetadata } from '../shared/job';
import { logger } from '../shared/logger';
import { emit } from '../shared/metrics';
import { DEFAULT_CHUNK_SIZE } from '../shared/s3-range-reader';
import { extractMetadata } from './extract';
import { createMediaInfoProbe } from './probe';
import { extractMetadataEventSchema } from './schema';

const s3 = new S3Client({});
const probe = createMediaInfoProbe(DEFAULT_CHUNK_SIZE);

/** Step Functions ExtractMetadata task: `{ jobId, source }` -> MediaMetadata (`$.metadata`). */
export async function handler(event: unknown): Promise<MediaMetadata> {
  const parsed = extractMetadataEventSchema.safeParse(event);
  if (!parsed.success) {
    throw new MalformedEvent('ExtractMetadata event is invalid', { context: { issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) } });
  }
  logger.appendKeys({ jobId: parsed.data.jobId });
  const metadata = await extractMetadata(parsed.data, { s3, probe, log: logger });
  emit([['ProbeBytesRead', metadata.bytesRead]]);
  logger.info('Extracted metadata', {
    durationSeconds: metadata.durationSeconds,
    displayWidth: metadata.displayWidth,
    displayHeight: metadata.displayHeight,
    rotation: metadata.rotation,
    videoCodec: metadata.videoCodec,
    audioTrackCount: metadata.audioTrackCount,
    bytesRead: metadata.bytesRead,
  });
  return metadata;
}
