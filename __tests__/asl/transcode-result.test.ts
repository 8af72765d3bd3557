/**
 * The Transcode task against what a real account may do differently from the stand-ins
 * (issue #20, points 2 and 3):
 * - a CreateJob that succeeded server-side but failed on the wire is retried with the SAME
 *   ClientRequestToken, so MediaConvert answers with the job it already created;
 * - a `.sync` result that does not have the documented `{ Job: { Id, OutputGroupDetails } }`
 *   shape makes ResultSelector fail with States.Runtime, which no Catch sees; the job still ends
 *   FAILED with a notification, through the execution-ended rule and job-progress.
 */
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { PublishCommand } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { handleExecutionStatusChange } from '../../handlers/job-progress/execution-status';
import { DynamoJobStore } from '../../handlers/shared/job-store';
import {
  completedMediaConvertJob,
  executionArnOf,
  runWorkflow,
  serviceError,
  STATE_MACHINE_ARN,
  TEST_JOB_ID,
  TEST_SUBSTITUTIONS,
  workflowInput,
} from '../helpers/asl-harness';
import { bridgeJobTable } from '../helpers/jobs-table';

/**
 * MediaConvert's CreateJob idempotency as the API reference describes it: a token reused within
 * one minute of a successful request returns the original job. `wireFailures` requests succeed
 * server-side and then fail on the way back (InternalServerErrorException reaches the task).
 */
function idempotentMediaConvert(wireFailures: number) {
  const jobsByToken = new Map<string, ReturnType<typeof completedMediaConvertJob>>();
  const tokens: unknown[] = [];
  let created = 0;
  let calls = 0;
  const createJob = (params: Record<string, unknown>) => {
    calls++;
    const token = params.ClientRequestToken;
    tokens.push(token);
    let job = typeof token === 'string' ? jobsByToken.get(token) : undefined;
    if (job === undefined) {
      created++;
      job = completedMediaConvertJob(params, `1732870000000-job${created}`);
      if (typeof token === 'string') jobsByToken.set(token, job);
    }
    if (calls <= wireFailures) throw serviceError('MediaConvert.InternalServerErrorException', 'connection reset after the job was created');
    return job;
  };
  return { createJob, tokens, created: () => created };
}

describe('Transcode: idempotent CreateJob across retries', () => {
  it('sends the same ClientRequestToken (the job id) on every attempt, so a retried request bills one job', async () => {
    // Prepare: the first two responses are lost after MediaConvert created the job.
    const mediaConvert = idempotentMediaConvert(2);

    // Act
    const run = await runWorkflow({ tasks: { Transcode: mediaConvert.createJob } });

    // Assess
    expect(run.status).toBe('SUCCEEDED');
    expect(run.retries).toEqual([1, 2].map((attempt) => ({ state: 'Transcode', attempt, error: 'MediaConvert.InternalServerErrorException' })));
    expect(mediaConvert.tokens).toEqual([TEST_JOB_ID, TEST_JOB_ID, TEST_JOB_ID]);
    expect(mediaConvert.created()).toBe(1);
    expect(run.record).toMatchObject({ status: 'COMPLETED', mediaConvertJobId: '1732870000000-job1' });
  });

  it('gives another job another token (tokens never collide across jobs)', async () => {
    // Prepare
    const otherJobId = 'fedcba9876543210fedcba9876543210';
    const mediaConvert = idempotentMediaConvert(0);

    // Act
    const first = await runWorkflow({ tasks: { Transcode: mediaConvert.createJob } });
    const second = await runWorkflow({ input: workflowInput({ jobId: otherJobId }), tasks: { Transcode: mediaConvert.createJob } });

    // Assess
    expect([first.status, second.status]).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(mediaConvert.tokens).toEqual([TEST_JOB_ID, otherJobId]);
    expect(mediaConvert.created()).toBe(2);
    // CreateJob accepts "any string that includes up to 64 ASCII characters".
    for (const token of mediaConvert.tokens) expect(String(token)).toMatch(/^[\x20-\x7e]{1,64}$/);
  });
});

