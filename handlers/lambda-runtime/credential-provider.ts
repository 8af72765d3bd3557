import { fromEnv, type FromEnvInit } from '@aws-sdk/credential-provider-env';

/**
 * The default credential provider of every SDK client in a Lambda bundle. stacks/lib/bundle.ts
 * aliases `@aws-sdk/credential-provider-node` (the SDK's default chain: environment, SSO, shared
 * ini files, credential_process, web identity, container and instance metadata) to this module
 * when it bundles a handler.
 *
 * In Lambda the chain always stops at its first link: the runtime puts the execution role's
 * credentials in AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN ("Defined runtime
 * environment variables", https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime),
 * and no AWS_PROFILE. The other links were still shipped: the SSO, STS and sign-in clients they
 * lazily import (@aws-sdk/nested-clients) and the ini/process/IMDS providers, about 113 KB of
 * every SDK handler's 630-780 KB bundle, which Node parses at every cold start. The same
 * `fromEnv` as the chain's first link is used, so the credentials (and a missing-credentials
 * error, "Unable to find environment variable credentials.") are what the full chain gives in
 * Lambda.
 *
 * Only Lambda bundles use this: jest, the local run and the scripts import the SDK unchanged.
 */
export const defaultProvider = (init: FromEnvInit = {}): ReturnType<typeof fromEnv> => fromEnv(init);
