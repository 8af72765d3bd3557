// aws-local-stepfunctions 3.x targets Node >= 22 and calls Promise.withResolvers,
// which Node 20 lacks.
if (typeof (Promise as any).withResolvers !== 'function') {
  (Promise as any).withResolvers = function withResolvers<T>() {
    let resolve!: (value: T | PromiseLike<T>) => void;
    let reject!: (reason?: unknown) => void;
    const promise = new Promise<T>((res, rej) => { resolve = res; reject = rej; });
    return { promise, resolve, reject };
  };
}

// Tests run on Node 20 (the functions run on Node 22): the SDK's "Node 20 is ending" warning is
// noise in every test file.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// EMF metric lines (handlers/shared/metrics.ts) are asserted where they matter, not printed by
// every handler test.
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
