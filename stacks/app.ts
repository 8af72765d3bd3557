import { App } from 'cdktf';
import { ENVIRONMENT_NAMES, EnvironmentName, environmentConfig } from './config';
import { resolveStateBackend } from './state-backend';
import { StateBucketStack } from './state-bucket-stack';
import { APP_NAME, VideoWorkflowStack } from './video-workflow-stack';

/**
 * Which environment stacks to synthesize: VIDEO_WORKFLOW_ENVIRONMENTS (comma list) or cdktf.json
 * context `environments`, default all. The state-bucket bootstrap stack is always there.
 * An unknown name fails synth with the allowed values.
 */
export function selectedEnvironments(context: (key: string) => unknown, env: NodeJS.ProcessEnv = process.env): EnvironmentName[] {
  const fromContext = context('environments');
  const raw = env.VIDEO_WORKFLOW_ENVIRONMENTS || (typeof fromContext === 'string' ? fromContext : Array.isArray(fromContext) ? fromContext.join(',') : '');
  if (!raw) return [...ENVIRONMENT_NAMES];
  const names = raw.split(',').map((s) => s.trim()).filter(Boolean);
  for (const name of names) environmentConfig(name); // throws, naming the allowed values
  return ENVIRONMENT_NAMES.filter((n) => names.includes(n));
}

/** Adds every stack of the project to `app` (main.ts and the tests build the same app). */
export function addStacks(app: App, env: NodeJS.ProcessEnv = process.env): void {
  const context = (key: string): unknown => app.node.tryGetContext(key);
  const stateBackend = resolveStateBackend(context, env);
  new StateBucketStack(app, `${APP_NAME}-state`, { stateBackend });
  for (const name of selectedEnvironments(context, env)) {
    new VideoWorkflowStack(app, `${APP_NAME}-${name}`, { env: environmentConfig(name), stateBackend });
  }
}
