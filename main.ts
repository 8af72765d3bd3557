import { App } from 'cdktf';
import { ENVIRONMENT_NAMES, environmentConfig } from './stacks/config';
import { resolveStateBackend } from './stacks/state-backend';
import { StateBucketStack } from './stacks/state-bucket-stack';
import { APP_NAME, VideoWorkflowStack } from './stacks/video-workflow-stack';

const app = new App();
const stateBackend = resolveStateBackend((key) => app.node.tryGetContext(key));

new StateBucketStack(app, `${APP_NAME}-state`, { stateBackend });
for (const name of ENVIRONMENT_NAMES) {
  new VideoWorkflowStack(app, `${APP_NAME}-${name}`, { env: environmentConfig(name), stateBackend });
}

app.synth();
