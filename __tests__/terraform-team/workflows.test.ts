import { validateWorkflow } from '@action-validator/core';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';

const ROOT = join(__dirname, '..', '..');
const WORKFLOWS = join(ROOT, '.github', 'workflows');

interface Step {
  readonly name?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly with?: Record<string, unknown>;
  readonly env?: Record<string, string>;
  readonly 'working-directory'?: string;
}
interface Job {
  readonly needs?: string | string[];
  readonly permissions?: Record<string, string>;
  readonly if?: string;
  readonly environment?: string | { name: string };
  readonly strategy?: { matrix?: Record<string, unknown>; 'fail-fast'?: boolean };
  readonly env?: Record<string, string>;
  readonly steps: Step[];
}
interface Workflow {
  readonly name: string;
  readonly on: Record<string, unknown>;
  readonly permissions?: Record<string, string>;
  readonly concurrency?: { group: string; 'cancel-in-progress'?: boolean };
  readonly env?: Record<string, string>;
  readonly jobs: Record<string, Job>;
}

/**
 * Actions a workflow may use, each pinned to one full commit SHA, with the release tag that commit
 * carries (read from the action's repository: `git rev-parse <tag>^{commit}`). A tag or branch can
 * be moved by whoever controls the action's repository; a commit SHA cannot.
 */
const ALLOWED_ACTIONS: Readonly<Record<string, { readonly sha: string; readonly tag: string }>> = {
  'actions/checkout': { sha: '11d5960a326750d5838078e36cf38b85af677262', tag: 'v4.4.0' },
  'actions/setup-node': { sha: '49933ea5288caeca8642d1e84afbd3f7d6820020', tag: 'v4.4.0' },
  'actions/upload-artifact': { sha: 'ea165f8d65b6e75b540449e92b4886f43607fa02', tag: 'v4.6.2' },
  'actions/download-artifact': { sha: 'd3f86a106a0bac45b974a628896c90dbdf5c8093', tag: 'v4.3.0' },
  'actions/github-script': { sha: 'f28e40c7f34bde8b3046d885e986cb6290c5673b', tag: 'v7.1.0' },
  'hashicorp/setup-terraform': { sha: 'b9cd54a3c349d3f38e8881555d616ced269862dd', tag: 'v3.1.2' },
  'aws-actions/configure-aws-credentials': { sha: '7474bc4690e29a8392af63c5b98e7449536d5c3a', tag: 'v4.3.1' },
};

/** `uses:` lines as written (with their comment), which the YAML parser drops. */
const usesLines = (file: string): string[] => [...sources[file].matchAll(/^\s*(?:- )?uses: (.+)$/gm)].map((m) => m[1].trim());

