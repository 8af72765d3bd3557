/**
 * Executes asl/video-workflow.asl.json with aws-local-stepfunctions over phase-1 stand-ins
 * (see fakeLambdas in the harness), one test per path, with faults injected at each task.
 */
import {
  alwaysFailing,
  executionArnOf,
  failingTimes,
  fakeLambdas,
  hangingTimes,
  HarnessError,
  lambdaError,
  mediaConvertJobFailed,
  queuedRecord,
  runSuccessfulExecution,
  runWorkflow,
  serviceError,
  MAX_STATE_BYTES,
  TEST_JOB_ID,
  TEST_SUBSTITUTIONS,
  workflowInput,
  type TaskHandler,
  type World,
} from '../helpers/asl-harness';
import { renderWorkflowDefinition } from '../../asl/definition';
import type { QcResult } from '../../handlers/shared/job';

const SUCCESS_PATH = [
  'RecordStart',
  'ExtractMetadata',
  'PlanTranscode',
  'PinSource',
  'Transcode',
  'QualityControl',
  'Quality passed?',
  'Publish',
  'ArchiveSource',
  'Done',
];
const FAILURE_TAIL = ['RecordFailure', 'NotifyFailure', 'WorkflowFailed'];
const NOW = '2026-11-29T10:00:01.000Z';

/** Delegates to the default stand-in of `state`, recording what it was called with. */
function spyOnFake(state: string): { handler: (world: World) => Record<string, TaskHandler>; inputs: unknown[] } {
  const inputs: unknown[] = [];
  return {
    inputs,
    handler: (world) => {
      const fakes = fakeLambdas(world);
      const original = fakes[state];
      return {
        ...fakes,
        [state]: (input: unknown) => {
          inputs.push(input);
          return original(input);
        },
      };
    },
  };
}

function failureNotification(error: { Error: string; Cause: string }) {
  return {
    topicArn: TEST_SUBSTITUTIONS.NotificationTopicArn,
    subject: 'Video job failed',
    sender: 'NotifyFailure',
    message: expect.any(String),
    body: {
      event: 'JOB_FAILED',
      jobId: TEST_JOB_ID,
      // The public part names the error only; the operator part has the internals.
      job: { jobId: TEST_JOB_ID, status: 'FAILED', error: { name: error.Error } },
      operator: { source: workflowInput().source, error, executionArn: executionArnOf(TEST_JOB_ID) },
    },
  };
}

