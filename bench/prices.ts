/**
 * Public on-demand list prices, us-east-1, as read on 2026-11-29 from the AWS pricing pages
 * below. They change; update the date with the numbers. Free tiers are ignored (a running
 * pipeline outgrows them), and so are S3 requests and storage, CloudWatch and data transfer.
 */
export const PRICES = {
  asOf: '2026-11-29',
  region: 'us-east-1',
  /** https://aws.amazon.com/step-functions/pricing/ (Standard workflows) */
  stepFunctionsPerStateTransition: 0.025 / 1_000,
  /** https://aws.amazon.com/lambda/pricing/ (Arm, first pricing tier) */
  lambdaArmPerGbSecond: 0.0000133334,
  lambdaPerRequest: 0.2 / 1_000_000,
  /** https://aws.amazon.com/dynamodb/pricing/on-demand/ */
  dynamoPerWriteRequestUnit: 1.25 / 1_000_000,
  dynamoPerReadRequestUnit: 0.25 / 1_000_000,
  sources: [
    'https://aws.amazon.com/step-functions/pricing/',
    'https://aws.amazon.com/lambda/pricing/',
    'https://aws.amazon.com/dynamodb/pricing/on-demand/',
    'https://aws.amazon.com/mediaconvert/pricing/',
  ],
} as const;

/**
 * Lambda memory per function, the stack defaults (stacks/variables.ts: lambda_memory_mb 512,
 * metadata_lambda_memory_mb 1024). An operator who changes the tfvars changes the GB-seconds.
 */
export const LAMBDA_MEMORY_MB: Readonly<Record<string, number>> = {
  'start-workflow': 512,
  'extract-metadata': 1024,
  'plan-transcode': 512,
  'quality-control': 512,
  publish: 512,
  'archive-source': 512,
  'pin-source': 512,
  'record-failure': 512,
};

/**
 * MediaConvert on-demand rates per output minute (us-east-1, <=30 fps, before volume
 * discounts), by pricing tier and resolution class.
 *
 * UNVERIFIED: these numbers were written from memory of the page's older per-minute table, and
 * we could not check them. Searching the stored copies of "AWS Elemental MediaConvert Pricing"
 * (https://aws.amazon.com/mediaconvert/pricing/) found only the page's prose, not its rate
 * table: on-demand usage is billed in *normalized minutes* (output minutes times multipliers for
 * resolution, frame rate, codec and quality level / passes), the per-minute rate falls as the
 * month's normalized minutes cross volume thresholds (per Region, per Basic and Professional
 * tier), and the Basic tier covers AVC with speed-optimized or balanced single-pass encoding
 * (and VP8/VP9). AWS's blog "Optimize costs with tiered pricing in AWS Elemental MediaConvert"
 * (https://aws.amazon.com/blogs/media/optimize-costs-with-tiered-pricing-in-aws-elemental-mediaconvert/)
 * says the same. So the rates below, the SD/HD/UHD split and the 2x above 30 fps are an
 * approximation of that model, not quoted prices: `npm run plan` and docs/profiles.md call the
 * figure an estimate and print `caveat`. Confirm the rates for your Region on the page before
 * quoting them, then set `verified` and the date. Frame captures and audio-only outputs are
 * listed in minutes but not priced.
 */
export const MEDIACONVERT_RATES = {
  asOf: PRICES.asOf,
  source: 'https://aws.amazon.com/mediaconvert/pricing/',
  verified: false,
  caveat: 'MediaConvert rates in bench/prices.ts are unverified (written from memory, not checked against the pricing page); confirm them for your Region',
  perMinute: {
    Basic: { SD: 0.0075, HD: 0.015, UHD: 0.03 },
    Professional: { SD: 0.012, HD: 0.024, UHD: 0.048 },
  },
  above30fpsMultiplier: 2,
} as const;
