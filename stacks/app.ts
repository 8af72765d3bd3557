import { Annotations, App } from 'cdktf';
import { ENVIRONMENT_NAMES, EnvironmentName, environmentConfig } from './config';
import { requireStateBucket, resolveStateBackend } from './state-backend';
import { StateBucketStack } from './state-bucket-stack';
import { APP_NAME, VideoWorkflowStack } from './video-workflow-stack';

/**
 * Which environment stacks to synthesize: VIDEO_WORKFLOW_ENVIRONMENTS (comma list) or cdktf.json
 * context `environments`, default all. The state-bucket bootstrap stack is always there.
 * An unknown name fails synth with the allowed values.
 */
export function selectedEnvironments(context: (key: string) => unknown, env: NodeJS.ProcessEnv = process.env): EnvironmentName[] {
  const raw = requestedEnvironments(context, env);
  if (!raw) return [...ENVIRONMENT_NAMES];
  const names = raw.split(',').map((s) => s.trim()).filter(Boolean);
  for (const name of names) environmentConfig(name); // throws, naming the allowed values
  return ENVIRONMENT_NAMES.filter((n) => names.includes(n));
}

/** The raw environment list asked for (VIDEO_WORKFLOW_ENVIRONMENTS, else context), '' for none. */
function requestedEnvironments(context: (key: string) => unknown, env: NodeJS.ProcessEnv): string {
  const fromContext = context('environments');
  return env.VIDEO_WORKFLOW_ENVIRONMENTS || (typeof fromContext === 'string' ? fromContext : Array.isArray(fromContext) ? fromContext.join(',') : '');
}

/**
 * Adds every stack of the project to `app` (main.ts and the tests build the same app).
 * Stacks with an S3 backend (staging, prod) need TF_STATE_BUCKET / context stateBucket: without
 * it they are left out with a notice when no environment was asked for (so `npm run synth` works
 * on a fresh clone), and refused with an error naming the setting when one was.
 */
export function addStacks(app: App, env: NodeJS.ProcessEnv = process.env, notice?: (message: string) => void): void {
  const context = (key: string): unknown => app.node.tryGetContext(key);
  const stateBackend = resolveStateBackend(context, env);
  const state = new StateBucketStack(app, `${APP_NAME}-state`, { stateBackend });
  // A warning annotation: `cdktf synth/deploy` prints it as "WARN [video-workflow-state]: ...".
  const tell = notice ?? ((message: string) => Annotations.of(state).addWarning(message));
  const askedFor = requestedEnvironments(context, env) !== '';
  const skipped: string[] = [];
  for (const name of selectedEnvironments(context, env)) {
    const config = environmentConfig(name);
    const id = `${APP_NAME}-${name}`;
    if (config.backend === 's3' && stateBackend.bucket === undefined) {
      if (askedFor) requireStateBucket(stateBackend, id); // throws, naming TF_STATE_BUCKET / stateBucket
      skipped.push(id);
      continue;
    }
    new VideoWorkflowStack(app, id, { env: config, stateBackend });
  }
  if (skipped.length > 0) {
    tell(
      `${skipped.join(', ')}: not synthesized, no state bucket is configured. Set TF_STATE_BUCKET (or cdktf.json context ` +
        '"stateBucket") to your state bucket to synthesize them (docs/terraform-teams.md, "First deploy").',
    );
  }
}
