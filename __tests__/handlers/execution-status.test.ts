import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DescribeExecutionCommand, ExecutionDoesNotExist, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../handlers/job-progress';
import { logger } from '../../handlers/shared/logger';
import { conditionFailed, JOB_ID, jobRecord, WORKFLOW_NAME } from '../fixtures/events';

const STATE_MACHINE_ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:video-workflow-dev-workflow';
const ddbMock = mockClient(DynamoDBDocumentClient);
const snsMock = mockClient(SNSClient);
const eventsMock = mockClient(EventBridgeClient);
const sfnMock = mockClient(SFNClient);
const EXECUTION_ARN = `${STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:${JOB_ID}`;
const TOPIC_ARN = 'arn:aws:sns:eu-west-1:123456789012:video-workflow-dev-notifications';

/** The status of the last event built: what DescribeExecution reports for a genuine event. */
let lastStatus = 'TIMED_OUT';

/** "Step Functions Execution Status Change" as EventBridge delivers it. */
function executionEvent(detail: Record<string, unknown> = {}) {
  lastStatus = (detail.status as string | undefined) ?? 'TIMED_OUT';
  return {
    version: '0',
    id: 'e1',
    'detail-type': 'Step Functions Execution Status Change',
    source: 'aws.states',
    account: '123456789012',
    time: '2026-11-29T12:00:00Z',
    region: 'eu-west-1',
    resources: [`${STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:${JOB_ID}`],
    detail: {
      executionArn: `${STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:${JOB_ID}`,
      stateMachineArn: STATE_MACHINE_ARN,
      name: JOB_ID,
      status: 'TIMED_OUT',
      startDate: 1764417600000,
      stopDate: 1764439200000,
      input: '{}',
      output: null,
      error: null,
      cause: null,
      ...detail,
    },
  };
}

beforeAll(() => {
  Object.assign(process.env, { AWS_REGION: 'eu-west-1', JOBS_TABLE_NAME: 'jobs', WORKFLOW_NAME, STATE_MACHINE_ARN, TOPIC_ARN, EVENT_SOURCE: 'video-workflow.dev' });
  logger.setLogLevel('SILENT');
});

beforeEach(() => {
  ddbMock.reset();
  snsMock.reset();
  sfnMock.reset();
  // A genuine event: the record names this execution, and Step Functions reports the status the event claims.
  ddbMock.on(GetCommand).resolves({ Item: jobRecord({ status: 'PROCESSING', executionArn: EXECUTION_ARN }) });
  sfnMock.on(DescribeExecutionCommand).callsFake(() => ({ executionArn: EXECUTION_ARN, status: lastStatus }));
  ddbMock.on(UpdateCommand).resolves({ Attributes: jobRecord({ status: 'FAILED' }) });
  snsMock.on(PublishCommand).resolves({ MessageId: 'm1' });
  eventsMock.reset();
  eventsMock.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
});