describe('success path', () => {
  it('a. runs every step once, records COMPLETED and notifies, within the transition and invocation budget', async () => {
    // Prepare
    const transcodeRequests: unknown[] = [];
    const tasks = {
      Transcode: (params: Record<string, unknown>) => {
        transcodeRequests.push(params);
        return { Job: { Id: 'mc-1', Status: 'COMPLETE', OutputGroupDetails: [{ Type: 'FILE_GROUP', OutputDetails: [] }] } };
      },
    };

    // Act
    const run = await runWorkflow({ tasks, now: NOW });

    // Assess: path and budget (Step Functions bills every state entered, retries included)
    expect(run.status).toBe('SUCCEEDED');
    expect(run.states).toEqual(SUCCESS_PATH);
    // PinSource (the pinned transcode input) is the sixth Lambda step and the tenth transition.
    expect(run.transitions).toBe(10);
    expect(run.transitions).toBeLessThanOrEqual(11);
    expect(run.lambdaInvocations).toBe(6);
    expect(run.lambdaInvocations).toBeLessThanOrEqual(6);
    expect(run.dynamoWrites).toBe(2); // RecordStart + publish's COMPLETED write
    expect(run.retries).toEqual([]);
    expect(run.maxStatePayloadBytes).toBeLessThan(MAX_STATE_BYTES);

    // Assess: the MediaConvert request the ASL builds
    expect(transcodeRequests).toEqual([
      {
        Queue: TEST_SUBSTITUTIONS.MediaConvertQueueArn,
        Role: TEST_SUBSTITUTIONS.MediaConvertRoleArn,
        ClientRequestToken: TEST_JOB_ID,
        Settings: expect.objectContaining({ OutputGroups: expect.any(Array) }),
        StatusUpdateInterval: 'SECONDS_15',
        BillingTagsSource: 'QUEUE',
        AccelerationSettings: { Mode: 'DISABLED' },
        UserMetadata: { jobId: TEST_JOB_ID, workflow: TEST_SUBSTITUTIONS.WorkflowName, profile: 'standard' },
      },
    ]);

    // Assess: the record
    expect(run.record).toMatchObject({
      jobId: TEST_JOB_ID,
      status: 'COMPLETED',
      startedAt: NOW,
      finishedAt: NOW,
      executionArn: executionArnOf(TEST_JOB_ID),
      mediaConvertJobId: 'mc-1',
      outputs: {
        mp4: [`s3://video-workflow-test-output/${TEST_JOB_ID}/mp4/index_180p.mp4`],
        hls: `s3://video-workflow-test-output/${TEST_JOB_ID}/hls/index.m3u8`,
      },
    });
    expect(run.record?.error).toBeUndefined();
    expect(run.record?.warnings).toBeUndefined();

    // Assess: one success notification, none from the failure path
    expect(run.world.notifications.sent).toEqual([
      expect.objectContaining({ sender: 'Publish', body: expect.objectContaining({ event: 'JOB_COMPLETED', jobId: TEST_JOB_ID }) }),
    ]);

    // Assess: every task added its result under its own key; the input is intact
    expect(run.output).toMatchObject({
      ...workflowInput(),
      metadata: expect.objectContaining({ durationSeconds: 2 }),
      plan: expect.objectContaining({ outputPrefix: `s3://video-workflow-test-output/${TEST_JOB_ID}/` }),
      transcode: { mediaConvertJobId: 'mc-1', outputGroupDetails: [{ Type: 'FILE_GROUP', OutputDetails: [] }] },
      qc: expect.objectContaining({ passed: true }),
      publish: expect.objectContaining({ notified: true }),
      archive: expect.any(Object),
    });
    expect(run.output).not.toHaveProperty('error');
  });

  it('sends RecordStart as a conditional QUEUED -> PROCESSING update', async () => {
    // Prepare
    const updates: unknown[] = [];
    const run = await runWorkflow({
      tasks: {
        RecordStart: (params: unknown) => {
          updates.push(params);
          return {};
        },
      },
      seed: null,
      now: NOW,
      lambdas: (world) => ({ ...fakeLambdas(world), Publish: () => ({ outputs: { mp4: [], thumbnails: [] }, notified: true }) }),
    });

    // Assess
    expect(run.status).toBe('SUCCEEDED');
    expect(updates).toEqual([
      {
        TableName: TEST_SUBSTITUTIONS.JobsTableName,
        Key: { jobId: { S: TEST_JOB_ID } },
        UpdateExpression: 'SET #status = :processing, startedAt = :now, updatedAt = :now, executionArn = :executionArn',
        ConditionExpression: '#status = :queued',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':processing': { S: 'PROCESSING' },
          ':queued': { S: 'QUEUED' },
          ':now': { S: NOW },
          ':executionArn': { S: executionArnOf(TEST_JOB_ID) },
        },
      },
    ]);
  });

  it('passes each Lambda only the fields it needs', async () => {
    // Prepare
    const spy = spyOnFake('QualityControl');

    // Act
    const run = await runWorkflow({ lambdas: spy.handler });

    // Assess
    expect(run.status).toBe('SUCCEEDED');
    expect(spy.inputs).toHaveLength(1);
    expect(Object.keys(spy.inputs[0] as object).sort()).toEqual(['fileInput', 'jobId', 'metadata', 'pinned', 'plan', 'transcode']);
    expect(Object.keys((spy.inputs[0] as { plan: object }).plan).sort()).toEqual(['expectedOutputs', 'groupRoles', 'ladder', 'outputPrefix', 'quality', 'thumbnailCount']);
  });

  it('exposes the cost drivers of a successful run for the benchmark', async () => {
    // Act
    const figures = await runSuccessfulExecution();

    // Assess
    expect(figures).toEqual({
      transitions: 10,
      lambdaInvocations: 6,
      dynamoWrites: 2,
      stateDurations: expect.objectContaining({ Transcode: expect.any(Number), Done: expect.any(Number) }),
    });
    expect(Object.keys(figures.stateDurations)).toEqual(SUCCESS_PATH);
  });
});

