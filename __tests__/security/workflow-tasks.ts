/**
 * What the state machine role must be allowed to do, derived from the rendered definition
 * (the `definition` of aws_sfn_state_machine.workflow in cdk.tf.json): one requirement per
 * IAM call each Task state makes. An integration this module does not know fails loudly, so a
 * new kind of Task cannot slip past the grant check.
 */
import type { SynthesizedStack } from '../helpers/synth';
import { ACCOUNT, REGION, type Resolver } from './policies';

export interface TaskRequirement {
  readonly state: string;
  readonly action: string;
  /** A concrete ARN. */
  readonly resource: string;
  readonly context?: Record<string, string>;
}

type State = Record<string, any>;

/** Every Task state, including those nested in Parallel branches and Map processors. */
export function taskStates(definition: State): Array<{ name: string; state: State }> {
  const found: Array<{ name: string; state: State }> = [];
  const visit = (machine: State): void => {
    for (const [name, state] of Object.entries((machine.States ?? {}) as Record<string, State>)) {
      if (state.Type === 'Task') found.push({ name, state });
      for (const branch of state.Branches ?? []) visit(branch);
      if (state.ItemProcessor) visit(state.ItemProcessor);
      if (state.Iterator) visit(state.Iterator);
    }
  };
  visit(definition);
  return found;
}

/** The rendered definition of the stack's state machine, interpolations resolved. */
export function renderedDefinition(stack: SynthesizedStack, resolver: Resolver): State {
  const machine = stack.resource('aws_sfn_state_machine', 'workflow');
  return JSON.parse(resolver.resolve(machine.definition)) as State;
}

/** `{ "TableName": "x" }` or fail: a JSONPath (`TableName.$`) would make the target dynamic. */
function staticParameter(name: string, state: State, key: string): string {
  const value = state.Parameters?.[key];
  if (typeof value !== 'string' || value === '') {
    throw new Error(`Task ${name}: Parameters.${key} must be a fixed value so its grant can be checked (got ${JSON.stringify(state.Parameters?.[`${key}.$`] ?? value)})`);
  }
  return value;
}

export function workflowTaskRequirements(stack: SynthesizedStack, resolver: Resolver): TaskRequirement[] {
  const definition = renderedDefinition(stack, resolver);
  const topics = Object.keys(stack.resources('aws_sns_topic')).map((n) => ({
    arn: resolver.attribute(`aws_sns_topic.${n}.arn`),
    key: stack.resources('aws_sns_topic')[n].kms_master_key_id as string | undefined,
  }));
  const out: TaskRequirement[] = [];

  for (const { name, state } of taskStates(definition)) {
    const resource = state.Resource as string;
    const add = (action: string, arn: string, context?: Record<string, string>) => out.push({ state: name, action, resource: arn, context });
    const lambda = /^arn:aws:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9_$-]+)?$/;
    const dynamo = /^arn:aws:states:::dynamodb:(getItem|putItem|updateItem|deleteItem)$/.exec(resource);

    if (lambda.test(resource)) {
      add('lambda:InvokeFunction', resource);
    } else if (/^arn:aws:states:::lambda:invoke(\.waitForTaskToken)?$/.test(resource)) {
      add('lambda:InvokeFunction', staticParameter(name, state, 'FunctionName'));
    } else if (dynamo) {
      const op = dynamo[1];
      add(`dynamodb:${op[0].toUpperCase()}${op.slice(1)}`, `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${staticParameter(name, state, 'TableName')}`);
    } else if (resource === 'arn:aws:states:::sns:publish') {
      const topicArn = staticParameter(name, state, 'TopicArn');
      add('sns:Publish', topicArn);
      // An SSE-KMS topic: the publisher needs the key too (SNS calls KMS with its credentials).
      const key = topics.find((t) => t.arn === topicArn)?.key;
      if (key !== undefined) {
        const keyArn = resolver.resolve(key);
        if (!keyArn.startsWith('alias/aws/')) {
          add('kms:GenerateDataKey', keyArn);
          add('kms:Decrypt', keyArn);
        }
      }
    } else if (resource === 'arn:aws:states:::mediaconvert:createJob.sync') {
      // https://docs.aws.amazon.com/step-functions/latest/dg/mediaconvert-iam.html
      const job = `arn:aws:mediaconvert:${REGION}:${ACCOUNT}:jobs/1700000000000-abcdef`;
      // CreateJob names the queue (and preset/job template, when the Task names one); the grant
      // is "*" (stacks/workflow.ts transcodeJobStatements), so the queue ARN is what is checked here.
      add('mediaconvert:CreateJob', staticParameter(name, state, 'Queue'));
      // Step Functions tags the job it creates with ManagedByService: AWSStepFunctions
      // (https://docs.aws.amazon.com/step-functions/latest/dg/connect-mediaconvert.html).
      add('mediaconvert:TagResource', job, { 'aws:TagKeys': 'ManagedByService', 'aws:RequestTag/ManagedByService': 'AWSStepFunctions' });
      for (const key of ['JobTemplate']) {
        if (state.Parameters?.[key] !== undefined || state.Parameters?.[`${key}.$`] !== undefined) {
          throw new Error(`Task ${name}: Parameters.${key} needs a CreateJob grant on the template; extend workflow-tasks.ts`);
        }
      }
      add('mediaconvert:GetJob', job);
      add('mediaconvert:CancelJob', job);
      add('iam:PassRole', staticParameter(name, state, 'Role'), { 'iam:PassedToService': 'mediaconvert.amazonaws.com' });
      const rule = `arn:aws:events:${REGION}:${ACCOUNT}:rule/StepFunctionsGetEventsForMediaConvertJobRule`;
      for (const action of ['events:PutTargets', 'events:PutRule', 'events:DescribeRule']) add(action, rule);
    } else {
      throw new Error(`Task ${name}: no grant mapping for Resource ${resource}; extend workflow-tasks.ts`);
    }
  }
  return out;
}
