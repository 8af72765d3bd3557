import { s3Client } from '../shared/clients';
import type { MediaMetadata } from '../shared/job';
import { logger } from '../shared/logger';
import { emit } from '../shared/metrics';
import { DEFAULT_CHUNK_SIZE } from '../shared/s3-range-reader';
import { parseTaskInput } from '../shared/schemas';
import { extractMetadata, type ExtractMetadataDeps } from './extract';
import { createMediaInfoProbe } from './probe';
import { extractMetadataEventSchema } from './schema';

let deps: ExtractMetadataDeps | undefined;

/** Created on first use, once per container (the shared S3 client is path-style for local endpoints). */
function dependencies(): ExtractMetadataDeps {
  deps ??= { s3: s3Client(), probe: createMediaInfoProbe(DEFAULT_CHUNK_SIZE), log: logger };
  return deps;
}

/** Step Functions ExtractMetadata task: `{ jobId, source }` -> MediaMetadata (`$.metadata`). */
export async function handler(event: unknown): Promise<MediaMetadata> {
  const input = parseTaskInput(extractMetadataEventSchema, event, 'ExtractMetadata');
  logger.appendKeys({ jobId: input.jobId });
  const metadata = await extractMetadata(input, dependencies());
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
