import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  NotFound,
  S3Client,
  S3ServiceException,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../handlers/archive-source';
import { copySourceOf, partRanges } from '../../handlers/archive-source/archive';
import { logger } from '../../handlers/shared/logger';
import { ARCHIVE_BUCKET, JOB_ID, SOURCE_BUCKET, sourceRef } from '../fixtures/events';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
const s3Mock = mockClient(S3Client);
const KEY = 'uploads/my clip+1.mp4';
/** Archive keys carry the job id: a re-run or an overwrite never replaces an earlier original. */
const ARCHIVED = (key: string) => `${JOB_ID}/${key}`;
const ENCODED_SOURCE = `${SOURCE_BUCKET}/uploads/my%20clip%2B1.mp4?versionId=v1`;
const ETAG = 'b1946ac92492d2347c6235b4d2611184';

const s3Error = (name: string, status: number) =>
  new S3ServiceException({ name, $fault: status >= 500 ? 'server' : 'client', message: name, $metadata: { httpStatusCode: status } });

beforeAll(() => {
  Object.assign(process.env, { AWS_REGION: 'eu-west-1', ARCHIVE_BUCKET, ARCHIVE_STORAGE_CLASS: 'GLACIER_IR' });
  logger.setLogLevel('SILENT');
});

beforeEach(() => {
  s3Mock.reset();
  s3Mock.on(HeadObjectCommand, { Bucket: ARCHIVE_BUCKET }).rejects(new NotFound({ message: 'Not Found', $metadata: { httpStatusCode: 404 } }));
  s3Mock.on(CopyObjectCommand).resolves({});
});

