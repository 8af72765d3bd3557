/**
 * Finding "version pin broken (TOCTOU)": MediaConvert's FileInput carries no version, so before
 * PinSource it transcoded whatever object was current when the job ran. Here the same ASL runs
 * with the real handlers over a versioned S3 stand-in; the source key is overwritten between the
 * probe and the transcode, and the Transcode stand-in reads FileInput the way MediaConvert does
 * (the current object at that URL).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { CopyObjectCommand, GetObjectCommand, HeadObjectCommand, NotFound, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { logger } from '../../handlers/shared/logger';
import { parseS3Uri } from '../../handlers/shared/s3-uri';
import { ARCHIVE_BUCKET, runWorkflow, SOURCE_BUCKET, TEST_JOB_ID, workflowInput, type TaskHandler } from '../helpers/asl-harness';
import { HANDLER_ENV, healthyServices, MEDIA_DIR, realWorkflow, type Captured } from '../helpers/real-workflow';

const s3Mock = mockClient(S3Client);
const ddbMock = mockClient(DynamoDBDocumentClient);
const snsMock = mockClient(SNSClient);

const KEY = 'uploads/landscape.mp4';
const VERSION_1 = readFileSync(path.join(MEDIA_DIR, 'landscape.mp4'));
const VERSION_2 = readFileSync(path.join(MEDIA_DIR, 'portrait-no-audio.mp4'));
const md5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('hex');

interface StoredVersion {
  readonly versionId: string;
  readonly bytes: Uint8Array;
  readonly etag: string;
}

/** A versioned bucket store: HeadObject / ranged GetObject / CopyObject as S3 answers them. */
class VersionedS3 {
  private readonly objects = new Map<string, StoredVersion[]>();
  private nextVersion = 1;

  put(bucket: string, key: string, bytes: Uint8Array): StoredVersion {
    const version = { versionId: `v${this.nextVersion++}`, bytes, etag: md5(bytes) };
    this.objects.set(`${bucket}/${key}`, [...(this.objects.get(`${bucket}/${key}`) ?? []), version]);
    return version;
  }

  get(bucket: string, key: string, versionId?: string): StoredVersion {
    const versions = this.objects.get(`${bucket}/${key}`) ?? [];
    const found = versionId === undefined ? versions[versions.length - 1] : versions.find((v) => v.versionId === versionId);
    if (found === undefined) throw new NotFound({ message: 'Not Found', $metadata: { httpStatusCode: 404 } });
    return found;
  }

  install(mock: typeof s3Mock): void {
    mock.on(HeadObjectCommand, { Bucket: SOURCE_BUCKET }).callsFake((input: { Bucket: string; Key: string; VersionId?: string }) => {
      const v = this.get(input.Bucket, input.Key, input.VersionId);
      return { ContentLength: v.bytes.length, ETag: `"${v.etag}"`, VersionId: v.versionId };
    });
    mock.on(HeadObjectCommand, { Key: `work/${TEST_JOB_ID}/source.mp4` }).callsFake((input: { Bucket: string; Key: string }) => {
      const v = this.get(input.Bucket, input.Key);
      return { ContentLength: v.bytes.length, ETag: `"${v.etag}"`, VersionId: v.versionId };
    });
    mock.on(GetObjectCommand, { Bucket: SOURCE_BUCKET }).callsFake((input: { Bucket: string; Key: string; VersionId?: string; Range?: string }) => {
      const v = this.get(input.Bucket, input.Key, input.VersionId);
      const [, from, to] = /^bytes=(\d+)-(\d+)$/.exec(input.Range ?? '') ?? [];
      const slice = v.bytes.subarray(Number(from), Math.min(Number(to) + 1, v.bytes.length));
      return { Body: { transformToByteArray: async () => new Uint8Array(slice) }, ContentLength: slice.length };
    });
    mock.on(CopyObjectCommand).callsFake((input: { Bucket: string; Key: string; CopySource: string; CopySourceIfMatch?: string }) => {
      const [pathPart, query] = input.CopySource.split('?');
      const [bucket, ...keyParts] = pathPart!.split('/');
      const versionId = query?.startsWith('versionId=') ? decodeURIComponent(query.slice('versionId='.length)) : undefined;
      const source = this.get(bucket!, keyParts.map(decodeURIComponent).join('/'), versionId);
      if (input.CopySourceIfMatch !== undefined && input.CopySourceIfMatch !== `"${source.etag}"`) {
        throw new S3ServiceException({ name: 'PreconditionFailed', $fault: 'client', message: 'At least one of the pre-conditions you specified did not hold', $metadata: { httpStatusCode: 412 } });
      }
      const copy = this.put(input.Bucket, input.Key, source.bytes);
      return { CopyObjectResult: { ETag: `"${copy.etag}"` }, VersionId: copy.versionId };
    });
  }
}

beforeAll(() => {
  Object.assign(process.env, HANDLER_ENV);
  logger.setLogLevel('SILENT');
});

beforeEach(() => {
  s3Mock.reset();
  ddbMock.reset();
  snsMock.reset();
  healthyServices(s3Mock, snsMock);
});

