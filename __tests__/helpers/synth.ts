/**
 * Synthesizes the whole app exactly like main.ts (state-bucket stack + one stack per
 * environment, same classes, same environmentConfig/resolveStateBackend) into a temporary
 * outdir, and hands back each stack's cdk.tf.json, parsed and as the string the cdktf jest
 * matchers take (`expect(stack.synth).toHaveResourceWithProperties(S3Bucket, {...})`).
 *
 * One full app synth (all four stacks, every Lambda bundled once thanks to the per-process
 * bundle cache) is cheaper than Testing.synth per stack: that would still have to construct
 * every stack, and would not exercise the real App/backends/assets path. Call `synthApp()`
 * from `beforeAll`; results are memoized per jest module registry, i.e. once per test file.
 */
import { App } from 'cdktf';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addStacks } from '../../stacks/app';
import { ENVIRONMENT_NAMES, EnvironmentName } from '../../stacks/config';
import { APP_NAME } from '../../stacks/video-workflow-stack';

export const STATE_STACK = `${APP_NAME}-state`;
export type WorkflowStackName = `${typeof APP_NAME}-${EnvironmentName}`;
export type StackName = WorkflowStackName | typeof STATE_STACK;

export const workflowStackName = (env: EnvironmentName): WorkflowStackName => `${APP_NAME}-${env}`;
export const WORKFLOW_STACKS: readonly WorkflowStackName[] = ENVIRONMENT_NAMES.map(workflowStackName);

/** A block of cdk.tf.json: `{ <type>: { <name>: config } }`. */
export type Blocks = Record<string, Record<string, Record<string, any>>>;

/** The parts of cdk.tf.json the tests read (all optional in Terraform JSON). */
export interface TerraformJson {
  readonly terraform?: Record<string, any>;
  readonly provider?: Record<string, any>;
  readonly variable?: Record<string, Record<string, any>>;
  readonly output?: Record<string, Record<string, any>>;
  readonly resource?: Blocks;
  readonly data?: Blocks;
  readonly [key: string]: unknown;
}

export interface SynthesizedStack {
  readonly name: StackName;
  /** Folder holding cdk.tf.json and the assets (cdktf.out/stacks/<name>). */
  readonly dir: string;
  /** cdk.tf.json exactly as written to disk. */
  readonly raw: string;
  /** cdk.tf.json parsed. */
  readonly json: TerraformJson;
  /** JSON string for the cdktf matchers (toHaveResource, toHaveResourceWithProperties, ...). */
  readonly synth: string;
  /** Every resource of a type, by name (address `<type>.<name>`); {} when none. */
  resources(type: string): Record<string, Record<string, any>>;
  /** One resource by type and name; throws naming the address when it is missing. */
  resource(type: string, name: string): Record<string, any>;
  /** Every data source of a type, by name. */
  data(type: string): Record<string, Record<string, any>>;
}

/**
 * The state bucket the tests synthesize staging/prod with. There is no default bucket (a global
 * name anyone could own, stacks/state-backend.ts), and without one staging/prod are not synthesized.
 */
export const TEST_STATE_BUCKET = 'example-org-video-tfstate';

export interface SynthOptions {
  /** Replaces process.env for resolveStateBackend (TF_STATE_BUCKET, ...). @default process.env with TF_STATE_BUCKET defaulting to TEST_STATE_BUCKET */
  readonly env?: NodeJS.ProcessEnv;
  /** App context (cdktf.json "context" / --context), e.g. { stateBucket: 'x' }. @default {} */
  readonly context?: Record<string, unknown>;
  /** Output folder. @default a new temp dir, removed at process exit */
  readonly outdir?: string;
}

export interface SynthResult {
  readonly outdir: string;
  /** What the app printed for the operator (stacks left out, and why). */
  readonly notices: readonly string[];
  readonly stacks: Readonly<Record<StackName, SynthesizedStack>>;
  stack(name: StackName): SynthesizedStack;
  /** The workflow stack of one environment. */
  env(name: EnvironmentName): SynthesizedStack;
}

function readStack(outdir: string, name: StackName): SynthesizedStack {
  const dir = join(outdir, 'stacks', name);
  const raw = readFileSync(join(dir, 'cdk.tf.json'), 'utf8');
  const json = JSON.parse(raw) as TerraformJson;
  const resources = (type: string) => json.resource?.[type] ?? {};
  return {
    name,
    dir,
    raw,
    json,
    synth: JSON.stringify(json),
    resources,
    resource(type, resourceName) {
      const found = resources(type)[resourceName];
      if (!found) throw new Error(`${name}: no resource ${type}.${resourceName} (have: ${Object.keys(resources(type)).join(', ') || 'none'})`);
      return found;
    },
    data: (type) => json.data?.[type] ?? {},
  };
}

/** Builds the app like main.ts into `outdir` and reads every stack back. Not memoized. */
export function synthAppUncached(options: SynthOptions = {}): SynthResult {
  const outdir = options.outdir ?? mkdtempSync(join(tmpdir(), 'video-workflow-synth-'));
  if (!options.outdir) process.once('exit', () => rmSync(outdir, { recursive: true, force: true }));

  const app = new App({ outdir, context: options.context ?? {} });
  // Exactly what main.ts does, with every environment selected.
  const env = options.env ?? { ...process.env, TF_STATE_BUCKET: process.env.TF_STATE_BUCKET || TEST_STATE_BUCKET };
  const notices: string[] = [];
  addStacks(app, { ...env, VIDEO_WORKFLOW_ENVIRONMENTS: '' }, (m) => notices.push(m));
  app.synth();

  // Every stack the app wrote (staging/prod are left out when no state bucket is configured).
  const names = ([STATE_STACK, ...WORKFLOW_STACKS] as StackName[]).filter((n) => existsSync(join(outdir, 'stacks', n, 'cdk.tf.json')));
  const stacks = Object.fromEntries(names.map((n) => [n, readStack(outdir, n)])) as Record<StackName, SynthesizedStack>;
  return {
    outdir,
    notices,
    stacks,
    stack: (name) => stacks[name],
    env: (name) => stacks[workflowStackName(name)],
  };
}

let memo: SynthResult | undefined;

/** The default synth (process.env, no context), built once per test file. */
export function synthApp(): SynthResult {
  memo ??= synthAppUncached();
  return memo;
}

/** `aws_lambda_function.extract_metadata` style addresses of a stack: resources and data sources. */
export function addresses(stack: SynthesizedStack): string[] {
  const out: string[] = [];
  for (const [kind, blocks] of [['', stack.json.resource ?? {}], ['data.', stack.json.data ?? {}]] as const) {
    for (const [type, byName] of Object.entries(blocks)) {
      for (const name of Object.keys(byName)) out.push(`${kind}${type}.${name}`);
    }
  }
  return out;
}
