import { WorkflowError } from '../shared/errors';
import type { MediaMetadata, SourceRef } from '../shared/job';
import type { LogSink } from '../shared/logger';
import { S3RangeReader, type S3Sender } from '../shared/s3-range-reader';
import { toMediaMetadata, unsupported } from './metadata';
import type { MediaProbe } from './probe';

export interface ExtractMetadataEvent {
  readonly jobId: string;
  readonly source: SourceRef;
}

export interface ExtractMetadataDeps {
  readonly s3: S3Sender;
  readonly probe: MediaProbe;
  readonly log: LogSink;
}

/**
 * Probes the pinned source version with MediaInfo over ranged GETs (never a full download)
 * and returns what the media itself says. Throws UnsupportedMedia (with the reason) for
 * anything we cannot transcode, ObjectNotFound when the object is gone; other S3 errors
 * propagate so the state machine can retry them.
 */
export async function extractMetadata(event: ExtractMetadataEvent, deps: ExtractMetadataDeps): Promise<MediaMetadata> {
  const { source } = event;
  if (source.size === 0) throw unsupported('zero-bytes');

  const reader = new S3RangeReader(deps.s3, source);
  let result;
  try {
    result = await deps.probe.analyze(reader.size, (size, offset) => reader.read(offset, size));
  } catch (error) {
    // Errors from the reader (ObjectNotFound, throttling, access) are S3's, not the media's.
    if (error instanceof WorkflowError || isSdkError(error)) throw error;
    throw unsupported('unreadable', { probeError: String(error) }, error);
  } finally {
    deps.log.info('Probed source', { ...reader.stats, size: source.size });
  }
  return toMediaMetadata(result, reader.stats.bytesRead);
}

function isSdkError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && '$metadata' in error;
}
