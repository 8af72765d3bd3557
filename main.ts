import { App } from 'cdktf';
import { addStacks } from './stacks/app';
import { ConfigError } from './stacks/config';

try {
  const app = new App();
  addStacks(app);
  app.synth();
} catch (err) {
  // A setting the operator gave is wrong: the message says which and what is allowed; a stack
  // trace (printed twice, by Node and by cdktf) would only hide it.
  if (!(err instanceof ConfigError)) throw err;
  process.stderr.write(`Configuration error: ${err.message}\n`);
  process.exit(1);
}
