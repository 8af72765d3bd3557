import { ExecutionAlreadyExists, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import type { SFNClient } from '@aws-sdk/client-sfn';

/**
 * A stateful StartExecution behind aws-sdk-client-mock: idempotent by name, as Step Functions is,
 * so duplicates and races behave like the real service (the job table: helpers/jobs-table.ts).
 */
export class FakeStateMachine {
  /** Execution name -> input, one entry per execution that really exists. */
  readonly executions = new Map<string, string>();

  constructor(sfn: AwsClientStub<SFNClient>) {
    sfn.on(StartExecutionCommand).callsFake(async (input: StartExecutionCommand['input']) => {
      const name = input.name as string;
      const arn = `${(input.stateMachineArn as string).replace(':stateMachine:', ':execution:')}:${name}`;
      const existing = this.executions.get(name);
      // Same name and input as an existing execution: Step Functions answers with that execution.
      if (existing !== undefined && existing !== input.input) {
        throw new ExecutionAlreadyExists({ message: `Execution Already Exists: '${arn}'`, $metadata: {} });
      }
      this.executions.set(name, input.input as string);
      return { executionArn: arn, startDate: new Date() };
    });
  }
}
