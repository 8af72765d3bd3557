import { DescribeExecutionCommand, ExecutionAlreadyExists, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { StatesError } from '../../local/tasks';
import { LocalStepFunctions, taskStates, type TaskOverride } from '../../local/workflow';

const STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:wf';

/** A small workflow with the patterns the real one uses: context values, Catch to a failure path, Fail with paths. */
const definition = {
  StartAt: 'Record',
  States: {
    Record: {
      Type: 'Task',
      Resource: 'arn:aws:states:::dynamodb:updateItem',
      Parameters: { 'jobId.$': '$.jobId', 'now.$': '$$.State.EnteredTime', 'executionArn.$': '$$.Execution.Id' },
      ResultPath: '$.recorded',
      Next: 'Work',
    },
    Work: {
      Type: 'Task',
      Resource: 'arn:aws:lambda:us-east-1:000000000000:function:work',
      Parameters: { 'jobId.$': '$.jobId' },
      ResultPath: '$.work',
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Failed' }],
      Next: 'Done',
    },
    Done: { Type: 'Succeed' },
    Failed: { Type: 'Fail', ErrorPath: '$.error.Error', CausePath: '$.error.Cause' },
  },
};

function setup(work: TaskOverride) {
  const recorded: unknown[] = [];
  const entered: string[] = [];
  const sfn = new LocalStepFunctions({
    definition,
    stateMachineArn: STATE_MACHINE_ARN,
    onStateEntered: (_e, state) => entered.push(state),
    resolveTask: (resource) =>
      resource.includes('dynamodb')
        ? async (input) => {
            recorded.push(input);
            return {};
          }
        : work,
  });
  return { sfn, recorded, entered };
}

describe('LocalStepFunctions', () => {
  it('starts a named execution, runs every Task through its override and reports success', async () => {
    // Prepare
    const { sfn, recorded, entered } = setup(async (input) => ({ echoed: input }));

    // Act
    const started = (await sfn.send(new StartExecutionCommand({ stateMachineArn: STATE_MACHINE_ARN, name: 'job1', input: '{"jobId":"job1"}' }))) as { executionArn: string };
    const outcome = await sfn.wait(started.executionArn);

    // Assess
    expect(started.executionArn).toBe('arn:aws:states:us-east-1:000000000000:execution:wf:job1');
    expect(outcome.status).toBe('SUCCEEDED');
    expect(outcome.output).toEqual({ jobId: 'job1', recorded: {}, work: { echoed: { jobId: 'job1' } } });
    expect(recorded).toEqual([{ jobId: 'job1', now: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/), executionArn: started.executionArn }]);
    expect(entered).toEqual(['Record', 'Work', 'Done']);
  });

  it('ends FAILED with the error name and cause the failure path carries', async () => {
    // Prepare
    const { sfn } = setup(async () => {
      throw new StatesError('UnsupportedMedia', '{"errorType":"UnsupportedMedia","errorMessage":"not media"}');
    });

    // Act
    const { executionArn } = (await sfn.send(new StartExecutionCommand({ stateMachineArn: STATE_MACHINE_ARN, name: 'job2', input: '{"jobId":"job2"}' }))) as { executionArn: string };
    const outcome = await sfn.wait(executionArn);

    // Assess
    expect(outcome).toMatchObject({ status: 'FAILED', error: 'UnsupportedMedia', cause: '{"errorType":"UnsupportedMedia","errorMessage":"not media"}' });
  });

  it('records the path: each state entered, in order, with its times, outcome and error, and the last state data', async () => {
    // Prepare
    const { sfn } = setup(async () => {
      throw new StatesError('UnsupportedMedia', 'not media');
    });

    // Act
    const { executionArn } = (await sfn.send(new StartExecutionCommand({ stateMachineArn: STATE_MACHINE_ARN, name: 'job-path', input: '{"jobId":"job-path"}' }))) as { executionArn: string };
    const outcome = await sfn.wait(executionArn);

    // Assess
    expect(outcome.path.map((s) => [s.name, s.type, s.outcome, s.error])).toEqual([
      ['Record', 'Task', 'succeeded', undefined],
      ['Work', 'Task', 'failed', 'UnsupportedMedia'],
      ['Failed', 'Fail', 'failed', 'UnsupportedMedia'],
    ]);
    for (const step of outcome.path) {
      expect(step.exitedAt).toBeGreaterThanOrEqual(step.enteredAt);
      expect(step.enteredAt).toBeGreaterThanOrEqual(outcome.startDate.getTime());
    }
    expect(outcome.path[1]!.enteredAt).toBeGreaterThanOrEqual(outcome.path[0]!.exitedAt!);
    expect(outcome.lastState).toEqual({ jobId: 'job-path', recorded: {} });
  });

  it('refuses a second execution with the same name (ExecutionAlreadyExists), like Step Functions', async () => {
    // Prepare
    const { sfn } = setup(async () => ({}));
    const start = () => sfn.send(new StartExecutionCommand({ stateMachineArn: STATE_MACHINE_ARN, name: 'same', input: '{"jobId":"same"}' }));
    await start();

    // Act
    const second = start();

    // Assess
    await expect(second).rejects.toBeInstanceOf(ExecutionAlreadyExists);
  });

  it('describes a running execution', async () => {
    // Prepare
    let release!: () => void;
    const { sfn } = setup(() => new Promise((resolve) => (release = () => resolve({}))));
    const { executionArn } = (await sfn.send(new StartExecutionCommand({ stateMachineArn: STATE_MACHINE_ARN, name: 'slow', input: '{"jobId":"slow"}' }))) as { executionArn: string };

    // Act
    const running = (await sfn.send(new DescribeExecutionCommand({ executionArn }))) as { status: string; name: string };
    await new Promise((r) => setImmediate(r));
    release();
    await sfn.wait(executionArn);
    const finished = (await sfn.send(new DescribeExecutionCommand({ executionArn }))) as { status: string };

    // Assess
    expect(running).toMatchObject({ status: 'RUNNING', name: 'slow' });
    expect(finished.status).toBe('SUCCEEDED');
  });

  it('refuses another state machine ARN', async () => {
    // Prepare
    const { sfn } = setup(async () => ({}));

    // Act
    const act = sfn.send(new StartExecutionCommand({ stateMachineArn: `${STATE_MACHINE_ARN}-other`, name: 'x', input: '{}' }));

    // Assess
    await expect(act).rejects.toMatchObject({ name: 'StateMachineDoesNotExist' });
  });

  it('lists the Task states with their resources and timeouts', () => {
    // Act
    const tasks = taskStates({ States: { ...definition.States, Slow: { Type: 'Task', Resource: 'r', TimeoutSeconds: 90, End: true } } });

    // Assess
    expect(tasks).toEqual([
      { name: 'Record', resource: 'arn:aws:states:::dynamodb:updateItem' },
      { name: 'Work', resource: 'arn:aws:lambda:us-east-1:000000000000:function:work' },
      { name: 'Slow', resource: 'r', timeoutSeconds: 90 },
    ]);
  });
});
