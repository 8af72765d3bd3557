// aws-local-stepfunctions 3.x needs Promise.withResolvers, which Node 20 lacks: the same
// polyfill the local run loads.
import '../../local/polyfills';

// Tests run on Node 20 (the functions run on Node 22): the SDK's "Node 20 is ending" warning is
// noise in every test file.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// EMF metric lines (handlers/shared/metrics.ts) are asserted where they matter, not printed by
// every handler test.
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
