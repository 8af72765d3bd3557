import { extensionOf } from './s3-key';

/**
 * Where the transcode reads its input: a job-scoped, immutable copy of the probed source
 * version, `work/<jobId>/source.<ext>` in the archive bucket.
 *
 * Why a copy: MediaConvert's `FileInput` is an s3:// URL with no version, so it transcodes
 * whatever object is current when the job runs. ExtractMetadata, QC and ArchiveSource read
 * `source.versionId`; without the copy an overwrite between probe and transcode would publish
 * another upload's outputs under this version's job (SECURITY.md "Ingest: the bytes are pinned").
 *
 * Why the archive bucket, not `work/` in the source bucket: every Object Created event of the
 * source bucket goes to the ingest rule, and an EventBridge pattern cannot say "suffix .mp4 AND
 * not prefix work/" on the same field, so a copy there would start a job of its own. Why not
 * transcode from the archive copy itself: archive objects are GLACIER_IR (retrieval fees on
 * every read) and archiving stays a post-publish, best-effort step. The `work/` prefix expires
 * by lifecycle two days after the copy (stacks/storage.ts), long after any execution ends.
 *
 * The extension is kept: MediaConvert and the local transcoder recognise containers by it.
 */
export const PINNED_SOURCE_PREFIX = 'work/';

/** Days the archive bucket keeps a pinned copy (lifecycle expiration; well past the workflow timeout). */
export const PINNED_SOURCE_EXPIRATION_DAYS = 2;

export function pinnedSourceKey(jobId: string, sourceKey: string): string {
  const ext = extensionOf(sourceKey);
  return `${PINNED_SOURCE_PREFIX}${jobId}/source${ext ? `.${ext}` : ''}`;
}

/** The pinned copy PinSource made: QualityControl checks the transcode read exactly this. */
export interface PinnedSource {
  readonly bucket: string;
  readonly key: string;
  /** Version of the copy in the (versioned) archive bucket; QC compares the current one to it. */
  readonly versionId?: string;
  readonly size: number;
  /** The probed source version it was copied from. */
  readonly sourceVersionId?: string;
  readonly sourceEtag: string;
}
