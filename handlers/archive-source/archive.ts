import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  HeadObjectCommandOutput,
  S3Client,
  StorageClass,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import * as z from '../shared/zod';
import { ArchiveFailed, errorName } from '../shared/errors';
import { JOB_ID_PATTERN, SourceRef } from '../shared/job';
import { LogSink, silentLog } from '../shared/logger';
import { isS3NotFound } from '../shared/s3-errors';
import { sourceRefSchema } from '../shared/schemas';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
/** CopyObject copies at most 5 GB in one request; larger objects need a multipart copy. */
export const MAX_SINGLE_COPY_BYTES = 5 * GiB;
export const DEFAULT_PART_SIZE = 512 * MiB;
const MAX_PARTS = 10_000;

export const archiveInputSchema = z.object({ jobId: z.string().check(z.regex(JOB_ID_PATTERN)), source: sourceRefSchema });
export type ArchiveInput = z.infer<typeof archiveInputSchema>;

export interface ArchiveResult {
  readonly archived: true;
  /** true when a previous attempt already archived this job's source. */
  readonly skipped: boolean;
  readonly archiveUri: string;
  readonly bytes: number;
  readonly multipart: boolean;
}

export interface ArchiveDeps {
  readonly s3: Pick<S3Client, 'send'>;
  readonly archiveBucket: string;
  readonly storageClass: StorageClass;
  /** @default 512 MiB (raised when the object would need more than 10,000 parts) */
  readonly partSize?: number;
  /** Parallel UploadPartCopy requests. @default 4 */
  readonly concurrency?: number;
  readonly log?: LogSink;
}

/** `bucket/key?versionId=` with each key segment URL-encoded, as CopySource requires. */
export function copySourceOf(source: Pick<SourceRef, 'bucket' | 'key' | 'versionId'>): string {
  const path = `${source.bucket}/${source.key.split('/').map(encodeURIComponent).join('/')}`;
  return source.versionId ? `${path}?versionId=${encodeURIComponent(source.versionId)}` : path;
}

/** Inclusive byte ranges covering [0, size) in parts of `partSize` (the last one shorter). */
export function partRanges(size: number, partSize: number): Array<{ partNumber: number; range: string }> {
  const parts: Array<{ partNumber: number; range: string }> = [];
  for (let start = 0, n = 1; start < size; start += partSize, n++) {
    parts.push({ partNumber: n, range: `bytes=${start}-${Math.min(start + partSize, size) - 1}` });
  }
  return parts;
}

const TRANSIENT_NAMES = new Set([
  'SlowDown',
  'InternalError',
  'ServiceUnavailable',
  'RequestTimeout',
  'RequestTimeTooSkewed',
  'ThrottlingException',
  'TimeoutError',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
]);

/** Throttling, 5xx and network errors: left unchanged so the task's Retry handles them. */
export function isTransient(err: unknown): boolean {
  const e = err as { name?: string; code?: string; $retryable?: unknown; $metadata?: { httpStatusCode?: number } };
  if (e?.$retryable) return true;
  if (TRANSIENT_NAMES.has(e?.name ?? '') || TRANSIENT_NAMES.has(e?.code ?? '')) return true;
  const status = e?.$metadata?.httpStatusCode;
  return status !== undefined && status >= 500;
}

