// aws-local-stepfunctions 3.x targets Node >= 22 and calls Promise.withResolvers, which
// Node 20 lacks (the same polyfill jest loads from __tests__/setup/polyfills.ts).
const P = Promise as PromiseConstructor & { withResolvers?: unknown };
if (typeof P.withResolvers !== 'function') {
  P.withResolvers = function withResolvers<T>() {
    let resolve!: (value: T | PromiseLike<T>) => void;
    let reject!: (reason?: unknown) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}

export {};
