/**
 * Delivery (issue 12): one CloudFront distribution per environment in front of the output
 * bucket through an Origin Access Control; the bucket (and in prod the data key) admit CloudFront
 * for this distribution only; behaviours by path; optional signed playback; get-job alone may
 * read the signing key. terraform test (tests/terraform/) plans the same decisions with values.
 */
import { ENVIRONMENT_NAMES, ENVIRONMENTS } from '../../stacks/config';
import { MANIFEST_PATTERNS, MP4_PATTERN, THUMBNAIL_PATTERN } from '../../stacks/delivery';
import { synthApp, type SynthResult } from '../helpers/synth';

let app: SynthResult;
beforeAll(() => {
  app = synthApp();
});

const DISTRIBUTION_ARN = '${aws_cloudfront_distribution.delivery.arn}';
const SIGNING = 'var.delivery_signing_public_key_pem != ""';

describe.each(ENVIRONMENT_NAMES)('delivery (%s)', (envName) => {
  const stack = () => app.env(envName);
  const distribution = () => stack().resource('aws_cloudfront_distribution', 'delivery');

  it('reads the output bucket through an Origin Access Control that always signs with SigV4 (no legacy OAI)', () => {
    expect(stack().resource('aws_cloudfront_origin_access_control', 'output')).toMatchObject({
      origin_access_control_origin_type: 's3', signing_behavior: 'always', signing_protocol: 'sigv4',
    });
    expect(distribution().origin).toEqual([
      { origin_id: 'output', domain_name: '${aws_s3_bucket.output.bucket_regional_domain_name}', origin_access_control_id: '${aws_cloudfront_origin_access_control.output.id}' },
    ]);
    expect(Object.keys(stack().resources('aws_cloudfront_origin_access_identity'))).toEqual([]);
  });

  it('serves HTTPS only over HTTP/2 and HTTP/3 and IPv6, with the price class and names from variables', () => {
    expect(distribution()).toMatchObject({
      enabled: true, is_ipv6_enabled: true, http_version: 'http2and3',
      price_class: '${var.delivery_price_class}', aliases: '${var.delivery_domain_names}',
      restrictions: { geo_restriction: { restriction_type: 'none' } },
    });
    expect(distribution().viewer_certificate).toEqual({
      cloudfront_default_certificate: '${!(length(var.delivery_domain_names) > 0)}',
      acm_certificate_arn: '${length(var.delivery_domain_names) > 0 ? var.delivery_certificate_arn : null}',
      ssl_support_method: '${length(var.delivery_domain_names) > 0 ? "sni-only" : null}',
      minimum_protocol_version: '${length(var.delivery_domain_names) > 0 ? "TLSv1.2_2021" : "TLSv1"}',
    });
  });

  it('caches manifests briefly and segments, MP4 and thumbnails for long; no compression; signed requests required when signing is on', () => {
    const d = distribution();
    const ordered = d.ordered_cache_behavior as Array<Record<string, unknown>>;
    expect(ordered.map((b) => b.path_pattern)).toEqual([...MANIFEST_PATTERNS, THUMBNAIL_PATTERN, MP4_PATTERN]);
    expect(ordered.map((b) => b.cache_policy_id)).toEqual([
      '${aws_cloudfront_cache_policy.manifests.id}', '${aws_cloudfront_cache_policy.manifests.id}',
      '${aws_cloudfront_cache_policy.media.id}', '${aws_cloudfront_cache_policy.media.id}',
    ]);
    expect(d.default_cache_behavior.cache_policy_id).toBe('${aws_cloudfront_cache_policy.media.id}');
    for (const b of [d.default_cache_behavior, ...ordered]) {
      expect(b).toMatchObject({
        target_origin_id: 'output',
        viewer_protocol_policy: 'redirect-to-https',
        compress: false,
        allowed_methods: ['GET', 'HEAD', 'OPTIONS'],
        response_headers_policy_id: '${aws_cloudfront_response_headers_policy.playback.id}',
        trusted_key_groups: `\${${SIGNING} ? [aws_cloudfront_key_group.playback[0].id] : []}`,
      });
    }
    const manifests = stack().resource('aws_cloudfront_cache_policy', 'manifests');
    const media = stack().resource('aws_cloudfront_cache_policy', 'media');
    expect(manifests.max_ttl).toBeLessThanOrEqual(300);
    expect(media.min_ttl).toBeGreaterThanOrEqual(86400);
    for (const p of [manifests, media]) {
      expect(p.parameters_in_cache_key_and_forwarded_to_origin).toEqual({
        cookies_config: { cookie_behavior: 'none' }, headers_config: { header_behavior: 'none' }, query_strings_config: { query_string_behavior: 'none' },
        enable_accept_encoding_gzip: false, enable_accept_encoding_brotli: false,
      });
    }
  });

  it('adds CORS only for the configured origins, and security headers always', () => {
    const policy = stack().resource('aws_cloudfront_response_headers_policy', 'playback');
    expect(policy.dynamic.cors_config).toMatchObject({
      for_each: '${length(var.delivery_cors_allowed_origins) > 0 ? [1] : []}',
      content: { access_control_allow_origins: { items: '${var.delivery_cors_allowed_origins}' }, access_control_allow_credentials: false, origin_override: true },
    });
    expect(policy.security_headers_config).toMatchObject({
      strict_transport_security: { override: true }, content_type_options: { override: true }, frame_options: { frame_option: 'DENY' },
    });
  });

  it('creates the public key and key group only when signed playback is configured', () => {
    expect(stack().resource('aws_cloudfront_public_key', 'playback')).toMatchObject({ count: `\${${SIGNING} ? 1 : 0}`, encoded_key: '${var.delivery_signing_public_key_pem}' });
    expect(stack().resource('aws_cloudfront_key_group', 'playback')).toMatchObject({ count: `\${${SIGNING} ? 1 : 0}`, items: ['${aws_cloudfront_public_key.playback[0].id}'] });
  });

  it('lets CloudFront read output objects only through this distribution, and keeps the TLS-only deny', () => {
    const statements = JSON.parse(stack().resource('aws_s3_bucket_policy', 'output').policy).Statement;
    // The bucket's own statements (TLS-only deny; in prod the data-key denies) stay beside CloudFront's.
    expect(statements[0]).toMatchObject({ Sid: 'DenyInsecureTransport', Effect: 'Deny' });
    expect(statements.filter((st: { Principal?: unknown }) => JSON.stringify(st.Principal ?? null).includes('cloudfront'))).toEqual([
      {
        Sid: 'CloudFrontReadsThroughThisDistribution', Effect: 'Allow', Principal: { Service: 'cloudfront.amazonaws.com' },
        Action: 's3:GetObject', Resource: '${aws_s3_bucket.output.arn}/*', Condition: { StringEquals: { 'aws:SourceArn': DISTRIBUTION_ARN } },
      },
    ]);
    for (const other of ['source', 'archive']) expect(stack().resource('aws_s3_bucket_policy', other).policy).not.toContain('cloudfront');
  });

  it(`${ENVIRONMENTS[envName].enableCustomerManagedKey ? 'lets CloudFront decrypt with the data key through this distribution only' : 'has no data key to open to CloudFront'}`, () => {
    const keys = stack().resources('aws_kms_key');
    if (ENVIRONMENTS[envName].enableCustomerManagedKey) {
      const statements = JSON.parse(keys.data.policy).Statement;
      expect(statements.map((s: { Sid: string }) => s.Sid)).toEqual(['AccountAdministersAndDelegatesToIam', 'ServicesDeliverEncryptedMessages', 'BudgetsOfThisStackNotify', 'CloudFrontDecryptsOutputsForThisDistribution']);
      expect(statements[3]).toEqual({
        Sid: 'CloudFrontDecryptsOutputsForThisDistribution', Effect: 'Allow', Principal: { Service: 'cloudfront.amazonaws.com' },
        Action: 'kms:Decrypt', Resource: '*', Condition: { StringEquals: { 'aws:SourceArn': DISTRIBUTION_ARN } },
      });
    } else {
      expect(keys.data).toBeUndefined();
      expect(keys.topic.policy).not.toContain('cloudfront');
    }
  });

  it('gives get-job (only) the signing settings and a grant on the one key ARN, when signing is on', () => {
    const getJob = stack().resource('aws_lambda_function', 'get_job').environment.variables;
    expect(getJob).toMatchObject({
      DELIVERY_KEY_PAIR_ID: `\${${SIGNING} ? aws_cloudfront_public_key.playback[0].id : ""}`,
      DELIVERY_SIGNING_PRIVATE_KEY_ARN: '${var.delivery_signing_private_key_arn}',
      DELIVERY_URL_TTL_SECONDS: '${var.delivery_url_ttl_seconds}',
    });
    const grant = stack().resource('aws_iam_role_policy', 'get_job_signing_key');
    expect(grant).toMatchObject({ count: `\${${SIGNING} ? 1 : 0}`, role: '${aws_iam_role.get_job_function.id}' });
    expect(JSON.parse(grant.policy).Statement).toEqual([
      { Sid: 'ReadPlaybackSigningKey', Effect: 'Allow', Action: ['secretsmanager:GetSecretValue', 'ssm:GetParameter'], Resource: '${var.delivery_signing_private_key_arn}' },
    ]);
    for (const [name, fn] of Object.entries(stack().resources('aws_lambda_function'))) {
      if (name !== 'get_job') expect({ name, key: fn.environment.variables.DELIVERY_SIGNING_PRIVATE_KEY_ARN }).toEqual({ name, key: undefined });
      // Every function builds public views on the same base URL.
      expect({ name, base: fn.environment.variables.DELIVERY_BASE_URL }).toEqual({
        name, base: 'https://${element(concat(var.delivery_domain_names, [aws_cloudfront_distribution.delivery.domain_name]), 0)}',
      });
    }
    for (const [name, policy] of Object.entries(stack().resources('aws_iam_role_policy'))) {
      if (name !== 'get_job_signing_key') expect({ name, reads: /secretsmanager|ssm:/.test(policy.policy) }).toEqual({ name, reads: false });
    }
  });

  it('outputs the distribution domain and id', () => {
    expect(stack().json.output).toMatchObject({
      delivery_domain_name: { value: '${aws_cloudfront_distribution.delivery.domain_name}' },
      delivery_distribution_id: { value: '${aws_cloudfront_distribution.delivery.id}' },
    });
  });
});
