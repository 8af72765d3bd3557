import { Token } from 'cdktf';
import { Construct } from 'constructs';
import { CloudfrontCachePolicy } from '@cdktf/provider-aws/lib/cloudfront-cache-policy';
import { CloudfrontDistribution, CloudfrontDistributionOrderedCacheBehavior } from '@cdktf/provider-aws/lib/cloudfront-distribution';
import { CloudfrontKeyGroup } from '@cdktf/provider-aws/lib/cloudfront-key-group';
import { CloudfrontMonitoringSubscription } from '@cdktf/provider-aws/lib/cloudfront-monitoring-subscription';
import { CloudfrontOriginAccessControl } from '@cdktf/provider-aws/lib/cloudfront-origin-access-control';
import { CloudfrontPublicKey } from '@cdktf/provider-aws/lib/cloudfront-public-key';
import { CloudfrontResponseHeadersPolicy } from '@cdktf/provider-aws/lib/cloudfront-response-headers-policy';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { Statement } from './lib/iam';
import { address, Names } from './lib/naming';

export interface DeliveryProps {
  readonly names: Names;
  /** The output bucket: the distribution's only origin. */
  readonly outputBucket: S3Bucket;
  /**
   * CloudFront's additional metrics: CacheHitRate, OriginLatency and the 401/403/404/502/503/504
   * error rates, 8 metrics per distribution that "incur an additional cost"
   * (CreateMonitoringSubscription, https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_CreateMonitoringSubscription.html;
   * "Viewing additional CloudFront distribution metrics",
   * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/viewing-cloudfront-metrics.html):
   * billed as custom CloudWatch metrics, about 8 x $0.30 = $2.40 per distribution-month at the
   * first CloudWatch price tier. On in prod only (EnvironmentConfig.enableDeliveryAdditionalMetrics).
   * @default false
   */
  readonly enableAdditionalMetrics?: boolean;
}

/** Playback paths: what each cache behaviour matches (the same layout the local run serves). */
export const MANIFEST_PATTERNS = ['*.m3u8', '*.mpd'] as const;
export const THUMBNAIL_PATTERN = '*/thumbnails/*';
export const MP4_PATTERN = '*.mp4';

const MINUTE = 60;
const DAY = 24 * 3600;
const YEAR = 365 * DAY;

/** True (as a Terraform expression) when the operator configured signed playback. */
export const SIGNING_ENABLED = 'var.delivery_signing_public_key_pem != ""';
const CUSTOM_DOMAIN = 'length(var.delivery_domain_names) > 0';

/**
 * One CloudFront distribution per environment in front of the output bucket.
 *
 * - Origin: the output bucket through an Origin Access Control (SigV4, always), no legacy OAI;
 *   the bucket policy (outputReadStatement) admits cloudfront.amazonaws.com for s3:GetObject
 *   only with aws:SourceArn = this distribution (condition keys are case-insensitive):
 *   https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-restricting-access-to-s3.html
 *   ("Restrict access to an Amazon S3 origin"); SSE-KMS objects also need the key policy
 *   statement keyStatement() returns (same page, "SSE-KMS").
 * - Behaviours: manifests (*.m3u8, *.mpd) cached for seconds to minutes (a re-published job
 *   is visible quickly), segments, MP4 and thumbnails for a long time (a job's outputs never
 *   change under the same key). Query strings, cookies and headers stay out of the cache key;
 *   CloudFront strips the signed-URL parameters before it forwards a request:
 *   https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-signed-urls.html
 * - compress = false: H.264/AAC segments, MP4 and JPEG are already compressed.
 * - Viewers: HTTPS only (redirect-to-https), HTTP/2 and HTTP/3, IPv6; a custom certificate
 *   (ACM, us-east-1) with TLSv1.2_2021 when delivery_domain_names is set:
 *   https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/secure-connections-supported-viewer-protocols-ciphers.html
 * - Signed playback (delivery_signing_public_key_pem set): a public key and a key group, and
 *   every behaviour trusts that group:
 *   https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-trusted-signers.html
 */