/** Runs the workflow for version 1 of KEY; `between` runs after PlanTranscode (the probe is done), `duringTranscode` inside it. */
async function runWithOverwrite(store: VersionedS3, hooks: { between?: () => void; duringTranscode?: (fileInput: string) => void }) {
  const v1 = store.put(SOURCE_BUCKET, KEY, VERSION_1);
  const input = workflowInput({ source: { bucket: SOURCE_BUCKET, key: KEY, versionId: v1.versionId, etag: v1.etag, size: VERSION_1.length } });
  const captured: Captured = { transcodeRequests: [] };
  const wiring = realWorkflow(ddbMock, captured, { qualityControl: 'real', s3: s3Mock, servePinned: false });
  let transcodedBytes: Uint8Array | undefined;
  const run = await runWorkflow({
    input,
    lambdas: (world) => {
      const real = wiring.lambdas(world);
      const plan: TaskHandler = async (taskInput) => {
        const result = await real.PlanTranscode!(taskInput);
        hooks.between?.();
        return result;
      };
      return { ...real, PlanTranscode: plan };
    },
    tasks: {
      Transcode: (async (request: { Settings: { Inputs: { FileInput: string }[] } }) => {
        const fileInput = request.Settings.Inputs[0]!.FileInput;
        // MediaConvert reads the current object at FileInput when the job runs.
        const { bucket, key } = parseS3Uri(fileInput);
        transcodedBytes = store.get(bucket, key).bytes;
        hooks.duringTranscode?.(fileInput);
        return (wiring.transcode as (r: unknown) => unknown)(request);
      }) as TaskHandler,
    },
  });
  return { run, transcodedBytes, captured };
}

describe('the transcode reads exactly the probed version', () => {
  it('an overwrite of the key between probe and transcode: the outputs are made from version 1', async () => {
    // Prepare
    const store = new VersionedS3();
    store.install(s3Mock);

    // Act: version 2 lands on the same key after the probe, before the transcode
    const { run, transcodedBytes, captured } = await runWithOverwrite(store, { between: () => store.put(SOURCE_BUCKET, KEY, VERSION_2) });

    // Assess: the probe saw version 1, and MediaConvert read version 1's bytes, not version 2's
    expect(run.error).toBeUndefined();
    expect(run.status).toBe('SUCCEEDED');
    expect(store.get(SOURCE_BUCKET, KEY).bytes).toBe(VERSION_2);
    expect(captured.metadata).toMatchObject({ width: 320, height: 180 });
    expect(transcodedBytes).toBeDefined();
    expect(md5(transcodedBytes!)).toBe(md5(VERSION_1));
    expect(md5(transcodedBytes!)).not.toBe(md5(VERSION_2));
    expect(captured.plan!.settings).toMatchObject({ Inputs: [{ FileInput: `s3://${ARCHIVE_BUCKET}/work/${TEST_JOB_ID}/source.mp4` }] });
    expect(run.output).toMatchObject({
      pinned: { bucket: ARCHIVE_BUCKET, key: `work/${TEST_JOB_ID}/source.mp4`, size: VERSION_1.length, sourceVersionId: 'v1' },
      qc: { passed: true },
    });
  });

  it('a pinned copy replaced while MediaConvert runs: QC fails the job (input-pinned), nothing is published', async () => {
    // Prepare
    const store = new VersionedS3();
    store.install(s3Mock);

    // Act: someone writes other bytes over the job-scoped copy during the transcode
    const { run } = await runWithOverwrite(store, {
      duringTranscode: (fileInput) => {
        const { bucket, key } = parseS3Uri(fileInput);
        store.put(bucket, key, VERSION_2);
      },
    });

    // Assess
    expect(run.status).toBe('FAILED');
    expect(run.states).toContain('QualityCheckFailed');
    expect(run.states).not.toContain('Publish');
    expect(run.error).toMatchObject({ Error: 'QualityCheckFailed', Cause: expect.stringContaining('Transcode input differs from the probed source') });
  });

  it('a probed version deleted (or replaced in an unversioned bucket) before the pin: ObjectNotFound, nothing transcoded', async () => {
    // Prepare: the copy's CopySourceIfMatch no longer holds
    const store = new VersionedS3();
    store.install(s3Mock);
    const transcode = jest.fn();

    // Act
    const v1 = store.put(SOURCE_BUCKET, KEY, VERSION_1);
    const run = await runWorkflow({
      input: workflowInput({ source: { bucket: SOURCE_BUCKET, key: KEY, versionId: v1.versionId, etag: 'not-the-probed-etag', size: VERSION_1.length } }),
      lambdas: (world) => realWorkflow(ddbMock, { transcodeRequests: [] }, { qualityControl: 'fake', bridgeTable: true }).lambdas(world),
      tasks: { Transcode: transcode },
    });

    // Assess
    expect(run.status).toBe('FAILED');
    expect(transcode).not.toHaveBeenCalled();
    expect(run.states).toEqual(['RecordStart', 'ExtractMetadata', 'PlanTranscode', 'PinSource', 'RecordFailure', 'NotifyFailure', 'WorkflowFailed']);
    expect(run.record).toMatchObject({ status: 'FAILED', error: { name: 'ObjectNotFound' } });
  });
});