/** Runs `work` over `items` with bounded concurrency; after the first failure no new item starts. */
async function runPool<T, R>(items: readonly T[], concurrency: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const index = next++;
      try {
        results[index] = await work(items[index]);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  // allSettled so every in-flight part has finished before the caller aborts the upload.
  const settled = await Promise.allSettled(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  const rejected = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (rejected) throw rejected.reason;
  return results;
}

/** The archive key of a job's source: `<jobId>/<source key>`, so a re-run or an overwrite never replaces an earlier original. */
export function archiveKeyOf(jobId: string, sourceKey: string): string {
  return `${jobId}/${sourceKey}`;
}

export interface CopyTarget {
  readonly bucket: string;
  readonly key: string;
  readonly storageClass: StorageClass;
  /** URL-encoded tag set of the copy. */
  readonly tagging: string;
}

export interface CopyResult {
  readonly multipart: boolean;
  /** Version of the copy (versioned target buckets). */
  readonly versionId?: string;
}

type CopyDeps = Pick<ArchiveDeps, 's3' | 'partSize' | 'concurrency' | 'log'>;

/**
 * Copies exactly `source` (its version, and its ETag as CopySourceIfMatch, which pins the content
 * when the bucket is unversioned) to `target`: CopyObject up to 5 GB, a multipart copy above.
 * `fail` turns a non-transient error into the caller's named error.
 */
export async function copyObjectVersion(
  source: SourceRef,
  target: CopyTarget,
  deps: CopyDeps,
  fail: (err: unknown, step: string) => never,
): Promise<CopyResult> {
  const log = deps.log ?? silentLog;
  const dest = { Bucket: target.bucket, Key: target.key };
  const copySource = copySourceOf(source);
  const copySourceIfMatch = `"${source.etag}"`;

  if (source.size <= MAX_SINGLE_COPY_BYTES) {
    try {
      const out = await deps.s3.send(
        new CopyObjectCommand({
          ...dest,
          CopySource: copySource,
          CopySourceIfMatch: copySourceIfMatch,
          StorageClass: target.storageClass,
          MetadataDirective: 'COPY',
          TaggingDirective: 'REPLACE',
          Tagging: target.tagging,
        }),
      );
      return { multipart: false, versionId: out?.VersionId };
    } catch (err) {
      return fail(err, 'CopyObject');
    }
  }

  // Multipart copy does not carry the source's metadata over: read it and set it on the upload.
  let head: HeadObjectCommandOutput;
  try {
    head = await deps.s3.send(new HeadObjectCommand({ Bucket: source.bucket, Key: source.key, VersionId: source.versionId }));
  } catch (err) {
    return fail(err, 'HeadObject(source)');
  }
  let uploadId: string | undefined;
  try {
    const created = await deps.s3.send(
      new CreateMultipartUploadCommand({
        ...dest,
        StorageClass: target.storageClass,
        Tagging: target.tagging,
        Metadata: head.Metadata,
        ContentType: head.ContentType,
        ContentDisposition: head.ContentDisposition,
        ContentEncoding: head.ContentEncoding,
        ContentLanguage: head.ContentLanguage,
        CacheControl: head.CacheControl,
      }),
    );
    uploadId = created.UploadId;
    if (!uploadId) throw new Error('CreateMultipartUpload returned no UploadId');
    const partSize = Math.max(deps.partSize ?? DEFAULT_PART_SIZE, Math.ceil(source.size / MAX_PARTS / MiB) * MiB);
    const ranges = partRanges(source.size, partSize);
    const parts = await runPool(ranges, deps.concurrency ?? 4, async ({ partNumber, range }) => {
      const out = await deps.s3.send(
        new UploadPartCopyCommand({
          ...dest,
          UploadId: uploadId,
          PartNumber: partNumber,
          CopySource: copySource,
          CopySourceRange: range,
          CopySourceIfMatch: copySourceIfMatch,
        }),
      );
      return { PartNumber: partNumber, ETag: out.CopyPartResult?.ETag };
    });
    const done = await deps.s3.send(new CompleteMultipartUploadCommand({ ...dest, UploadId: uploadId, MultipartUpload: { Parts: parts } }));
    log.info('Multipart copy completed', { bucket: target.bucket, key: target.key, parts: parts.length });
    return { multipart: true, versionId: done?.VersionId };
  } catch (err) {
    if (uploadId) {
      // Parts of an abandoned upload are billed until aborted (or a lifecycle rule removes them).
      await deps.s3
        .send(new AbortMultipartUploadCommand({ ...dest, UploadId: uploadId }))
        .catch((abortErr: unknown) => log.warn('AbortMultipartUpload failed', { key: target.key, error: errorName(abortErr) }));
    }
    return fail(err, 'multipart copy');
  }
}

/**
 * Copies the exact source version to the archive bucket under `<jobId>/<key>`, tagged with the
 * job id. Idempotent: an archive object of the same size tagged with this job is left alone.
 */
export async function archiveSource(input: ArchiveInput, deps: ArchiveDeps): Promise<ArchiveResult> {
  const log = deps.log ?? silentLog;
  const { jobId, source } = input;
  const key = archiveKeyOf(jobId, source.key);
  const target = { Bucket: deps.archiveBucket, Key: key };
  const archiveUri = `s3://${deps.archiveBucket}/${key}`;
  const tagging = new URLSearchParams({ jobId }).toString();

  const fail = (err: unknown, step: string): never => {
    if (isTransient(err)) throw err;
    throw new ArchiveFailed(`Archive copy failed at ${step}`, {
      cause: err,
      context: { jobId, archiveBucket: deps.archiveBucket, key, step, error: errorName(err) },
    });
  };

  let existing: HeadObjectCommandOutput | undefined;
  try {
    existing = await deps.s3.send(new HeadObjectCommand(target));
  } catch (err) {
    if (!isS3NotFound(err)) fail(err, 'HeadObject(archive)');
  }
  if (existing && existing.ContentLength === source.size) {
    const tags = await deps.s3.send(new GetObjectTaggingCommand(target)).catch((err: unknown) => fail(err, 'GetObjectTagging'));
    if (tags.TagSet?.some((t) => t.Key === 'jobId' && t.Value === jobId)) {
      log.info('Source already archived', { jobId, archiveUri });
      return { archived: true, skipped: true, archiveUri, bytes: source.size, multipart: false };
    }
  }

  const { multipart } = await copyObjectVersion(source, { bucket: deps.archiveBucket, key, storageClass: deps.storageClass, tagging }, deps, fail);
  log.info('Source archived', { jobId, archiveUri, bytes: source.size, multipart });
  return { archived: true, skipped: false, archiveUri, bytes: source.size, multipart };
}