describe('failure paths', () => {
  it('b. unsupported media: no retry, FAILED with the error name, failure notification, Fail with UnsupportedMedia', async () => {
    // Prepare
    const extract = failingTimes(99, () => lambdaError('UnsupportedMedia', 'The object has no video track'), () => null);

    // Act
    const run = await runWorkflow({ tasks: { ExtractMetadata: extract } });

    // Assess
    expect(run.status).toBe('FAILED');
    expect(run.states).toEqual(['RecordStart', 'ExtractMetadata', ...FAILURE_TAIL]);
    expect(extract.calls()).toBe(1);
    expect(run.error).toEqual({ Error: 'UnsupportedMedia', Cause: 'The object has no video track' });
    expect(run.record).toMatchObject({
      status: 'FAILED',
      error: { name: 'UnsupportedMedia', cause: 'The object has no video track' },
    });
    expect(run.world.notifications.sent).toEqual([failureNotification({ Error: 'UnsupportedMedia', Cause: 'The object has no video track' })]);
    expect(run.attempts).toEqual({ RecordStart: 1, ExtractMetadata: 1, RecordFailure: 1, NotifyFailure: 1 });
  });

  it('c. QC failure: QualityCheckFailed with the failing checks in the cause, nothing published', async () => {
    // Prepare
    const failures = ['hls master lists 1 of 2 renditions', 'mp4 duration 1.2s differs from source 2.0s'];
    const qc: QcResult = {
      passed: false,
      error: 'QualityCheckFailed',
      quality: { rungs: [] },
      checks: [
        { name: 'hls-master-renditions', passed: false, detail: failures[0] },
        { name: 'mp4-duration', passed: false, detail: failures[1] },
        { name: 'thumbnails-present', passed: true, detail: '1 thumbnail' },
      ],
      failures,
    };
    const publish = failingTimes(0, () => new Error('unused'), () => ({}));

    // Act
    const run = await runWorkflow({ tasks: { QualityControl: () => qc, Publish: publish } });

    // Assess
    expect(run.status).toBe('FAILED');
    expect(run.states).toEqual([...SUCCESS_PATH.slice(0, 7), 'QualityCheckFailed', ...FAILURE_TAIL]);
    expect(publish.calls()).toBe(0);
    // The Pass state hands RecordFailure the failures as JSON; record-failure joins them.
    const cause = 'hls master lists 1 of 2 renditions; mp4 duration 1.2s differs from source 2.0s';
    expect(run.caught).toEqual([]);
    expect(run.error).toEqual({ Error: 'QualityCheckFailed', Cause: cause });
    expect(run.record).toMatchObject({ status: 'FAILED', error: { name: 'QualityCheckFailed', cause } });
    expect(run.world.notifications.sent).toEqual([failureNotification({ Error: 'QualityCheckFailed', Cause: cause })]);
  });

  it('d. MediaConvert job ERROR: not retried, FAILED with the MediaConvert error code in the record', async () => {
    // Prepare
    const transcode = failingTimes(99, () => mediaConvertJobFailed(1040, 'Invalid input: no video stream found'), () => null);

    // Act
    const run = await runWorkflow({ tasks: { Transcode: transcode } });

    // Assess
    expect(run.status).toBe('FAILED');
    expect(run.states).toEqual([...SUCCESS_PATH.slice(0, 5), ...FAILURE_TAIL]);
    expect(transcode.calls()).toBe(1);
    expect(run.caught).toEqual([{ state: 'Transcode', error: 'States.TaskFailed', next: 'RecordFailure' }]);
    const cause = 'MediaConvert error 1040: Invalid input: no video stream found';
    expect(run.error).toEqual({ Error: 'MediaConvertJobFailed', Cause: cause });
    expect(run.record).toMatchObject({
      status: 'FAILED',
      error: { name: 'MediaConvertJobFailed', cause },
      mediaConvertError: { code: 1040, message: 'Invalid input: no video stream found', mediaConvertJobId: '1732870000000-err001' },
    });
    expect(run.world.notifications.sent).toEqual([failureNotification({ Error: 'MediaConvertJobFailed', Cause: cause })]);
  });

  it('f. retries exhausted on a transient Lambda error: 1 + MaxAttempts calls, then FAILED and notified', async () => {
    // Prepare
    const plan = failingTimes(99, () => lambdaError('Lambda.TooManyRequestsException', 'Rate exceeded'), () => null);

    // Act
    const run = await runWorkflow({ tasks: { PlanTranscode: plan } });

    // Assess
    expect(run.status).toBe('FAILED');
    expect(plan.calls()).toBe(4);
    expect(run.retries).toEqual([1, 2, 3].map((attempt) => ({ state: 'PlanTranscode', attempt, error: 'Lambda.TooManyRequestsException' })));
    expect(run.states).toEqual(['RecordStart', 'ExtractMetadata', 'PlanTranscode', ...FAILURE_TAIL]);
    expect(run.record).toMatchObject({ status: 'FAILED', error: { name: 'Lambda.TooManyRequestsException', cause: 'Rate exceeded' } });
    expect(run.world.notifications.sent).toEqual([failureNotification({ Error: 'Lambda.TooManyRequestsException', Cause: 'Rate exceeded' })]);
    expect(run.error).toEqual({ Error: 'Lambda.TooManyRequestsException', Cause: 'Rate exceeded' });
  });

  it('h. stale status: RecordStart condition fails, the execution ends without touching the COMPLETED record or notifying', async () => {
    // Prepare
    const completed = { ...queuedRecord(), status: 'COMPLETED' as const, finishedAt: '2026-11-28T00:00:00.000Z', outputs: { mp4: ['s3://o/a.mp4'], thumbnails: [] } };
    const extract = failingTimes(0, () => new Error('unused'), () => null);

    // Act
    const run = await runWorkflow({ seed: completed, tasks: { ExtractMetadata: extract } });

    // Assess
    expect(run.status).toBe('FAILED');
    expect(run.states).toEqual(['RecordStart', 'JobNotQueued']);
    expect(run.attempts.RecordStart).toBe(1); // a condition failure is not retried
    expect(extract.calls()).toBe(0);
    expect(run.record).toEqual(completed);
    expect(run.world.table.writes).toEqual([{ writer: 'RecordStart', jobId: TEST_JOB_ID, succeeded: false }]);
    expect(run.error?.Error).toBe('JobStateConflict');
    // A job that succeeded must not be reported as failed.
    expect(run.world.notifications.sent).toEqual([]);
  });

  it('h2. missing record: RecordStart does not create one, and the execution ends without writing or notifying', async () => {
    // Act
    const run = await runWorkflow({ seed: null });

    // Assess
    expect(run.status).toBe('FAILED');
    expect(run.states).toEqual(['RecordStart', 'JobNotQueued']);
    expect(run.record).toBeUndefined();
    expect(run.error?.Error).toBe('JobStateConflict');
    expect(run.world.notifications.sent).toEqual([]);
  });

  it('a failed failure notification still ends in Fail with the original error', async () => {
    // Act
    const run = await runWorkflow({
      tasks: { ExtractMetadata: alwaysFailing(() => lambdaError('UnsupportedMedia', 'zero bytes')) },
      prepare: (world) => {
        world.notifications.failWith = serviceError('SNS.InternalErrorException', 'Internal error');
      },
    });

    // Assess: 1 + 4 attempts, then caught; the error reported is still the media one
    expect(run.status).toBe('FAILED');
    expect(run.attempts.NotifyFailure).toBe(5);
    expect(run.states).toEqual(['RecordStart', 'ExtractMetadata', ...FAILURE_TAIL]);
    expect(run.error).toEqual({ Error: 'UnsupportedMedia', Cause: 'zero bytes' });
    expect(run.record?.status).toBe('FAILED');
  });

  it('a record-failure that cannot write still notifies and fails with the original error', async () => {
    // Act
    const run = await runWorkflow({
      tasks: {
        PlanTranscode: alwaysFailing(() => lambdaError('UnsupportedMedia', 'no video track')),
        RecordFailure: alwaysFailing(() => lambdaError('Lambda.ServiceException', 'Service unavailable')),
      },
    });

    // Assess: 1 + 6 attempts of RecordFailure, then NotifyFailure with $.error unchanged
    expect(run.attempts.RecordFailure).toBe(7);
    expect(run.states).toEqual(['RecordStart', 'ExtractMetadata', 'PlanTranscode', ...FAILURE_TAIL]);
    expect(run.error?.Error).toBe('UnsupportedMedia');
    const body = run.world.notifications.sent[0]?.body as { job: { error: { name: string } }; operator: { error: { Error: string } } };
    expect({ public: body.job.error.name, operator: body.operator.error.Error }).toEqual({ public: 'UnsupportedMedia', operator: 'UnsupportedMedia' });
  });
});