export class Delivery extends Construct {
  readonly distribution: CloudfrontDistribution;
  /** The public key's id: the `Key-Pair-Id` of signed URLs ("" when signing is off). */
  readonly keyPairId: string;
  /** https://<first custom domain, else the distribution's domain>: the base of every playback URL. */
  readonly baseUrl: string;

  constructor(scope: Construct, id: string, props: DeliveryProps) {
    super(scope, id);
    const { names, outputBucket } = props;

    const oac = address(
      new CloudfrontOriginAccessControl(this, 'oac', {
        name: names.of('output'),
        description: `${names.prefix}: CloudFront reads the output bucket (SigV4)`,
        originAccessControlOriginType: 's3',
        signingBehavior: 'always',
        signingProtocol: 'sigv4',
      }),
      'output',
    );

    const cachePolicy = (key: string, comment: string, ttl: { min: number; default: number; max: number }) =>
      address(
        new CloudfrontCachePolicy(this, `${key}-cache`, {
          name: names.of(`${key}-cache`),
          comment,
          minTtl: ttl.min,
          defaultTtl: ttl.default,
          maxTtl: ttl.max,
          parametersInCacheKeyAndForwardedToOrigin: {
            cookiesConfig: { cookieBehavior: 'none' },
            headersConfig: { headerBehavior: 'none' },
            queryStringsConfig: { queryStringBehavior: 'none' },
            enableAcceptEncodingGzip: false,
            enableAcceptEncodingBrotli: false,
          },
        }),
        key,
      );
    const manifests = cachePolicy('manifests', 'HLS/DASH manifests: short TTL', { min: 0, default: MINUTE, max: 5 * MINUTE });
    const media = cachePolicy('media', 'Segments, MP4 and thumbnails: immutable per job, long TTL', { min: DAY, default: 30 * DAY, max: YEAR });

    const headers = address(
      new CloudfrontResponseHeadersPolicy(this, 'headers', {
        name: names.of('playback-headers'),
        comment: 'CORS for browser players (delivery_cors_allowed_origins) and security headers',
        securityHeadersConfig: {
          strictTransportSecurity: { accessControlMaxAgeSec: YEAR, includeSubdomains: false, override: true },
          contentTypeOptions: { override: true },
          frameOptions: { frameOption: 'DENY', override: true },
          referrerPolicy: { referrerPolicy: 'strict-origin-when-cross-origin', override: true },
        },
      }),
      'playback',
    );
    // CORS only when the operator lists origins ("*" only when they write it): a dynamic block,
    // because the list is a variable and cors_config cannot be empty.
    headers.addOverride('dynamic.cors_config', {
      for_each: '${length(var.delivery_cors_allowed_origins) > 0 ? [1] : []}',
      content: {
        access_control_allow_credentials: false,
        access_control_allow_headers: { items: ['*'] },
        access_control_allow_methods: { items: ['GET', 'HEAD', 'OPTIONS'] },
        access_control_allow_origins: { items: '${var.delivery_cors_allowed_origins}' },
        access_control_expose_headers: { items: ['Content-Length', 'Content-Range', 'ETag'] },
        access_control_max_age_sec: 3000,
        origin_override: true,
      },
    });

    const signingCount = Token.asNumber(`\${${SIGNING_ENABLED} ? 1 : 0}`);
    address(
      new CloudfrontPublicKey(this, 'signing-key', {
        count: signingCount,
        name: names.of('playback'),
        comment: `${names.prefix}: verifies signed playback URLs and cookies`,
        encodedKey: '${var.delivery_signing_public_key_pem}',
      }),
      'playback',
    );
    address(
      new CloudfrontKeyGroup(this, 'key-group', {
        count: signingCount,
        name: names.of('playback'),
        comment: `${names.prefix}: signers of playback URLs (get-job)`,
        // Counted resources are referenced by index: a plain token would render without [0].
        items: ['${aws_cloudfront_public_key.playback[0].id}'],
      }),
      'playback',
    );
    this.keyPairId = `\${${SIGNING_ENABLED} ? aws_cloudfront_public_key.playback[0].id : ""}`;
    const trustedKeyGroups = Token.asList(`\${${SIGNING_ENABLED} ? [aws_cloudfront_key_group.playback[0].id] : []}`);

    const originId = 'output';
    const behaviour = (cachePolicyId: string) => ({
      targetOriginId: originId,
      viewerProtocolPolicy: 'redirect-to-https',
      allowedMethods: ['GET', 'HEAD', 'OPTIONS'],
      cachedMethods: ['GET', 'HEAD', 'OPTIONS'],
      compress: false,
      cachePolicyId,
      responseHeadersPolicyId: headers.id,
      trustedKeyGroups,
    });
    const ordered: CloudfrontDistributionOrderedCacheBehavior[] = [
      ...MANIFEST_PATTERNS.map((pathPattern) => ({ pathPattern, ...behaviour(manifests.id) })),
      { pathPattern: THUMBNAIL_PATTERN, ...behaviour(media.id) },
      { pathPattern: MP4_PATTERN, ...behaviour(media.id) },
    ];

    this.distribution = address(
      new CloudfrontDistribution(this, 'distribution', {
        comment: `${names.prefix}: playback of transcoded outputs`,
        enabled: true,
        isIpv6Enabled: true,
        httpVersion: 'http2and3',
        priceClass: '${var.delivery_price_class}',
        aliases: Token.asList('${var.delivery_domain_names}'),
        origin: [
          {
            originId,
            domainName: outputBucket.bucketRegionalDomainName,
            originAccessControlId: oac.id,
          },
        ],
        // Everything else under <jobId>/ (HLS .ts / CMAF .m4s segments): long TTL.
        defaultCacheBehavior: behaviour(media.id),
        orderedCacheBehavior: ordered,
        restrictions: { geoRestriction: { restrictionType: 'none' } },
        viewerCertificate: {
          cloudfrontDefaultCertificate: Token.asAny(`\${!(${CUSTOM_DOMAIN})}`),
          acmCertificateArn: `\${${CUSTOM_DOMAIN} ? var.delivery_certificate_arn : null}`,
          sslSupportMethod: `\${${CUSTOM_DOMAIN} ? "sni-only" : null}`,
          // The default *.cloudfront.net certificate only accepts TLSv1 here (CloudFront then
          // negotiates TLS 1.2+ with modern clients); a custom certificate gets TLSv1.2_2021.
          minimumProtocolVersion: `\${${CUSTOM_DOMAIN} ? "TLSv1.2_2021" : "TLSv1"}`,
        },
      }),
      'delivery',
    );
    // The first custom name, else the distribution's own domain. A function call rather than a
    // conditional: cdktf's HCL renderer turns a conditional inside a string template into an
    // %{if} directive, which reviewers of synth:hcl would then read differently from the JSON.
    this.baseUrl = `https://\${element(concat(var.delivery_domain_names, [aws_cloudfront_distribution.delivery.domain_name]), 0)}`;

    if (props.enableAdditionalMetrics) {
      address(
        new CloudfrontMonitoringSubscription(this, 'metrics', {
          distributionId: this.distribution.id,
          monitoringSubscription: { realtimeMetricsSubscriptionConfig: { realtimeMetricsSubscriptionStatus: 'Enabled' } },
        }),
        'delivery',
      );
    }
  }

  /** Output bucket policy: CloudFront reads objects through this distribution only. */
  outputReadStatement(outputBucketArn: string): Statement {
    return {
      Sid: 'CloudFrontReadsThroughThisDistribution',
      Effect: 'Allow',
      Principal: { Service: 'cloudfront.amazonaws.com' },
      Action: 's3:GetObject',
      Resource: `${outputBucketArn}/*`,
      Condition: { StringEquals: { 'aws:SourceArn': this.distribution.arn } },
    };
  }

  /** Data key policy (prod): CloudFront decrypts SSE-KMS outputs for this distribution only. */
  keyStatement(): Statement {
    return {
      Sid: 'CloudFrontDecryptsOutputsForThisDistribution',
      Effect: 'Allow',
      Principal: { Service: 'cloudfront.amazonaws.com' },
      Action: 'kms:Decrypt',
      Resource: '*',
      Condition: { StringEquals: { 'aws:SourceArn': this.distribution.arn } },
    };
  }
}