describe('archive-source handler', () => {
  it('copies the exact source version with CopyObject, keeping the key', async () => {
    // Act
    const result = await handler({ jobId: JOB_ID, source: sourceRef({ key: KEY, size: 2 * GiB }) });
    // Assess
    expect(result).toEqual({ archived: true, skipped: false, archiveUri: `s3://${ARCHIVE_BUCKET}/${ARCHIVED(KEY)}`, bytes: 2 * GiB, multipart: false });
    expect(s3Mock).toHaveReceivedCommandWith(HeadObjectCommand, { Bucket: ARCHIVE_BUCKET, Key: ARCHIVED(KEY) });
    expect(s3Mock).toHaveReceivedCommandWith(CopyObjectCommand, {
      Bucket: ARCHIVE_BUCKET,
      Key: ARCHIVED(KEY),
      CopySource: ENCODED_SOURCE,
      CopySourceIfMatch: `"${ETAG}"`,
      StorageClass: 'GLACIER_IR',
      MetadataDirective: 'COPY',
      TaggingDirective: 'REPLACE',
      Tagging: `jobId=${JOB_ID}`,
    });
    expect(s3Mock).not.toHaveReceivedCommand(CreateMultipartUploadCommand);
  });

  it('skips the copy when this job already archived an object of the same size', async () => {
    // Prepare
    s3Mock.on(HeadObjectCommand, { Bucket: ARCHIVE_BUCKET }).resolves({ ContentLength: 1_048_576 });
    s3Mock.on(GetObjectTaggingCommand).resolves({ TagSet: [{ Key: 'jobId', Value: JOB_ID }] });
    // Act
    const result = await handler({ jobId: JOB_ID, source: sourceRef() });
    // Assess
    expect(result).toMatchObject({ archived: true, skipped: true });
    expect(s3Mock).toHaveReceivedCommandWith(GetObjectTaggingCommand, { Bucket: ARCHIVE_BUCKET, Key: ARCHIVED('uploads/clip.mp4') });
    expect(s3Mock).not.toHaveReceivedCommand(CopyObjectCommand);
  });

  it('copies again when the archived object belongs to another job', async () => {
    // Prepare
    s3Mock.on(HeadObjectCommand, { Bucket: ARCHIVE_BUCKET }).resolves({ ContentLength: 1_048_576 });
    s3Mock.on(GetObjectTaggingCommand).resolves({ TagSet: [{ Key: 'jobId', Value: 'ffffffffffffffffffffffffffffffff' }] });
    // Act
    const result = await handler({ jobId: JOB_ID, source: sourceRef() });
    // Assess
    expect(result.skipped).toBe(false);
    expect(s3Mock).toHaveReceivedCommandTimes(CopyObjectCommand, 1);
  });

  it('copies a 6 GiB source in 512 MiB UploadPartCopy parts covering the whole object exactly', async () => {
    // Prepare
    const size = 6 * GiB;
    s3Mock.on(HeadObjectCommand, { Bucket: SOURCE_BUCKET }).resolves({
      ContentLength: size,
      ContentType: 'video/mp4',
      Metadata: { uploader: 'alice' },
      CacheControl: 'no-cache',
    });
    s3Mock.on(CreateMultipartUploadCommand).resolves({ UploadId: 'upload-1' });
    s3Mock.on(UploadPartCopyCommand).callsFake((input: { PartNumber: number }) => ({ CopyPartResult: { ETag: `"etag-${input.PartNumber}"` } }));
    s3Mock.on(CompleteMultipartUploadCommand).resolves({});
    // Act
    const result = await handler({ jobId: JOB_ID, source: sourceRef({ key: KEY, size }) });
    // Assess
    expect(result).toEqual({ archived: true, skipped: false, archiveUri: `s3://${ARCHIVE_BUCKET}/${ARCHIVED(KEY)}`, bytes: size, multipart: true });
    expect(s3Mock).not.toHaveReceivedCommand(CopyObjectCommand);
    expect(s3Mock).toHaveReceivedCommandWith(HeadObjectCommand, { Bucket: SOURCE_BUCKET, Key: KEY, VersionId: 'v1' });
    expect(s3Mock).toHaveReceivedCommandWith(CreateMultipartUploadCommand, {
      Bucket: ARCHIVE_BUCKET,
      Key: ARCHIVED(KEY),
      StorageClass: 'GLACIER_IR',
      Tagging: `jobId=${JOB_ID}`,
      Metadata: { uploader: 'alice' },
      ContentType: 'video/mp4',
      CacheControl: 'no-cache',
    });
    const parts = s3Mock
      .commandCalls(UploadPartCopyCommand)
      .map((c) => c.args[0].input)
      .sort((a, b) => a.PartNumber! - b.PartNumber!);
    expect(parts).toHaveLength(12);
    let next = 0;
    for (const [i, part] of parts.entries()) {
      expect(part).toMatchObject({ Bucket: ARCHIVE_BUCKET, Key: ARCHIVED(KEY), UploadId: 'upload-1', PartNumber: i + 1, CopySource: ENCODED_SOURCE });
      const [, start, end] = /^bytes=(\d+)-(\d+)$/.exec(part.CopySourceRange!)!.map(Number);
      expect(start).toBe(next); // contiguous, no gap or overlap
      expect(end - start + 1).toBe(512 * MiB);
      next = end + 1;
    }
    expect(next).toBe(size); // ends exactly at the last byte
    expect(s3Mock).toHaveReceivedCommandWith(CompleteMultipartUploadCommand, {
      Bucket: ARCHIVE_BUCKET,
      Key: ARCHIVED(KEY),
      UploadId: 'upload-1',
      MultipartUpload: { Parts: Array.from({ length: 12 }, (_, i) => ({ PartNumber: i + 1, ETag: `"etag-${i + 1}"` })) },
    });
  });

  it('aborts the multipart upload and throws ArchiveFailed when a part copy is denied', async () => {
    // Prepare
    s3Mock.on(HeadObjectCommand, { Bucket: SOURCE_BUCKET }).resolves({ ContentLength: 6 * GiB });
    s3Mock.on(CreateMultipartUploadCommand).resolves({ UploadId: 'upload-2' });
    const denied = s3Error('AccessDenied', 403);
    s3Mock.on(UploadPartCopyCommand).rejects(denied);
    s3Mock.on(AbortMultipartUploadCommand).resolves({});
    // Act
    const act = handler({ jobId: JOB_ID, source: sourceRef({ size: 6 * GiB }) });
    // Assess
    await expect(act).rejects.toMatchObject({ name: 'ArchiveFailed', cause: denied, context: { step: 'multipart copy', error: 'AccessDenied' } });
    expect(s3Mock).toHaveReceivedCommandWith(AbortMultipartUploadCommand, { Bucket: ARCHIVE_BUCKET, Key: ARCHIVED('uploads/clip.mp4'), UploadId: 'upload-2' });
    expect(s3Mock).not.toHaveReceivedCommand(CompleteMultipartUploadCommand);
    // No new part starts after the first failure (4 in flight at most), and the abort comes last.
    expect(s3Mock.commandCalls(UploadPartCopyCommand).length).toBeLessThanOrEqual(4);
    expect(s3Mock.calls().at(-1)?.args[0]).toBeInstanceOf(AbortMultipartUploadCommand);
  });

  it('throws ArchiveFailed with the cause when the source changed (precondition failed)', async () => {
    // Prepare
    const precondition = s3Error('PreconditionFailed', 412);
    s3Mock.on(CopyObjectCommand).rejects(precondition);
    // Act
    const act = handler({ jobId: JOB_ID, source: sourceRef() });
    // Assess
    await expect(act).rejects.toMatchObject({ name: 'ArchiveFailed', cause: precondition, context: { step: 'CopyObject' } });
  });

  it('rethrows throttling unchanged so it is retried', async () => {
    // Prepare
    const slowDown = s3Error('SlowDown', 503);
    s3Mock.on(CopyObjectCommand).rejects(slowDown);
    // Act
    const act = handler({ jobId: JOB_ID, source: sourceRef() });
    // Assess
    await expect(act).rejects.toBe(slowDown);
  });

  it('throws MalformedEvent for an input without a source', async () => {
    // Act
    const act = handler({ jobId: JOB_ID });
    // Assess
    await expect(act).rejects.toMatchObject({ name: 'MalformedEvent' });
    expect(s3Mock.calls()).toHaveLength(0);
  });
});

describe('copy helpers', () => {
  it('URL-encodes each key segment and appends the version', () => {
    expect(copySourceOf({ bucket: 'b', key: 'a dir/é+%.mp4', versionId: 'v+1' })).toBe('b/a%20dir/%C3%A9%2B%25.mp4?versionId=v%2B1');
    expect(copySourceOf({ bucket: 'b', key: 'k.mp4' })).toBe('b/k.mp4');
  });

  it('makes a shorter last part', () => {
    expect(partRanges(10, 4)).toEqual([
      { partNumber: 1, range: 'bytes=0-3' },
      { partNumber: 2, range: 'bytes=4-7' },
      { partNumber: 3, range: 'bytes=8-9' },
    ]);
  });
});

describe('configuration', () => {
  it('rejects a storage class S3 does not know', async () => {
    // Prepare
    process.env.ARCHIVE_STORAGE_CLASS = 'COLD';
    try {
      await jest.isolateModulesAsync(async () => {
        const isolated = await import('../../handlers/archive-source');
        // Act
        const act = isolated.handler({ jobId: JOB_ID, source: sourceRef() });
        // Assess
        await expect(act).rejects.toMatchObject({ name: 'ConfigurationError', message: 'ARCHIVE_STORAGE_CLASS "COLD" is not an S3 storage class' });
      });
    } finally {
      process.env.ARCHIVE_STORAGE_CLASS = 'GLACIER_IR';
    }
  });
});
