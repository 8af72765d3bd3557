import { HeadObjectCommand, NotFound, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { logger } from '../../handlers/shared/logger';
import { executionArnFor, jobIdFor } from '../../handlers/shared/start-job';
import { handler } from '../../handlers/start-workflow';
import { unconfirmedRejectionIdFor } from '../../handlers/start-workflow/process-batch';
import {
  objectCreatedEvent,
  SOURCE_BUCKET,
  sqsEvent,
  sqsRecord,
  STATE_MACHINE_ARN,
} from '../fixtures/events';
import { FakeJobsTable } from '../helpers/jobs-table';

const ETAG = 'b1946ac92492d2347c6235b4d2611184';
const s3Mock = mockClient(S3Client);
const sfnMock = mockClient(SFNClient);
const ddbMock = mockClient(DynamoDBDocumentClient);
let table: FakeJobsTable;

const body = (object: Parameters<typeof objectCreatedEvent>[0] = {}, bucket?: string) => JSON.stringify(objectCreatedEvent(object, bucket));

beforeAll(() => {
  Object.assign(process.env, {
    AWS_REGION: 'eu-west-1',
    JOBS_TABLE_NAME: 'video-workflow-dev-jobs',
    WORKFLOW_NAME: 'video-workflow-dev',
    STATE_MACHINE_ARN,
    SOURCE_BUCKET,
    ALLOWED_EXTENSIONS: 'mp4,mov,mkv',
    SOURCE_KEY_PREFIX: 'uploads/',
    JOB_TTL_DAYS: '30',
  });
  logger.setLogLevel('SILENT');
});

beforeEach(() => {
  s3Mock.reset();
  sfnMock.reset();
  ddbMock.reset();
  table = new FakeJobsTable(ddbMock);
  s3Mock.on(HeadObjectCommand).resolves({ ContentLength: 1_048_576, ETag: `"${ETAG}"`, VersionId: 'v1' });
  sfnMock.on(StartExecutionCommand).callsFake((input: { name: string }) => ({ executionArn: executionArnFor(STATE_MACHINE_ARN, input.name) }));
});

describe('start-workflow handler', () => {
  it('starts a job for an Object Created event and reports no failure', async () => {
    // Prepare
    const event = sqsEvent(sqsRecord(body({ key: 'uploads/clip.mp4', 'version-id': 'v1' })));
    const jobId = jobIdFor(SOURCE_BUCKET, 'uploads/clip.mp4', 'v1');
    // Act
    const result = await handler(event);
    // Assess
    expect(result).toEqual({ batchItemFailures: [] });
    expect(sfnMock).toHaveReceivedCommandWith(StartExecutionCommand, { stateMachineArn: STATE_MACHINE_ARN, name: jobId });
    expect(table.get(jobId)).toMatchObject({ status: 'QUEUED', trigger: 's3', executionArn: executionArnFor(STATE_MACHINE_ARN, jobId) });
  });

  it('reports exactly the malformed and the throttled message of a mixed batch', async () => {
    // Prepare
    s3Mock
      .on(HeadObjectCommand, { Key: 'uploads/busy.mp4' })
      .rejects(new S3ServiceException({ name: 'SlowDown', $fault: 'server', message: 'Please reduce your request rate', $metadata: { httpStatusCode: 503 } }));
    const errorLog = jest.spyOn(logger, 'error');
    const event = sqsEvent(
      sqsRecord('{not json', 'malformed'),
      sqsRecord(body({ key: 'uploads/good.mp4', 'version-id': 'v1' }), 'good'),
      sqsRecord(body({ key: 'uploads/busy.mp4', 'version-id': 'v1' }), 'throttled'),
    );
    // Act
    const result = await handler(event);
    // Assess
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'malformed' }, { itemIdentifier: 'throttled' }]);
    expect(sfnMock).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
    expect(sfnMock).toHaveReceivedCommandWith(StartExecutionCommand, { name: jobIdFor(SOURCE_BUCKET, 'uploads/good.mp4', 'v1') });
    // The malformed message is logged by id, never by body.
    expect(errorLog).toHaveBeenCalledWith('Malformed ingest message', expect.objectContaining({ messageId: 'malformed' }));
    expect(JSON.stringify(errorLog.mock.calls)).not.toContain('{not json');
  });

  it.each([
    ['not an S3 event', JSON.stringify({ source: 'aws.ec2', 'detail-type': 'EC2 Instance State-change Notification', detail: {} })],
    ['another bucket', body({ key: 'uploads/clip.mp4' }, 'someone-elses-bucket')],
    ['an event without a key', JSON.stringify({ ...objectCreatedEvent(), detail: { bucket: { name: SOURCE_BUCKET }, object: { etag: ETAG } } })],
  ])('sends %s to the DLQ path (batch item failure) without touching S3', async (_label, messageBody) => {
    // Act
    const result = await handler(sqsEvent(sqsRecord(messageBody, 'bad')));
    // Assess
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'bad' }]);
    expect(s3Mock).not.toHaveReceivedCommand(HeadObjectCommand);
  });

  it('starts one execution for the same event delivered twice', async () => {
    // Prepare
    const messageBody = body({ key: 'uploads/clip.mp4', 'version-id': 'v1' });
    // Act
    const result = await handler(sqsEvent(sqsRecord(messageBody, 'first'), sqsRecord(messageBody, 'second')));
    // Assess
    expect(result.batchItemFailures).toEqual([]);
    expect(sfnMock).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
  });

  it.each([
    ['InvalidSourceKey', { key: 'uploads/notes.txt' }, 'Invalid source key: extension "txt" is not allowed; allowed: mp4, mov, mkv'],
    ['UnsupportedMedia', { key: 'uploads/empty.mp4', size: 0 }, 'Source object is empty (0 bytes)'],
    ['ObjectNotFound', { key: 'uploads/gone.mp4' }, 'Source object does not exist'],
  ])('records a permanent %s as a FAILED job and does not retry it', async (name, object, cause) => {
    // Prepare
    s3Mock.on(HeadObjectCommand, { Key: 'uploads/empty.mp4' }).resolves({ ContentLength: 0, ETag: `"${ETAG}"`, VersionId: 'v1' });
    s3Mock.on(HeadObjectCommand, { Key: 'uploads/gone.mp4' }).rejects(new NotFound({ message: 'Not Found', $metadata: { httpStatusCode: 404 } }));
    const event = sqsEvent(sqsRecord(body({ ...object, 'version-id': 'v1' }), 'permanent'));
    // HeadObject confirmed nothing for ObjectNotFound: its record takes a rejection-specific id.
    const jobId = name === 'ObjectNotFound' ? unconfirmedRejectionIdFor({ bucket: SOURCE_BUCKET, versionId: 'v1', etag: ETAG }, object.key) : jobIdFor(SOURCE_BUCKET, object.key, 'v1');
    // Act
    const result = await handler(event);
    // Assess
    expect(result.batchItemFailures).toEqual([]);
    expect(sfnMock).not.toHaveReceivedCommand(StartExecutionCommand);
    expect(ddbMock).toHaveReceivedCommandWith(PutCommand, {
      ConditionExpression: 'attribute_not_exists(jobId)',
      Item: expect.objectContaining({ jobId, status: 'FAILED', error: { name, cause } }),
    });
    expect(table.get(jobId)?.status).toBe('FAILED');
  });

  it('a forged message (genuine key and version, another ETag) never writes under the genuine job id, and the real upload still starts', async () => {
    // Prepare: version v1 of the key really exists with ETAG; the forger sends it with another ETag
    const genuineId = jobIdFor(SOURCE_BUCKET, 'uploads/clip.mp4', 'v1');
    const forged = body({ key: 'uploads/clip.mp4', 'version-id': 'v1', etag: 'ffffffffffffffffffffffffffffffff' });
    // Act
    const forgedResult = await handler(sqsEvent(sqsRecord(forged, 'forged')));
    // Assess: nothing under the genuine id, no execution; the rejection is visible under its own id
    expect(forgedResult.batchItemFailures).toEqual([]);
    expect(table.get(genuineId)).toBeUndefined();
    expect(sfnMock).not.toHaveReceivedCommand(StartExecutionCommand);
    const rejectionId = unconfirmedRejectionIdFor({ bucket: SOURCE_BUCKET, versionId: 'v1', etag: 'ffffffffffffffffffffffffffffffff' }, 'uploads/clip.mp4');
    expect(rejectionId).not.toBe(genuineId);
    expect(table.get(rejectionId)).toMatchObject({ status: 'FAILED', error: { name: 'ObjectNotFound', cause: 'Source object was replaced since the event' } });

    // Act: the genuine event arrives afterwards
    const genuine = await handler(sqsEvent(sqsRecord(body({ key: 'uploads/clip.mp4', 'version-id': 'v1' }), 'genuine')));
    // Assess: the real upload starts as if the forgery never happened
    expect(genuine.batchItemFailures).toEqual([]);
    expect(sfnMock).toHaveReceivedCommandWith(StartExecutionCommand, { name: genuineId });
    expect(table.get(genuineId)).toMatchObject({ status: 'QUEUED', source: { etag: ETAG, versionId: 'v1' } });
  });

  it('does not overwrite an existing job when a permanent failure repeats', async () => {
    // Prepare
    const messageBody = body({ key: 'uploads/notes.txt', 'version-id': 'v1' });
    await handler(sqsEvent(sqsRecord(messageBody, 'first')));
    const firstRecord = table.get(jobIdFor(SOURCE_BUCKET, 'uploads/notes.txt', 'v1'));
    // Act
    const result = await handler(sqsEvent(sqsRecord(messageBody, 'second')));
    // Assess
    expect(result.batchItemFailures).toEqual([]);
    expect(table.get(jobIdFor(SOURCE_BUCKET, 'uploads/notes.txt', 'v1'))).toBe(firstRecord);
  });

  it('retries a permanent failure whose record cannot be written (table throttled)', async () => {
    // Prepare
    ddbMock.on(PutCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ProvisionedThroughputExceededException' }));
    // Act
    const result = await handler(sqsEvent(sqsRecord(body({ key: 'uploads/notes.txt' }), 'm1')));
    // Assess
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
  });

  it('decodes a form-encoded key from the event', async () => {
    // Prepare
    s3Mock.on(HeadObjectCommand, { Key: 'uploads/my clipé.MOV' }).resolves({ ContentLength: 10, ETag: `"${ETAG}"`, VersionId: 'v1' });
    s3Mock.on(HeadObjectCommand, { Key: 'uploads/my+clip%C3%A9.MOV' }).rejects(new NotFound({ message: 'Not Found', $metadata: { httpStatusCode: 404 } }));
    // Act
    const result = await handler(sqsEvent(sqsRecord(body({ key: 'uploads/my+clip%C3%A9.MOV', 'version-id': 'v1' }))));
    // Assess
    expect(result.batchItemFailures).toEqual([]);
    expect(table.get(jobIdFor(SOURCE_BUCKET, 'uploads/my clipé.MOV', 'v1'))?.source.key).toBe('uploads/my clipé.MOV');
  });
});
