import { prebuildHandlers } from './stacks/lib/bundle';

/**
 * The cdktf app (cdktf.json "app": node --import tsx main.ts).
 *
 * Start-up order matters for `synth` time: the handlers' esbuild compile starts first and runs on
 * esbuild's own threads while Node loads cdktf and the AWS provider (the bulk of a synth), and is
 * awaited before the stacks are built.
 */
async function main(): Promise<void> {
  const prebuilt = prebuildHandlers();
  // cdktf captures a stack trace for every token it creates; with tsx's source maps on, Node maps
  // each of them back to TypeScript, which costs a third of a synth. Synth errors keep their
  // message and JavaScript positions; run with NODE_OPTIONS=--enable-source-maps for TS positions.
  if (!process.execArgv.includes('--enable-source-maps') && !(process.env.NODE_OPTIONS ?? '').includes('--enable-source-maps')) {
    process.setSourceMapsEnabled(false);
  }
  const { App } = await import('cdktf');
  const { addStacks } = await import('./stacks/app');
  await prebuilt;
  // Construct-level stack traces are metadata nobody reads in cdk.tf.json (it carries none).
  const app = new App({ stackTraces: false });
  addStacks(app);
  app.synth();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
