/**
 * Finding "version pin broken (TOCTOU)": MediaConvert's FileInput carries no version, so before
 * PinSource it transcoded whatever object was current when the job ran. Here the same ASL runs
 * with the real handlers over a versioned S3 stand-in; the source key is overwritten between the
 * probe and the transcode, and the Transcode stand-in reads FileInput the way MediaConvert does
 * (the current object at that URL).
 */
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { logger } from '../../handlers/shared/logger';
import { parseS3Uri } from '../../handlers/shared/s3-uri';
import { ARCHIVE_BUCKET, runWorkflow, SOURCE_BUCKET, TEST_JOB_ID, workflowInput } from '../helpers/asl-harness';
import { HANDLER_ENV, healthyServices, realWorkflow, runWithSourceOverwrite, VERSION_1, VERSION_2 } from '../helpers/real-workflow';
import { md5, VersionedS3 } from '../fixtures/s3';

const s3Mock = mockClient(S3Client);
const ddbMock = mockClient(DynamoDBDocumentClient);
const snsMock = mockClient(SNSClient);

const KEY = 'uploads/landscape.mp4';

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

describe('the transcode reads exactly the probed version', () => {
  it('an overwrite of the key between probe and transcode: the outputs are made from version 1', async () => {
    // Prepare
    const store = new VersionedS3();

    // Act: version 2 lands on the same key after the probe, before the transcode
    const { run, transcodedBytes, captured } = await runWithSourceOverwrite(ddbMock, s3Mock, store, { between: () => store.put(SOURCE_BUCKET, KEY, VERSION_2) });

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

    // Act: someone writes other bytes over the job-scoped copy during the transcode
    const { run } = await runWithSourceOverwrite(ddbMock, s3Mock, store, {
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
    store.install(s3Mock, SOURCE_BUCKET, `work/${TEST_JOB_ID}/`);
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
