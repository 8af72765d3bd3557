import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../handlers/job-progress';
import { logger } from '../../handlers/shared/logger';
import { conditionFailed, JOB_ID, mediaConvertEvent, WORKFLOW_NAME } from '../fixtures/events';

const ddbMock = mockClient(DynamoDBDocumentClient);

beforeAll(() => {
  Object.assign(process.env, { AWS_REGION: 'eu-west-1', JOBS_TABLE_NAME: 'jobs', WORKFLOW_NAME });
  logger.setLogLevel('SILENT');
});

beforeEach(() => {
  ddbMock.reset();
  ddbMock.on(UpdateCommand).resolves({});
});

describe('job-progress handler', () => {
  it('raises the progress of our job on STATUS_UPDATE', async () => {
    // Act
    const result = await handler(mediaConvertEvent({ jobProgress: { jobPercentComplete: 42 } }));
    // Assess
    expect(result).toEqual({ ignored: false, updated: true });
    expect(ddbMock).toHaveReceivedCommandWith(UpdateCommand, {
      TableName: 'jobs',
      Key: { jobId: JOB_ID },
      UpdateExpression: 'SET progress = :p, updatedAt = :updatedAt, mediaConvertJobId = :mc',
      ConditionExpression: 'attribute_exists(jobId) AND #status = :processing AND (attribute_not_exists(progress) OR progress < :p)',
      ExpressionAttributeValues: expect.objectContaining({ ':p': 42, ':mc': '1767323100000-abc123', ':processing': 'PROCESSING' }),
    });
  });

  it('stores the MediaConvert error on ERROR without touching the status', async () => {
    // Act
    const result = await handler(mediaConvertEvent({ status: 'ERROR', jobProgress: undefined, errorCode: 1040, errorMessage: 'Audio track missing' }));
    // Assess
    expect(result).toEqual({ ignored: false, updated: true });
    expect(ddbMock).toHaveReceivedCommandWith(UpdateCommand, {
      Key: { jobId: JOB_ID },
      UpdateExpression: 'SET mediaConvertError = :e, updatedAt = :updatedAt, mediaConvertJobId = :mc',
      ConditionExpression: 'attribute_exists(jobId)',
      ExpressionAttributeValues: expect.objectContaining({
        ':e': { code: 1040, message: 'Audio track missing', mediaConvertJobId: '1767323100000-abc123' },
      }),
    });
    const update = ddbMock.commandCalls(UpdateCommand)[0].args[0].input;
    expect(update.UpdateExpression).not.toContain('status');
  });

  it('treats an unknown job, a finished job or a late event as not updated, not as an error', async () => {
    // Prepare
    ddbMock.on(UpdateCommand).rejects(conditionFailed());
    // Act
    const progress = await handler(mediaConvertEvent());
    const error = await handler(mediaConvertEvent({ status: 'ERROR', errorCode: 1010, errorMessage: 'x' }));
    // Assess
    expect(progress).toEqual({ ignored: false, updated: false });
    expect(error).toEqual({ ignored: false, updated: false });
  });

  it.each([
    ['no userMetadata', { userMetadata: undefined }, 'no jobId in userMetadata'],
    ['no jobId', { userMetadata: { workflow: WORKFLOW_NAME } }, 'no jobId in userMetadata'],
    ['another workflow', { userMetadata: { jobId: JOB_ID, workflow: 'video-workflow-prod' } }, 'job belongs to another workflow'],
    ['no workflow', { userMetadata: { jobId: JOB_ID } }, 'job belongs to another workflow'],
    ['a malformed jobId', { userMetadata: { jobId: 'ABC', workflow: WORKFLOW_NAME } }, 'jobId in userMetadata is not a job id'],
    ['an untracked status', { status: 'PROGRESSING' }, 'status PROGRESSING is not tracked'],
    ['a status update without percent', { jobProgress: { currentPhase: 'PROBING' } }, 'status update without jobPercentComplete'],
    ['an error without code', { status: 'ERROR', jobProgress: undefined }, 'error event without a numeric errorCode'],
  ])('ignores an event with %s', async (_label, detail, reason) => {
    // Act
    const result = await handler(mediaConvertEvent(detail));
    // Assess
    expect(result).toEqual({ ignored: true, reason });
    expect(ddbMock).not.toHaveReceivedCommand(UpdateCommand);
  });

  it('ignores something that is not a MediaConvert state change', async () => {
    // Act
    const result = await handler({ 'detail-type': 'Object Created', detail: {} });
    // Assess
    expect(result).toEqual({ ignored: true, reason: 'not a MediaConvert Job State Change event' });
  });

  it('lets throttling through so EventBridge retries the invocation', async () => {
    // Prepare
    ddbMock.on(UpdateCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    // Act
    const act = handler(mediaConvertEvent());
    // Assess
    await expect(act).rejects.toMatchObject({ name: 'ThrottlingException' });
  });
});
