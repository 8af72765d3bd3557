import * as dynamodb from '@aws-sdk/client-dynamodb';
import * as mediaconvert from '@aws-sdk/client-mediaconvert';
import * as sns from '@aws-sdk/client-sns';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { taskResources } from '../../asl/definition';
import * as errors from '../../handlers/shared/errors';
import { renderTestDefinition, TEST_SUBSTITUTIONS } from '../helpers/asl-harness';

// asl-validator ships no type declarations.
const aslValidator = require('asl-validator') as (
  definition: unknown,
  options?: { checkPaths?: boolean; checkArn?: boolean },
) => { isValid: boolean; errors: { 'Error code': string; Message: string }[]; errorsText: (separator?: string) => string };

type State = Record<string, any>;
type Retrier = { ErrorEquals: string[]; IntervalSeconds?: number; MaxAttempts?: number; BackoffRate?: number; JitterStrategy?: string };
type Catcher = { ErrorEquals: string[]; ResultPath?: string | null; Next: string };

const definition = renderTestDefinition();
const states = definition.States as Record<string, State>;
const tasks = Object.entries(states).filter(([, s]) => s.Type === 'Task');
const lambdaTasks = tasks.filter(([, s]) => String(s.Resource).startsWith('arn:aws:lambda:'));

/** What AWS recommends retrying for every Lambda task, plus throttling and the task timeout. */
const TRANSIENT_LAMBDA_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.ClientExecutionTimeoutException',
  'Lambda.TooManyRequestsException',
  'States.Timeout',
];

/**
 * AWS SDK v3 error names (S3, DynamoDB, SNS, smithy) that the handlers let through unchanged
 * so the state machine retries them (see shared/job-store.ts, archive-source, quality-control).
 */
const TRANSIENT_SDK_ERRORS = [
  'SlowDown',
  'InternalError',
  'ServiceUnavailable',
  'RequestTimeout',
  'TimeoutError',
  'ThrottlingException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'InternalServerError',
  'Throttled',
];