describe('job-progress: executions that ended outside the failure path', () => {
  it('marks the job of a timed-out execution FAILED with States.Timeout and sends the failure notification', async () => {
    // Act
    const result = await handler(executionEvent());
    // Assess
    expect(result).toEqual({ ignored: false, error: 'States.Timeout', recorded: true, notified: true });
    expect(snsMock).toHaveReceivedCommandWith(PublishCommand, { TopicArn: TOPIC_ARN, Subject: 'Video job failed' });
    expect(JSON.parse(snsMock.commandCalls(PublishCommand)[0].args[0].input.Message!)).toMatchObject({
      event: 'JOB_FAILED',
      jobId: JOB_ID,
      job: { jobId: JOB_ID, status: 'FAILED', error: { name: 'States.Timeout' } },
      operator: { error: { Error: 'States.Timeout' }, executionStatus: 'TIMED_OUT' },
    });
    const { job } = JSON.parse(snsMock.commandCalls(PublishCommand)[0].args[0].input.Message!) as { job: unknown };
    expect(JSON.stringify(job)).not.toMatch(/s3:\/\/|arn:|\d{12}/);
    const update = ddbMock.commandCalls(UpdateCommand)[0].args[0].input;
    expect(update.Key).toEqual({ jobId: JOB_ID });
    expect(JSON.stringify(update.ExpressionAttributeValues)).toContain('States.Timeout');
    expect(JSON.stringify(update.ExpressionAttributeValues)).toContain('FAILED');
    // Downstream systems hear about timeouts too: `Video Job Failed` with the public view.
    expect(eventsMock).toHaveReceivedCommandTimes(PutEventsCommand, 1);
    expect(eventsMock.commandCalls(PutEventsCommand)[0].args[0].input.Entries![0]).toMatchObject({ Source: 'video-workflow.dev', DetailType: 'Video Job Failed' });
  });

  it('names an aborted execution ExecutionAborted', async () => {
    const result = await handler(executionEvent({ status: 'ABORTED' }));
    expect(result).toEqual({ ignored: false, error: 'ExecutionAborted', recorded: true, notified: true });
  });

  it('keeps the error and cause of a FAILED execution the ASL could not catch', async () => {
    const result = await handler(executionEvent({ status: 'FAILED', error: 'States.Runtime', cause: 'An error occurred while executing the state' }));
    expect(result).toEqual({ ignored: false, error: 'States.Runtime', recorded: true, notified: true });
    expect(JSON.stringify(ddbMock.commandCalls(UpdateCommand)[0].args[0].input.ExpressionAttributeValues)).toContain(
      'An error occurred while executing the state',
    );
  });

  it('leaves a job the failure path already finished as it is', async () => {
    // Prepare: the conditional transition fails because the job is COMPLETED
    ddbMock.on(UpdateCommand).rejects(conditionFailed(jobRecord({ status: 'COMPLETED' })));
    ddbMock.on(GetCommand).resolves({ Item: { jobId: JOB_ID, status: 'COMPLETED', executionArn: EXECUTION_ARN } });
    // Act
    const result = await handler(executionEvent({ status: 'FAILED', error: 'QualityCheckFailed', cause: '[]' }));
    // Assess: no exception (no retry, no DLQ), the record is not rewritten, nobody is told twice
    expect(result).toEqual({ ignored: false, error: 'QualityCheckFailed', recorded: false, notified: false });
    expect(ddbMock.commandCalls(UpdateCommand)).toHaveLength(1);
    expect(snsMock.commandCalls(PublishCommand)).toHaveLength(0);
    expect(eventsMock).not.toHaveReceivedCommand(PutEventsCommand);
  });

  it('ignores executions of another state machine and names that are not job ids', async () => {
    expect(await handler(executionEvent({ stateMachineArn: `${STATE_MACHINE_ARN}-other` }))).toEqual({ ignored: true, reason: 'execution of another state machine' });
    expect(await handler(executionEvent({ name: 'manual-test-run' }))).toEqual({ ignored: true, reason: 'execution name is not a job id' });
    expect(await handler(executionEvent({ status: 'SUCCEEDED' }))).toEqual({ ignored: true, reason: 'not a FAILED/TIMED_OUT/ABORTED execution status change' });
    expect(await handler(executionEvent({ status: 'FAILED', error: 'JobStateConflict', cause: 'RecordStart: the job is not QUEUED' }))).toEqual({
      ignored: true,
      reason: 'execution changed nothing (job was not QUEUED)',
    });
    expect(ddbMock.commandCalls(UpdateCommand)).toHaveLength(0);
    expect(snsMock.commandCalls(PublishCommand)).toHaveLength(0);
  });

  it('keeps the FAILED record when the notification cannot be sent', async () => {
    snsMock.on(PublishCommand).rejects(new Error('SNS down'));
    const result = await handler(executionEvent());
    expect(result).toEqual({ ignored: false, error: 'States.Timeout', recorded: true, notified: false });
  });

  it('lets throttling through so EventBridge retries (and the events DLQ keeps what never succeeds)', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ProvisionedThroughputExceededException' });
    ddbMock.on(UpdateCommand).rejects(throttled);
    await expect(handler(executionEvent())).rejects.toThrow('Rate exceeded');
  });

  describe('forged "Execution Status Change" events (invoked directly, not by the rule) change nothing', () => {
    const nothingChanged = () => {
      expect(ddbMock.commandCalls(UpdateCommand)).toHaveLength(0);
      expect(snsMock.commandCalls(PublishCommand)).toHaveLength(0);
    };

    it('an ABORTED event for a job whose execution is still RUNNING', async () => {
      // Prepare: the record and the ARN are right, but Step Functions says the execution runs
      const forged = executionEvent({ status: 'ABORTED' });
      sfnMock.on(DescribeExecutionCommand).resolves({ executionArn: EXECUTION_ARN, status: 'RUNNING' });
      // Act
      const result = await handler(forged);
      // Assess
      expect(result).toEqual({ ignored: true, reason: 'Step Functions reports the execution RUNNING, the event says ABORTED' });
      expect(sfnMock).toHaveReceivedCommandWith(DescribeExecutionCommand, { executionArn: EXECUTION_ARN });
      nothingChanged();
    });

    it('an event whose execution ARN is not this state machine\'s execution of the job', async () => {
      const result = await handler(executionEvent({ executionArn: `${EXECUTION_ARN.replace(JOB_ID, 'f'.repeat(32))}` }));
      expect(result).toEqual({ ignored: true, reason: "execution ARN is not this state machine's execution of the job" });
      expect(sfnMock.commandCalls(DescribeExecutionCommand)).toHaveLength(0);
      nothingChanged();
    });

    it('an event for an execution the job record does not name, or for a job with no record', async () => {
      ddbMock.on(GetCommand).resolves({ Item: jobRecord({ status: 'PROCESSING', executionArn: `${EXECUTION_ARN}-redriven` }) });
      expect(await handler(executionEvent())).toEqual({ ignored: true, reason: 'job record names another execution' });
      ddbMock.on(GetCommand).resolves({});
      expect(await handler(executionEvent())).toEqual({ ignored: true, reason: 'no job record for the execution' });
      nothingChanged();
    });

    it('an event for an execution that never existed', async () => {
      sfnMock.on(DescribeExecutionCommand).rejects(new ExecutionDoesNotExist({ message: 'Execution does not exist', $metadata: {} }));
      expect(await handler(executionEvent())).toEqual({ ignored: true, reason: 'execution does not exist' });
      nothingChanged();
    });

    it('an event without an execution ARN', async () => {
      const { detail, ...rest } = executionEvent();
      const { executionArn: _dropped, ...withoutArn } = detail;
      expect(await handler({ ...rest, detail: withoutArn })).toEqual({ ignored: true, reason: 'not a FAILED/TIMED_OUT/ABORTED execution status change' });
      nothingChanged();
    });
  });
});