describe('retries that recover', () => {
  it('e. Lambda.TooManyRequestsException twice, then success: 3 attempts, execution succeeds', async () => {
    // Prepare
    const extract = failingTimes(2, () => lambdaError('Lambda.TooManyRequestsException', 'Rate exceeded'), fakeLambdas(stubWorld()).ExtractMetadata);

    // Act
    const run = await runWorkflow({ tasks: { ExtractMetadata: extract } });

    // Assess
    expect(run.status).toBe('SUCCEEDED');
    expect(extract.calls()).toBe(3);
    expect(run.retries).toEqual([
      { state: 'ExtractMetadata', attempt: 1, error: 'Lambda.TooManyRequestsException' },
      { state: 'ExtractMetadata', attempt: 2, error: 'Lambda.TooManyRequestsException' },
    ]);
    expect(run.states).toEqual(SUCCESS_PATH);
    expect(run.transitions).toBe(12);
    expect(run.lambdaInvocations).toBe(8);
    expect(run.record?.status).toBe('COMPLETED');
  });

  it('j. a Lambda that outlives the task TimeoutSeconds is retried as States.Timeout and recovers', async () => {
    // Prepare: the first attempt never answers; only the engine's 300 s task timer can end it
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    const extract = hangingTimes(1, fakeLambdas(stubWorld()).ExtractMetadata);
    try {
      // Act
      const pending = runWorkflow({ tasks: { ExtractMetadata: extract } });
      await jest.advanceTimersByTimeAsync(299_000);
      expect(extract.calls()).toBe(1); // still waiting just before the timeout
      await jest.advanceTimersByTimeAsync(1_000);
      const run = await pending;

      // Assess
      expect(run.status).toBe('SUCCEEDED');
      expect(extract.calls()).toBe(2);
      expect(run.retries).toEqual([{ state: 'ExtractMetadata', attempt: 1, error: 'States.Timeout' }]);
      expect(run.record?.status).toBe('COMPLETED');
    } finally {
      jest.useRealTimers();
    }
  });

  it('an AWS SDK throttling error a handler lets through (S3 SlowDown) is retried', async () => {
    // Prepare
    const qc = failingTimes(2, () => lambdaError('SlowDown', 'Please reduce your request rate.'), fakeLambdas(stubWorld()).QualityControl);

    // Act
    const run = await runWorkflow({ tasks: { QualityControl: qc } });

    // Assess
    expect(run.status).toBe('SUCCEEDED');
    expect(qc.calls()).toBe(3);
    expect(run.retries).toEqual([
      { state: 'QualityControl', attempt: 1, error: 'SlowDown' },
      { state: 'QualityControl', attempt: 2, error: 'SlowDown' },
    ]);
  });

  it('DynamoDB throttling on RecordStart is retried', async () => {
    // Prepare
    let calls = 0;
    const run = await runWorkflow({
      prepare: () => {},
      tasks: {},
      lambdas: (world) => {
        const original = world.table.updateItem.bind(world.table);
        world.table.updateItem = (params, writer) => {
          calls++;
          if (calls === 1) throw serviceError('DynamoDB.ProvisionedThroughputExceededException', 'Throughput exceeded');
          return original(params, writer);
        };
        return fakeLambdas(world);
      },
    });

    // Assess
    expect(run.status).toBe('SUCCEEDED');
    expect(run.retries).toEqual([{ state: 'RecordStart', attempt: 1, error: 'DynamoDB.ProvisionedThroughputExceededException' }]);
    expect(run.record?.status).toBe('COMPLETED');
  });
});

