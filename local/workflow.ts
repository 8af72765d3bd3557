import { DescribeExecutionCommand, ExecutionAlreadyExists, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';

type EventLog = ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;
type JsonInput = Parameters<StateMachine['run']>[0];
import { LOCAL_ACCOUNT_ID } from './standins';
import { StatesError } from './tasks';

/** One Task's local implementation: receives the effective input (after InputPath/Parameters). */
export type TaskOverride = (input: unknown) => Promise<unknown>;

/** What a Task's Resource resolves to locally; built per execution so closures know the job. */
export type TaskResolver = (resource: string, state: TaskStateInfo, execution: ExecutionInfo) => TaskOverride;

export interface TaskStateInfo {
  readonly name: string;
  readonly resource: string;
  readonly timeoutSeconds?: number;
}

export interface ExecutionInfo {
  readonly executionArn: string;
  readonly name: string;
  readonly input: unknown;
}

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface ExecutionOutcome {
  readonly executionArn: string;
  readonly status: Exclude<ExecutionStatus, 'RUNNING'>;
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
  readonly startDate: Date;
  readonly stopDate: Date;
}

export interface LocalStepFunctionsOptions {
  /** The rendered ASL (renderWorkflowDefinition). */
  readonly definition: Record<string, unknown>;
  readonly stateMachineArn: string;
  readonly resolveTask: TaskResolver;
  /** Called as each state is entered, for progress display. */
  readonly onStateEntered?: (execution: ExecutionInfo, stateName: string) => void;
  /** Shorter Retry pauses (ms) for tests; by default the definition's intervals apply. */
  readonly retryIntervalMs?: number;
}

interface Running {
  readonly info: ExecutionInfo;
  readonly startDate: Date;
  status: ExecutionStatus;
  readonly done: Promise<ExecutionOutcome>;
}

/** Every Task state, top level (the workflow has no Parallel/Map). */
export function taskStates(definition: Record<string, unknown>): TaskStateInfo[] {
  const states = (definition.States ?? {}) as Record<string, Record<string, unknown>>;
  return Object.entries(states)
    .filter(([, s]) => s.Type === 'Task')
    .map(([name, s]) => ({
      name,
      resource: String(s.Resource),
      ...(typeof s.TimeoutSeconds === 'number' ? { timeoutSeconds: s.TimeoutSeconds } : {}),
    }));
}

/**
 * A Step Functions stand-in for one state machine: `send(StartExecutionCommand)` runs the ASL
 * with aws-local-stepfunctions, every Task overridden by `resolveTask`; `wait()` gives the end.
 * It implements only what start-job and the runner call (StartExecution, DescribeExecution).
 */
export class LocalStepFunctions {
  private readonly machine: StateMachine;
  private readonly executions = new Map<string, Running>();
  private readonly tasks: TaskStateInfo[];

  constructor(private readonly options: LocalStepFunctionsOptions) {
    this.machine = new StateMachine(options.definition as unknown as StateMachineDefinition, { validationOptions: { checkArn: true, checkPaths: true } });
    this.tasks = taskStates(options.definition);
  }

  executionArnOf(name: string): string {
    return `${this.options.stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- an SDK client's send returns a promise: an unsupported command is a rejection, not a throw
  async send(command: unknown): Promise<unknown> {
    if (command instanceof StartExecutionCommand) return this.start(command);
    if (command instanceof DescribeExecutionCommand) return this.describe(command);
    throw new StatesError('UnsupportedOperation', `The local Step Functions stand-in does not implement ${(command as object)?.constructor?.name}`);
  }

  /** Resolves when the execution ends (never rejects). */
  wait(executionArn: string): Promise<ExecutionOutcome> {
    const running = this.executions.get(executionArn);
    if (!running) return Promise.reject(new Error(`No local execution ${executionArn}`));
    return running.done;
  }

  private start(command: StartExecutionCommand): { executionArn: string; startDate: Date } {
    const { stateMachineArn, name, input } = command.input;
    if (stateMachineArn !== this.options.stateMachineArn) {
      throw new StatesError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${stateMachineArn}'`);
    }
    const execName = name ?? crypto.randomUUID();
    const executionArn = this.executionArnOf(execName);
    const existing = this.executions.get(executionArn);
    if (existing) {
      throw new ExecutionAlreadyExists({ message: `Execution Already Exists: '${executionArn}'`, $metadata: {} });
    }
    const parsedInput: unknown = JSON.parse(input ?? '{}');
    const info: ExecutionInfo = { executionArn, name: execName, input: parsedInput };
    const startDate = new Date();

    const overrides: Record<string, (input: JsonInput) => Promise<JsonInput>> = {};
    for (const task of this.tasks) {
      const run = this.options.resolveTask(task.resource, task, info);
      // Task results cross a JSON boundary in Step Functions too.
      overrides[task.name] = async (input) => (await run(input)) as JsonInput;
    }
    const retryIntervalOverrides: Record<string, number> = {};
    if (this.options.retryIntervalMs !== undefined) {
      for (const task of this.tasks) retryIntervalOverrides[task.name] = this.options.retryIntervalMs;
    }

    const execution = this.machine.run(parsedInput as JsonInput, {
      overrides: { taskResourceLocalHandlers: overrides, retryIntervalOverrides },
      context: {
        Execution: { Id: executionArn, Name: execName, StartTime: startDate.toISOString(), RoleArn: `arn:aws:iam::${LOCAL_ACCOUNT_ID}:role/local` },
        StateMachine: { Id: this.options.stateMachineArn, Name: this.options.stateMachineArn.split(':').pop() },
        // aws-local-stepfunctions has no per-state context; the getter is read when the state
        // evaluates its Parameters, which is when it was entered.
        State: {
          get EnteredTime() {
            return new Date().toISOString();
          },
        },
      },
    });
    const running: Running = {
      info,
      startDate,
      status: 'RUNNING',
      done: this.settle(info, startDate, execution.result, execution.eventLogs),
    };
    this.executions.set(executionArn, running);
    void running.done.then((o) => (running.status = o.status));
    return { executionArn, startDate };
  }

  private async settle(
    info: ExecutionInfo,
    startDate: Date,
    result: Promise<unknown>,
    events: AsyncGenerator<EventLog>,
  ): Promise<ExecutionOutcome> {
    const watch = (async () => {
      for await (const event of events) {
        if (event.type === 'StateEntered') this.options.onStateEntered?.(info, event.state.name);
      }
    })();
    let outcome: ExecutionOutcome;
    try {
      const output = await result;
      outcome = { executionArn: info.executionArn, status: 'SUCCEEDED', output, startDate, stopDate: new Date() };
    } catch (err) {
      const e = err as Error & { cause?: unknown };
      const inner = (e.cause instanceof Error ? e.cause : e);
      const status = e.name === 'ExecutionTimeoutError' ? 'TIMED_OUT' : e.name === 'ExecutionAbortedError' ? 'ABORTED' : 'FAILED';
      outcome = {
        executionArn: info.executionArn,
        status,
        error: status === 'TIMED_OUT' ? 'States.Timeout' : inner.name,
        cause: inner.message,
        startDate,
        stopDate: new Date(),
      };
    }
    await watch.catch(() => undefined);
    return outcome;
  }

  private describe(command: DescribeExecutionCommand): Record<string, unknown> {
    const running = this.executions.get(command.input.executionArn ?? '');
    if (!running) throw new StatesError('ExecutionDoesNotExist', `Execution Does Not Exist: '${command.input.executionArn}'`);
    return {
      executionArn: running.info.executionArn,
      stateMachineArn: this.options.stateMachineArn,
      name: running.info.name,
      status: running.status,
      startDate: running.startDate,
      input: JSON.stringify(running.info.input),
    };
  }
}