describe('video-workflow.asl.json structure', () => {
  it('passes asl-validator with ARN and path checks', () => {
    // Act (the validator annotates its input, so it gets a copy)
    const result = aslValidator(structuredClone(definition), { checkArn: true, checkPaths: true });

    // Assess
    expect(result.errors).toEqual([]);
    expect(result.isValid).toBe(true);
  });

  it('asl-validator does flag a broken copy (the check above is not vacuous)', () => {
    // Prepare
    const broken = structuredClone(definition) as { States: Record<string, State> };
    broken.States.Publish.Next = 'Archive';

    // Act
    const result = aslValidator(broken, { checkArn: true, checkPaths: true });

    // Assess
    expect(result.isValid).toBe(false);
    expect(result.errorsText()).toContain('Archive');
  });

  it('is accepted by aws-local-stepfunctions (its own bundled validator, which also annotates its input)', () => {
    // Act / Assess
    expect(() => new StateMachine(JSON.parse(JSON.stringify(definition)) as StateMachineDefinition)).not.toThrow();
  });

  it('uses JSONPath only: no JSONata fields, variables or distributed map', () => {
    // Act
    const text = JSON.stringify(definition);

    // Assess
    expect(definition.QueryLanguage).toBe('JSONPath');
    for (const [name, state] of Object.entries(states)) {
      for (const field of ['Assign', 'Arguments', 'Output', 'QueryLanguage', 'ItemReader', 'ResultWriter']) {
        expect({ name, has: field in state }).toEqual({ name, has: false });
      }
    }
    expect(text).not.toContain('{%');
  });

  it('bounds the execution and every waiting task with a timeout', () => {
    // Assess
    expect(definition.TimeoutSeconds).toBe(TEST_SUBSTITUTIONS.WorkflowTimeoutSeconds);
    for (const [name, state] of [...lambdaTasks, ['Transcode', states.Transcode] as [string, State]]) {
      expect({ name, timeout: typeof state.TimeoutSeconds }).toEqual({ name, timeout: 'number' });
    }
    expect(states.Transcode.TimeoutSeconds).toBe(TEST_SUBSTITUTIONS.TranscodeTimeoutSeconds);
  });

  it('never lets a Task replace the whole state', () => {
    for (const [name, state] of tasks) {
      // Assess: ResultPath present (absent means "$"), not "$"; null discards the result
      expect({ name, hasResultPath: 'ResultPath' in state }).toEqual({ name, hasResultPath: true });
      expect({ name, resultPath: state.ResultPath }).not.toEqual({ name, resultPath: '$' });
      expect({ name, outputPath: state.OutputPath }).toEqual({ name, outputPath: undefined });
      for (const catcher of (state.Catch ?? []) as Catcher[]) {
        expect({ name, catchResultPath: typeof catcher.ResultPath }).toEqual({ name, catchResultPath: 'string' });
        expect(catcher.ResultPath).not.toBe('$');
      }
    }
    expect(states.Transcode.ResultSelector).toEqual({
      'mediaConvertJobId.$': '$.Job.Id',
      'outputGroupDetails.$': '$.Job.OutputGroupDetails',
    });
  });

  it('retries every Task with full jitter and exponential backoff, never on States.ALL', () => {
    for (const [name, state] of tasks) {
      const retry = (state.Retry ?? []) as Retrier[];
      // Assess
      expect({ name, retriers: retry.length > 0 }).toEqual({ name, retriers: true });
      for (const retrier of retry) {
        expect({ name, retrier }).toEqual({
          name,
          retrier: expect.objectContaining({
            JitterStrategy: 'FULL',
            BackoffRate: expect.any(Number),
            IntervalSeconds: expect.any(Number),
            MaxAttempts: expect.any(Number),
          }),
        });
        expect(retrier.BackoffRate).toBeGreaterThan(1);
        expect(retrier.MaxAttempts).toBeGreaterThan(0);
        // Retrying everything would re-run UnsupportedMedia, QC and failed MediaConvert jobs.
        expect(retrier.ErrorEquals).not.toContain('States.ALL');
        expect(retrier.ErrorEquals).not.toContain('States.TaskFailed');
      }
    }
  });

  it('retries transient Lambda and AWS SDK errors on every Lambda task, and none of our own errors', () => {
    expect(lambdaTasks.map(([name]) => name).sort()).toEqual(
      ['ArchiveSource', 'ExtractMetadata', 'PinSource', 'PlanTranscode', 'Publish', 'QualityControl', 'RecordFailure'].sort(),
    );
    for (const [name, state] of lambdaTasks) {
      const retried = ((state.Retry ?? []) as Retrier[]).flatMap((r) => r.ErrorEquals);
      // Assess
      expect({ name, retried }).toEqual({ name, retried: expect.arrayContaining([...TRANSIENT_LAMBDA_ERRORS, ...TRANSIENT_SDK_ERRORS]) });
      // Our own errors are permanent (bad media, failed QC, denied copy): retrying them only delays the outcome.
      // The one exception is EventDeliveryFailed (PutEvents throttled or refused), retried by the tasks that put job events.
      expect(retried.filter((error) => !error.includes('.') && !TRANSIENT_SDK_ERRORS.includes(error) && error !== 'EventDeliveryFailed')).toEqual([]);
      expect(retried.includes('EventDeliveryFailed')).toBe(name === 'Publish' || name === 'RecordFailure');
    }
  });

  it('catches everything on every Task: to RecordFailure, except on the failure path and the archive warning', () => {
    // Prepare: where each Task's catch-all goes
    const expected: Record<string, string> = {
      RecordStart: 'RecordFailure',
      ExtractMetadata: 'RecordFailure',
      PlanTranscode: 'RecordFailure',
      PinSource: 'RecordFailure',
      Transcode: 'RecordFailure',
      QualityControl: 'RecordFailure',
      Publish: 'RecordFailure',
      ArchiveSource: 'RecordArchiveWarning',
      RecordArchiveWarning: 'Done',
      RecordFailure: 'NotifyFailure',
      NotifyFailure: 'WorkflowFailed',
    };

    // Act
    const actual = Object.fromEntries(
      tasks.map(([name, state]) => {
        const catchers = (state.Catch ?? []) as Catcher[];
        const all = catchers.find((c) => c.ErrorEquals.includes('States.ALL'));
        return [name, all?.Next];
      }),
    );

    // Assess
    expect(actual).toEqual(expected);
    // The failure path keeps the original error in $.error: its own errors go elsewhere.
    expect(states.RecordFailure.Catch[0].ResultPath).toBe('$.recordFailureError');
    expect(states.NotifyFailure.Catch[0].ResultPath).toBe('$.notifyError');
    expect(states.ArchiveSource.Catch[0].ResultPath).toBe('$.archiveError');
  });

  it('ends failures in one Fail state that reports the normalised error (and one for executions that change nothing)', () => {
    // Act
    const fails = Object.entries(states).filter(([, s]) => s.Type === 'Fail');

    // Assess
    expect(fails).toEqual([
      ['JobNotQueued', expect.objectContaining({ Type: 'Fail', Error: 'JobStateConflict' })],
      ['WorkflowFailed', { Type: 'Fail', ErrorPath: '$.error.Error', CausePath: '$.error.Cause' }],
    ]);
    // Only RecordStart's failed condition (a job that is not QUEUED) skips the failure path.
    expect(states.RecordStart.Catch[0]).toMatchObject({ ErrorEquals: ['DynamoDB.ConditionalCheckFailedException'], Next: 'JobNotQueued' });
    expect(states.QualityCheckFailed).toMatchObject({
      Type: 'Pass',
      // QC names the error (QualityCheckFailed, QualityMetricsMissing, QualityBelowThreshold); the quality rides to RecordFailure.
      Parameters: { 'Error.$': '$.qc.error', 'Cause.$': 'States.JsonToString($.qc.failures)', 'quality.$': '$.qc.quality' },
      ResultPath: '$.error',
      Next: 'RecordFailure',
    });
  });

  it('reaches every state from StartAt and every transition target exists', () => {
    // Prepare
    const targets = (state: State): string[] => [
      ...(state.Next ? [state.Next as string] : []),
      ...(state.Default ? [state.Default as string] : []),
      ...((state.Choices ?? []) as { Next: string }[]).map((c) => c.Next),
      ...((state.Catch ?? []) as Catcher[]).map((c) => c.Next),
    ];

    // Act
    const seen = new Set<string>();
    const queue = [definition.StartAt as string];
    while (queue.length > 0) {
      const name = queue.shift()!;
      if (seen.has(name)) continue;
      seen.add(name);
      expect({ target: name, exists: name in states }).toEqual({ target: name, exists: true });
      queue.push(...targets(states[name]));
    }

    // Assess
    expect([...seen].sort()).toEqual(Object.keys(states).sort());
  });

  it('only names errors that exist: our error classes, AWS SDK error names or AWS/States error names', () => {
    // Prepare: the stable names of every error class in handlers/shared/errors.ts
    const ourNames = new Set(
      (Object.values(errors) as unknown[])
        .filter((value) => typeof value === 'function' && value !== errors.WorkflowError)
        .map((ErrorClass) => new (ErrorClass as new (message: string) => Error)('probe').name),
    );

    // Act
    const named = new Set<string>();
    for (const [, state] of tasks) {
      for (const entry of [...((state.Retry ?? []) as Retrier[]), ...((state.Catch ?? []) as Catcher[])]) {
        for (const name of entry.ErrorEquals) named.add(name);
      }
    }
    const unknown = [...named].filter((name) => !name.includes('.') && !ourNames.has(name) && !TRANSIENT_SDK_ERRORS.includes(name));

    // Assess
    expect(ourNames.has('ArchiveFailed')).toBe(true);
    expect(unknown).toEqual([]);
  });

  it('names only real service exceptions in the service-integration retriers', () => {
    // Prepare: Step Functions reports an integration error as <Service>.<API exception name>
    const clients: Record<string, Record<string, unknown>> = { DynamoDB: dynamodb, SNS: sns, MediaConvert: mediaconvert };
    const integrationTasks = tasks.filter(([, s]) => String(s.Resource).startsWith('arn:aws:states:::'));

    // Act
    const named = integrationTasks.flatMap(([name, s]) =>
      ((s.Retry ?? []) as Retrier[]).flatMap((r) => r.ErrorEquals.map((error) => ({ name, error }))),
    );
    const unknown = named.filter(({ error }) => {
      const [service, exception] = error.split('.') as [string, string];
      // SdkClientException is the client-side (network) error Step Functions reports for any service.
      return exception !== 'SdkClientException' && typeof clients[service]?.[exception] !== 'function';
    });

    // Assess
    expect(named.length).toBeGreaterThan(10);
    expect(unknown).toEqual([]);
  });

  it('passes the job id to MediaConvert in UserMetadata and keeps Lambda payloads to named fields', () => {
    // Assess: PlanTranscode gets the job id, workflow name and profile and builds UserMetadata
    // (the caller's pairs, then jobId/workflow/profile, which win), and AccelerationSettings.
    expect(states.Transcode.Parameters).toEqual({
      Queue: TEST_SUBSTITUTIONS.MediaConvertQueueArn,
      Role: TEST_SUBSTITUTIONS.MediaConvertRoleArn,
      // Idempotency token: the job id (32 hex characters, within CreateJob's 64 ASCII).
      'ClientRequestToken.$': '$.jobId',
      'Settings.$': '$.plan.settings',
      StatusUpdateInterval: 'SECONDS_15',
      // Job costs carry the queue's tags (Environment): the MediaConvert budget filters on them.
      BillingTagsSource: 'QUEUE',
      'AccelerationSettings.$': '$.plan.accelerationSettings',
      'UserMetadata.$': '$.plan.userMetadata',
    });
    expect(states.PlanTranscode.Parameters).toEqual({
      'jobId.$': '$.jobId',
      'source.$': '$.source',
      'metadata.$': '$.metadata',
      'profile.$': '$.profile',
      'userMetadata.$': '$.userMetadata',
      workflow: TEST_SUBSTITUTIONS.WorkflowName,
    });
    for (const [name, state] of lambdaTasks) {
      // No task receives the whole state ("$"): each lists what it needs.
      expect({ name, parameters: typeof state.Parameters }).toEqual({ name, parameters: 'object' });
      expect(JSON.stringify(state.Parameters)).not.toMatch(/"\$"/);
    }
    expect(taskResources(definition)).toHaveLength(tasks.length);
  });
});