const workflowFiles = readdirSync(WORKFLOWS).filter((file) => /\.ya?ml$/.test(file)).sort();
const sources = Object.fromEntries(workflowFiles.map((file) => [file, readFileSync(join(WORKFLOWS, file), 'utf8')]));
const workflows = Object.fromEntries(workflowFiles.map((file) => [file, parse(sources[file]) as Workflow]));
const packageScripts = Object.keys((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts);

const stepsOf = (workflow: Workflow): Step[] => Object.values(workflow.jobs).flatMap((job) => job.steps);
const usesOf = (job: Job, action: string): Step[] => job.steps.filter((step) => step.uses?.split('@')[0] === action);
const runs = (job: Job): string => job.steps.map((step) => step.run ?? '').join('\n');
const needsOf = (job: Job): string[] => (job.needs === undefined ? [] : Array.isArray(job.needs) ? job.needs : [job.needs]);

describe('every workflow file', () => {
  it('includes the plan and apply workflows', () => {
    // Assess
    expect(workflowFiles).toEqual(expect.arrayContaining(['terraform-apply.yml', 'terraform-plan.yml']));
  });

  it.each(workflowFiles)('%s is valid against the GitHub workflow schema', (file) => {
    // Act
    const result = validateWorkflow(sources[file]);

    // Assess
    expect(result.errors).toEqual([]);
  });

  it.each(workflowFiles)('%s uses only allow-listed actions, pinned by full commit SHA with the tag in a comment', (file) => {
    // Prepare
    const lines = usesLines(file);

    // Act
    const rejected = lines.filter((line) => {
      const match = /^([\w.-]+\/[\w.-]+)@([0-9a-f]{40}) # (v\d+\.\d+\.\d+)$/.exec(line);
      const pin = match ? ALLOWED_ACTIONS[match[1]] : undefined;
      return !match || pin === undefined || pin.sha !== match[2] || pin.tag !== match[3];
    });

    // Assess
    expect(lines.length).toBe(stepsOf(workflows[file]).filter((step) => step.uses).length);
    expect(lines.length).toBeGreaterThan(0);
    expect(rejected).toEqual([]);
  });

  it.each(workflowFiles)('%s grants nothing at workflow level; each job names its permissions, and only jobs that run no repository code get id-token', (file) => {
    const workflow = workflows[file];
    expect(workflow.permissions).toEqual({});
    for (const [name, job] of Object.entries(workflow.jobs)) {
      expect({ name, permissions: job.permissions }).toEqual({ name, permissions: expect.any(Object) });
      if (job.permissions?.['id-token'] === 'write') {
        // No checkout, no npm: the job works on the synthesized JSON from the artifact only.
        expect({ name, checkout: usesOf(job, 'actions/checkout').length, npm: /\bnpm\b|npx |cdktf /.test(runs(job)) }).toEqual({ name, checkout: 0, npm: false });
        expect(usesOf(job, 'actions/download-artifact')[0]?.with?.name).toBe('synth');
      }
      for (const checkout of usesOf(job, 'actions/checkout')) {
        // The job that runs repository code keeps no git credentials and may only read.
        expect({ name, with: checkout.with }).toEqual({ name, with: { 'persist-credentials': false } });
        expect({ name, permissions: job.permissions }).toEqual({ name, permissions: { contents: 'read' } });
      }
    }
  });

  it.each(workflowFiles)('%s only calls npm scripts that package.json defines', (file) => {
    // Prepare
    const commands = stepsOf(workflows[file]).flatMap((step) => [...(step.run ?? '').matchAll(/npm run(?:\s+--?[\w-]+)*\s+([\w:.-]+)/g)].map((m) => m[1]));

    // Assess
    expect(commands.filter((script) => !packageScripts.includes(script))).toEqual([]);
  });

  it.each(workflowFiles)('%s keeps event and step data out of shell scripts (no script injection)', (file) => {
    // Prepare
    const scripts = stepsOf(workflows[file]).flatMap((step) => (step.run ? [step.run] : []));

    // Assess: such values go through env: and are read as "$VAR".
    expect(scripts.filter((script) => /\$\{\{\s*(github\.event|steps\.|github\.head_ref)/.test(script))).toEqual([]);
  });
});

describe('terraform-plan.yml', () => {
  const workflow = workflows['terraform-plan.yml'];
  const { synth, plan } = workflow.jobs;

  it('runs on pull requests; only plan may mint AWS credentials, only comment may write to the pull request', () => {
    // Assess
    expect(Object.keys(workflow.on)).toEqual(['pull_request']);
    expect(workflow.permissions).toEqual({});
    expect(synth.permissions).toEqual({ contents: 'read' });
    expect(plan.permissions).toEqual({ 'id-token': 'write' });
    expect(workflow.jobs.comment.permissions).toEqual({ 'pull-requests': 'write' });
    expect(workflow.concurrency).toEqual({ group: 'terraform-plan-${{ github.event.pull_request.number }}', 'cancel-in-progress': true });
  });

  it.each(['terraform-plan.yml', 'terraform-apply.yml'])('%s asks for every environment by name, so an unset TF_STATE_BUCKET fails synth instead of falling back', (file) => {
    // Assess: stacks/app.ts refuses staging/prod asked for by name without a bucket (issue #20, point 6).
    const env = (workflows[file] as unknown as { env: Record<string, string> }).env;
    expect(env.VIDEO_WORKFLOW_ENVIRONMENTS).toBe('dev,staging,prod');
    expect(env.TF_STATE_BUCKET).toBe('${{ vars.TF_STATE_BUCKET }}');
  });

  it('synthesizes once with Node 20 and the npm cache, and checks every stack offline', () => {
    // Prepare
    const setupNode = usesOf(synth, 'actions/setup-node');

    // Assess
    expect(setupNode).toHaveLength(1);
    expect(setupNode[0].with).toEqual({ 'node-version': 20, cache: 'npm' });
    const commands = synth.steps.flatMap((step) => (step.run ? [step.run.trim()] : []));
    expect(commands.slice(0, 4)).toEqual(['npm ci --no-audit --no-fund', 'npm run synth', 'npm run synth:hcl', 'npm run test:terraform']);
    // The environments' tfvars ride in the synth artifact, so the plan job needs no checkout.
    expect(commands[4]).toContain('cp {} cdktf.out/envs/');
    expect(synth.steps.findIndex((s) => s.uses?.startsWith('hashicorp/setup-terraform@'))).toBeLessThan(synth.steps.findIndex((s) => s.run === 'npm run synth'));
    expect(usesOf(synth, 'actions/upload-artifact').map((s) => s.with?.path)).toEqual(['cdktf.out/', 'cdktf.out.hcl/']);
  });

  it('pins Terraform 1.11.4 without the wrapper in every job', () => {
    // Assess
    expect(workflow.env?.TERRAFORM_VERSION).toBe('1.11.4');
    for (const job of [synth, plan]) {
      expect(usesOf(job, 'hashicorp/setup-terraform').map((s) => s.with)).toEqual([
        { terraform_version: '${{ env.TERRAFORM_VERSION }}', terraform_wrapper: false },
      ]);
    }
  });

  it('plans staging and prod from the saved synth with the plan role', () => {
    // Assess
    expect(needsOf(plan)).toEqual(['synth']);
    expect(plan.strategy?.matrix).toEqual({ environment: ['staging', 'prod'] });
    expect(plan.if).toBe('github.event.pull_request.head.repo.full_name == github.repository');
    expect(usesOf(plan, 'actions/download-artifact').map((s) => s.with)).toEqual([{ name: 'synth', path: 'cdktf.out/' }]);
    expect(runs(plan)).not.toMatch(/npm run synth|cdktf /);
    const credentials = usesOf(plan, 'aws-actions/configure-aws-credentials');
    expect(credentials).toHaveLength(1);
    expect(credentials[0].with?.['role-to-assume']).toBe('${{ vars.AWS_PLAN_ROLE_ARN }}');
    expect(plan.env?.STACK_DIR).toBe('cdktf.out/stacks/video-workflow-${{ matrix.environment }}');
  });

  it('inits, plans to a file without the state lock, shows it in the job summary, comments and uploads it', () => {
    // Prepare
    const script = runs(plan);

    // Assess
    expect(script).toContain('terraform init -input=false');
    expect(script).toMatch(/terraform plan "\$\{args\[@\]\}"/);
    expect(script).toContain('-out=tfplan');
    expect(script).toContain('-detailed-exitcode');
    expect(script).toContain('-lock=false');
    expect(script).not.toContain('-lock-timeout');
    expect(script).toContain('var_file="$GITHUB_WORKSPACE/cdktf.out/envs/${{ matrix.environment }}.tfvars"');
    expect(script).toContain('terraform show -no-color tfplan > plan.txt');
    expect(script).toContain('>> "$GITHUB_STEP_SUMMARY"');
    expect(usesOf(plan, 'actions/github-script')).toEqual([]);
    const commentJob = workflow.jobs.comment;
    expect(needsOf(commentJob)).toEqual(['plan']);
    expect(usesOf(commentJob, 'actions/download-artifact').map((s) => s.with)).toEqual([{ name: 'tfplan-${{ matrix.environment }}', path: 'plan' }]);
    const comment = usesOf(commentJob, 'actions/github-script');
    expect(comment).toHaveLength(1);
    expect(String(comment[0].with?.script)).toContain('github.rest.issues.createComment');
    expect(String(comment[0].with?.script)).toContain('github.rest.issues.updateComment');
    const upload = usesOf(plan, 'actions/upload-artifact');
    expect(upload.map((s) => s.with?.name)).toEqual(['tfplan-${{ matrix.environment }}']);
    expect(String(upload[0].with?.path)).toContain('.terraform.lock.hcl');
    expect(upload[0].with?.['include-hidden-files']).toBe(true);
  });
});

describe('terraform-plan.yml pull request comment script', () => {
  const step = workflows['terraform-plan.yml'].jobs.comment.steps.find((s) => s.uses?.startsWith('actions/github-script@'));
  const script = String(step?.with?.script);
  type Comment = { id: number; body: string; user: { type: string } };
  const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (...args: string[]) => (...args: unknown[]) => Promise<void>;
  let dir: string;
  const savedEnv = { ...process.env };

  /** Runs the step's script as actions/github-script does: (require, github, context) in scope. */
  async function runScript(plan: string, existing: Comment[]) {
    const planFile = join(dir, 'plan.txt');
    writeFileSync(planFile, plan);
    Object.assign(process.env, { ENVIRONMENT: 'prod', PLAN_FILE: planFile, PLAN_SUMMARY: 'Plan: 1 to add, 0 to change, 0 to destroy.' });
    const created: Record<string, unknown>[] = [];
    const updated: Record<string, unknown>[] = [];
    const github = {
      paginate: jest.fn(async () => existing),
      rest: {
        issues: {
          listComments: jest.fn(),
          createComment: jest.fn(async (args: Record<string, unknown>) => void created.push(args)),
          updateComment: jest.fn(async (args: Record<string, unknown>) => void updated.push(args)),
        },
      },
    };
    const context = {
      serverUrl: 'https://github.example.com',
      runId: 42,
      repo: { owner: 'example-org', repo: 'video-workflow' },
      issue: { number: 7 },
      payload: { pull_request: { head: { sha: '0123456789abcdef' } } },
    };
    await new AsyncFunction('require', 'github', 'context', script)(require, github, context);
    return { github, created, updated };
  }

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'plan-comment-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
    process.env = { ...savedEnv };
  });

  it('creates one comment per environment with the summary and the plan', async () => {
    // Act
    const { github, created, updated } = await runScript('  # aws_s3_bucket.source will be created\n', []);

    // Assess
    expect(github.paginate).toHaveBeenCalledWith(github.rest.issues.listComments, { owner: 'example-org', repo: 'video-workflow', issue_number: 7, per_page: 100 });
    expect(updated).toEqual([]);
    expect(created).toHaveLength(1);
    const body = String(created[0].body);
    expect(created[0]).toMatchObject({ owner: 'example-org', repo: 'video-workflow', issue_number: 7 });
    expect(body.startsWith('<!-- terraform-plan:prod -->\n### Terraform plan: video-workflow-prod\n')).toBe(true);
    expect(body).toContain('**Plan: 1 to add, 0 to change, 0 to destroy.** (commit 0123456, [run](https://github.example.com/example-org/video-workflow/actions/runs/42))');
    expect(body).toContain('```\n  # aws_s3_bucket.source will be created\n\n```');
  });

  it('updates its own earlier comment instead of adding another', async () => {
    // Prepare
    const existing = [
      { id: 1, body: '<!-- terraform-plan:prod -->\nold', user: { type: 'User' } },
      { id: 2, body: '<!-- terraform-plan:staging -->\nold', user: { type: 'Bot' } },
      { id: 3, body: '<!-- terraform-plan:prod -->\nold', user: { type: 'Bot' } },
    ];

    // Act
    const { created, updated } = await runScript('No changes.\n', existing);

    // Assess
    expect(created).toEqual([]);
    expect(updated).toHaveLength(1);
    expect(updated[0]).toMatchObject({ owner: 'example-org', repo: 'video-workflow', comment_id: 3 });
  });

  it('truncates a plan longer than a comment can hold and points at the artifact', async () => {
    // Act
    const { created } = await runScript('x'.repeat(70_000), []);

    // Assess
    const body = String(created[0].body);
    expect(body.length).toBeLessThan(65_536);
    expect(body).toContain(`${'x'.repeat(60_000)}\n... truncated: download the tfplan-prod artifact`);
    expect(body).not.toContain('x'.repeat(60_001));
  });
});

describe('terraform-apply.yml', () => {
  const workflow = workflows['terraform-apply.yml'];
  const { synth, plan } = workflow.jobs;
  const staging = workflow.jobs['apply-staging'];
  const prod = workflow.jobs['apply-prod'];

  it('runs on pushes to main (and by hand, for main only), one apply at a time, never cancelled', () => {
    // Assess
    expect(workflow.on.push).toEqual({ branches: ['main'] });
    expect(Object.keys(workflow.on).sort()).toEqual(['push', 'workflow_dispatch']);
    // A dispatch on any other ref skips synth, and with it every job that needs it.
    expect(synth.if).toBe("github.ref == 'refs/heads/main'");
    expect(needsOf(plan)).toEqual(['synth']);
    expect(workflow.permissions).toEqual({});
    expect(synth.permissions).toEqual({ contents: 'read' });
    for (const job of [plan, staging, prod]) expect(job.permissions).toEqual({ 'id-token': 'write' });
    expect(workflow.concurrency).toEqual({ group: 'terraform-apply', 'cancel-in-progress': false });
  });

  it('synthesizes exactly once; every later job uses the saved synth', () => {
    // Assess
    expect(runs(synth)).toContain('npm run synth');
    for (const job of [plan, staging, prod]) {
      expect(runs(job)).not.toMatch(/npm |cdktf /);
      expect(usesOf(job, 'actions/download-artifact')[0].with).toEqual({ name: 'synth', path: 'cdktf.out/' });
    }
  });

  it('applies staging, then prod, each behind its GitHub environment', () => {
    // Assess
    expect(staging.environment).toBe('staging');
    expect(prod.environment).toBe('prod');
    expect(needsOf(staging)).toEqual(['plan']);
    expect(needsOf(prod)).toEqual(expect.arrayContaining(['apply-staging']));
    expect(plan.strategy?.matrix).toEqual({ environment: ['staging', 'prod'] });
  });

  it('applies exactly the saved plan with the environment apply role', () => {
    for (const [job, env] of [
      [staging, 'staging'],
      [prod, 'prod'],
    ] as const) {
      // Assess
      expect(usesOf(job, 'actions/download-artifact')[1].with).toEqual({ name: `tfplan-${env}`, path: '${{ env.STACK_DIR }}' });
      expect(job.env?.STACK_DIR).toBe(`cdktf.out/stacks/video-workflow-${env}`);
      expect(usesOf(job, 'aws-actions/configure-aws-credentials')[0].with?.['role-to-assume']).toBe('${{ vars.AWS_APPLY_ROLE_ARN }}');
      expect(runs(job)).toContain('terraform init -input=false -no-color -lockfile=readonly');
      expect(runs(job)).toMatch(/terraform apply -input=false -no-color -lock-timeout=5m tfplan\n/);
      expect(runs(job)).not.toContain('-auto-approve');
    }
  });
});

describe('docs/terraform-teams.md: the AWS side of CI trust', () => {
  const doc = readFileSync(join(ROOT, 'docs', 'terraform-teams.md'), 'utf8');
  // JSON code blocks of the doc (some are fragments, e.g. a statement inside a larger policy: skipped).
  const jsonBlocks = [...doc.matchAll(/```json\n([\s\S]*?)```/g)].flatMap((m) => {
    try {
      return [JSON.parse(m[1]) as Record<string, any>];
    } catch {
      return [];
    }
  });
  const trust = jsonBlocks.filter((b) => b.Action === 'sts:AssumeRoleWithWebIdentity');

  it('restricts the apply role to terraform-apply.yml on refs/heads/main in its environment', () => {
    const apply = trust.find((t) => String(t.Condition.StringEquals['token.actions.githubusercontent.com:sub']).includes(':environment:prod'));
    expect(apply?.Condition).toEqual({
      StringEquals: {
        'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
        'token.actions.githubusercontent.com:sub':
          'repo:example-org/video-workflow:environment:prod:job_workflow_ref:example-org/video-workflow/.github/workflows/terraform-apply.yml@refs/heads/main',
      },
    });
  });

  it('restricts the plan role to the two plan jobs (main and pull requests) by workflow file and ref', () => {
    const plan = trust.find((t) => t.Condition.StringLike !== undefined);
    expect(plan?.Condition.StringLike['token.actions.githubusercontent.com:sub']).toEqual([
      'repo:example-org/video-workflow:ref:refs/heads/main:job_workflow_ref:example-org/video-workflow/.github/workflows/terraform-apply.yml@refs/heads/main',
      'repo:example-org/video-workflow:pull_request:job_workflow_ref:example-org/video-workflow/.github/workflows/terraform-plan.yml@refs/pull/*/merge',
    ]);
    for (const t of trust) expect(JSON.stringify(t)).not.toMatch(/:\*"|sub":\s*"repo:example-org\/video-workflow:\*/);
  });

  it('gives the plan role configuration reads, not ReadOnlyAccess: no data reads outside the state bucket', () => {
    const policy = jsonBlocks.find((b) => b.Version === '2012-10-17' && b.Statement.some((s: any) => s.Sid === 'ReadStackConfiguration'));
    expect(policy).toBeDefined();
    const actions: string[] = policy!.Statement.flatMap((s: any) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
    const dataReads = actions.filter((a) => /^(dynamodb:(GetItem|Query|Scan|BatchGetItem)|sqs:ReceiveMessage|kms:Decrypt|secretsmanager:|ssm:GetParameter)/.test(a) || a.endsWith(':*') || a === '*');
    expect(dataReads).toEqual([]);
    const getObject = policy!.Statement.filter((s: any) => [s.Action].flat().includes('s3:GetObject'));
    expect(getObject.map((s: any) => s.Resource)).toEqual(['arn:aws:s3:::example-video-workflow-tfstate/video-workflow/*']);
    expect(doc).toContain('deployment branches limited\n  to `main`');
  });
});