describe('after the job is COMPLETED', () => {
  it('g. archive failure: a warning on the COMPLETED record; the execution succeeds', async () => {
    // Prepare
    const archive = failingTimes(99, () => lambdaError('ArchiveFailed', 'CopyObject: AccessDenied'), () => null);

    // Act
    const run = await runWorkflow({ tasks: { ArchiveSource: archive } });

    // Assess
    expect(run.status).toBe('SUCCEEDED');
    expect(archive.calls()).toBe(1); // ArchiveFailed is permanent (archive-source lets transient S3 errors through instead)
    expect(run.states).toEqual([...SUCCESS_PATH.slice(0, 9), 'RecordArchiveWarning', 'Done']);
    expect(run.record).toMatchObject({ status: 'COMPLETED', warnings: ['ArchiveSource failed: ArchiveFailed'] });
    expect(run.record?.error).toBeUndefined();
    expect(run.world.notifications.sent.map((n) => n.sender)).toEqual(['Publish']);
    expect(run.output).toMatchObject({ archiveError: { Error: 'ArchiveFailed' } });
    expect(run.output).not.toHaveProperty('error');
  });

  it('g2. archive failure and a failed warning write: still SUCCEEDED, record still COMPLETED', async () => {
    // Act
    const run = await runWorkflow({
      tasks: {
        ArchiveSource: alwaysFailing(() => lambdaError('ArchiveFailed', 'CopyObject: AccessDenied')),
        RecordArchiveWarning: alwaysFailing(() => serviceError('DynamoDB.ThrottlingException', 'Throttled')),
      },
    });

    // Assess
    expect(run.status).toBe('SUCCEEDED');
    expect(run.attempts.RecordArchiveWarning).toBe(5);
    expect(run.record?.status).toBe('COMPLETED');
    expect(run.output).toMatchObject({ warningError: { Error: 'DynamoDB.ThrottlingException' } });
  });

  it('i. SNS failure in publish: the job stays COMPLETED with a warning and the execution succeeds', async () => {
    // Act
    const run = await runWorkflow({
      prepare: (world) => {
        world.notifications.failWith = serviceError('InternalErrorException', 'SNS unavailable');
      },
    });

    // Assess
    expect(run.status).toBe('SUCCEEDED');
    expect(run.states).toEqual(SUCCESS_PATH);
    expect(run.record).toMatchObject({ status: 'COMPLETED', warnings: ['Success notification failed'] });
    expect(run.output).toMatchObject({ publish: { notified: false } });
    expect(run.world.notifications.sent).toEqual([]);
  });

  it('i2. a publish that throws after writing COMPLETED fails the execution but cannot reopen the record', async () => {
    // Prepare: what happens if publish does not swallow its notification error
    const run = await runWorkflow({
      lambdas: (world) => {
        const fakes = fakeLambdas(world);
        return {
          ...fakes,
          Publish: (input: unknown) => {
            fakes.Publish(input);
            throw lambdaError('SNS.InternalErrorException', 'SNS unavailable');
          },
        };
      },
    });

    // Assess
    expect(run.status).toBe('FAILED');
    expect(run.states).toEqual([...SUCCESS_PATH.slice(0, 8), ...FAILURE_TAIL]);
    expect(run.record?.status).toBe('COMPLETED');
    expect(run.record?.error).toBeUndefined();
  });
});

describe('harness honesty', () => {
  it('fails loudly on an UpdateExpression it does not model', async () => {
    // Prepare
    const definition = renderWorkflowDefinition(TEST_SUBSTITUTIONS) as { States: Record<string, any> };
    definition.States.RecordStart.Parameters.UpdateExpression = 'SET #status = :processing ADD attempts :one';

    // Act / Assess
    await expect(runWorkflow({ definition })).rejects.toThrow(HarnessError);
  });

  it('fails loudly on an expression value the update does not use', async () => {
    // Prepare
    const definition = renderWorkflowDefinition(TEST_SUBSTITUTIONS) as { States: Record<string, any> };
    definition.States.RecordStart.Parameters.ExpressionAttributeValues[':unused'] = { S: 'x' };

    // Act / Assess
    await expect(runWorkflow({ definition })).rejects.toThrow('unused expression attribute names/values: :unused');
  });
});

/** A world for building stand-ins outside a run (their results do not depend on it). */
function stubWorld(): World {
  return { table: undefined as never, notifications: undefined as never, now: NOW };
}