describe('Transcode: the .sync result shape', () => {
  it('reads Job.Id and Job.OutputGroupDetails from the documented GetJob shape', async () => {
    // Act
    const run = await runWorkflow();

    // Assess
    expect(run.status).toBe('SUCCEEDED');
    expect(run.record?.mediaConvertJobId).toBe('1732870000000-abc123');
  });

  it.each([
    ['camel-case keys', (job: ReturnType<typeof completedMediaConvertJob>) => ({ job: job.Job })],
    ['no OutputGroupDetails', (job: ReturnType<typeof completedMediaConvertJob>) => ({ Job: { ...job.Job, OutputGroupDetails: undefined } })],
  ])('an unexpected shape (%s) still ends FAILED with a notification, through the execution-ended rule', async (_label, reshape) => {
    // Prepare
    const transcode = (params: Record<string, unknown>) => reshape(completedMediaConvertJob(params));

    // Act: the execution fails in Transcode with States.Runtime, past every Catch.
    const run = await runWorkflow({ tasks: { Transcode: transcode } });

    // Assess: Step Functions' own failure, no failure path, the record still PROCESSING.
    expect(run.status).toBe('FAILED');
    expect(run.error?.Error).toBe('States.Runtime');
    expect(run.caught).toEqual([]);
    expect(run.states[run.states.length - 1]).toBe('Transcode');
    expect(run.record?.status).toBe('PROCESSING');
    expect(run.world.notifications.sent).toEqual([]);

    // Act: the "Step Functions Execution Status Change" event of that execution reaches job-progress.
    const ddb = mockClient(DynamoDBDocumentClient);
    bridgeJobTable(ddb, run.world.table);
    const published: PublishCommand['input'][] = [];
    const events: string[] = [];
    const result = await handleExecutionStatusChange(
      {
        'detail-type': 'Step Functions Execution Status Change',
        source: 'aws.states',
        detail: {
          executionArn: executionArnOf(TEST_JOB_ID),
          stateMachineArn: STATE_MACHINE_ARN,
          name: TEST_JOB_ID,
          status: 'FAILED',
          error: run.error?.Error,
          cause: typeof run.error?.Cause === 'string' ? run.error.Cause : '',
        },
      },
      {
        store: new DynamoJobStore(ddb as unknown as DynamoDBDocumentClient, TEST_SUBSTITUTIONS.JobsTableName),
        sns: { send: async (command: { input: PublishCommand['input'] }) => published.push(command.input) } as never,
        topicArn: TEST_SUBSTITUTIONS.NotificationTopicArn,
        stateMachineArn: STATE_MACHINE_ARN,
        events: { jobFinished: async (job) => void events.push(job.status) },
        // job-progress believes the event only when Step Functions reports the same end.
        sfn: { send: async () => ({ status: 'FAILED' }) } as never,
      },
    );
    ddb.restore();

    // Assess: FAILED with the named error, and the operator is told.
    expect(result).toEqual({ ignored: false, error: 'States.Runtime', recorded: true, notified: true });
    expect(run.world.table.get(TEST_JOB_ID)).toMatchObject({ status: 'FAILED', error: { name: 'States.Runtime' } });
    expect(published).toHaveLength(1);
    // Downstream systems hear about it too: one `Video Job Failed` event.
    expect(events).toEqual(['FAILED']);
    expect(published[0]).toMatchObject({ TopicArn: TEST_SUBSTITUTIONS.NotificationTopicArn, Subject: 'Video job failed' });
    const message = JSON.parse(published[0].Message!) as { job: unknown };
    expect(message).toMatchObject({ event: 'JOB_FAILED', jobId: TEST_JOB_ID, job: { status: 'FAILED', error: { name: 'States.Runtime' } }, operator: { error: { Error: 'States.Runtime' } } });
    // The public part holds no location: no s3:// URI, ARN or account id.
    expect(JSON.stringify(message.job)).not.toMatch(/s3:\/\/|arn:|\d{12}/);
  });
});
