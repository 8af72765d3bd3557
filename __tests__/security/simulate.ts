/**
 * Runs one access request through @cloud-copilot/iam-simulate with the synthesized policies:
 * the principal's identity policies (its aws_iam_role_policy documents) and the resource policy
 * attached to the requested resource (bucket, topic, queue, key policy or trust policy).
 * iam-simulate is AGPL: it is used by tests and scripts only, never by stacks/ or handlers/.
 */
import { runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import type { StackName, SynthResult } from '../helpers/synth';
import { apiRolePolicy, type ApiRole } from './api-roles';
import { ACCOUNT, extractPolicies, OTHER_ACCOUNT, REGION, Resolver, type ExtractedPolicy } from './policies';

export type Decision = 'Allowed' | 'ImplicitlyDenied' | 'ExplicitlyDenied';

/**
 * Who asks. `role`: an aws_iam_role of the principal's stack, by Terraform name.
 * `service`: an AWS service principal (assume-role, resource-policy deliveries).
 * `admin`: an administrator (Action "*" on "*") of this account or of another one, to show
 * what resource policies deny regardless of identity grants.
 */
export type Principal =
  | { readonly role: string }
  | { readonly service: string }
  | { readonly admin: 'this-account' | 'other-account' }
  /** An API caller holding the docs/api.md policy of that role (AWS_IAM mode), for this stack's API. */
  | { readonly apiRole: ApiRole };

export interface SimulationCase {
  /** One line saying what is proven, shown as the test name. */
  readonly title: string;
  readonly principal: Principal;
  readonly action: string;
  /** Resource ARN, Terraform interpolations allowed: `${aws_s3_bucket.source.arn}/uploads/a.mp4`. */
  readonly resource: string;
  /** Stack the resource (and its interpolations) belongs to. @default the principal's stack */
  readonly resourceStack?: StackName;
  /** Request context keys (values may hold interpolations). aws:SecureTransport defaults to "true". */
  readonly context?: Readonly<Record<string, string>>;
  readonly expect: Decision;
}

export interface SimulationOutcome {
  readonly decision: Decision;
  readonly principal: string;
  readonly resource: string;
  readonly identityPolicies: readonly string[];
  readonly resourcePolicy?: string;
}

const ADMIN_POLICY = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };

/** Simulates requests against one synthesized app; policies are extracted once per stack. */
export class Simulator {
  private readonly policies = new Map<StackName, ExtractedPolicy[]>();
  private readonly resolvers = new Map<StackName, Resolver>();
  /** Number of simulations run, for the report. */
  count = 0;

  constructor(private readonly app: SynthResult) {}

  resolver(stack: StackName): Resolver {
    let r = this.resolvers.get(stack);
    if (!r) {
      r = new Resolver(this.app.stack(stack));
      this.resolvers.set(stack, r);
    }
    return r;
  }

  policiesOf(stack: StackName): ExtractedPolicy[] {
    let p = this.policies.get(stack);
    if (!p) {
      p = extractPolicies(this.app.stack(stack));
      this.policies.set(stack, p);
    }
    return p;
  }

  private allPolicies(): ExtractedPolicy[] {
    return (Object.keys(this.app.stacks) as StackName[]).flatMap((s) => this.policiesOf(s));
  }

  /** The resource policy that governs `resource` for `action`, if any. */
  private resourcePolicyFor(action: string, resource: string): ExtractedPolicy | undefined {
    const candidates = this.allPolicies().filter((p) => {
      switch (p.kind) {
        case 'identity':
          return false;
        case 'trust':
          return action.toLowerCase().startsWith('sts:assumerole') && p.attachedTo === resource;
        case 'bucket':
          return resource === p.attachedTo || resource.startsWith(`${p.attachedTo}/`);
        default:
          return resource === p.attachedTo;
      }
    });
    if (candidates.length > 1) throw new Error(`More than one resource policy governs ${resource}: ${candidates.map((c) => `${c.stack} ${c.address}`).join(', ')}`);
    return candidates[0];
  }

  async run(stack: StackName, c: SimulationCase): Promise<SimulationOutcome> {
    const resourceStack = c.resourceStack ?? stack;
    const resource = this.resolver(resourceStack).resolve(c.resource);
    const context: Record<string, string> = { 'aws:SecureTransport': 'true' };
    for (const [k, v] of Object.entries(c.context ?? {})) context[k] = this.resolver(resourceStack).resolve(v);

    let principal: string;
    let identity: ExtractedPolicy[] = [];
    let identityPolicies: Simulation['identityPolicies'] = [];
    if ('role' in c.principal) {
      principal = this.resolver(stack).attribute(`aws_iam_role.${c.principal.role}.arn`);
      identity = this.policiesOf(stack).filter((p) => p.kind === 'identity' && p.attachedTo === principal);
      if (identity.length === 0) throw new Error(`${stack}: role ${c.principal.role} has no aws_iam_role_policy`);
      identityPolicies = identity.map((p) => ({ name: p.address, policy: p.document }));
    } else if ('service' in c.principal) {
      principal = c.principal.service;
    } else if ('apiRole' in c.principal) {
      principal = `arn:aws:iam::${ACCOUNT}:role/video-api-${c.principal.apiRole}`;
      const apiId = this.resolver(stack).attribute('aws_apigatewayv2_api.jobs.id');
      identityPolicies = [{ name: `docs/api.md ${c.principal.apiRole}`, policy: apiRolePolicy(c.principal.apiRole, { region: REGION, accountId: ACCOUNT, apiId }) }];
    } else {
      const account = c.principal.admin === 'this-account' ? ACCOUNT : OTHER_ACCOUNT;
      principal = `arn:aws:iam::${account}:role/administrator`;
      identityPolicies = [{ name: 'administrator', policy: ADMIN_POLICY }];
    }
    const resourcePolicy = this.resourcePolicyFor(c.action, resource);

    const simulation: Simulation = {
      request: { principal, action: c.action, resource: { resource, accountId: ACCOUNT }, contextVariables: context },
      identityPolicies,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: resourcePolicy?.document,
      // Every bucket blocks public access (storage.test.ts proves it); tell the simulator so.
      additionalSettings: resource.startsWith('arn:aws:s3:::') ? { s3: { blockPublicAccess: true } } : undefined,
    };
    const response = await runSimulation(simulation, {});
    this.count += 1;
    if (response.resultType === 'error') {
      throw new Error(`iam-simulate rejected the request ${c.action} on ${resource}: ${JSON.stringify(response.errors)}`);
    }
    return {
      decision: response.overallResult,
      principal,
      resource,
      identityPolicies: identity.map((p) => p.address),
      resourcePolicy: resourcePolicy ? `${resourcePolicy.stack} ${resourcePolicy.address}` : undefined,
    };
  }
}
