/**
 * The token bucket AWS uses to throttle API actions: `size` tokens at most, refilled at
 * `refillPerSecond`; a call takes one token or is throttled.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;
  taken = 0;
  throttled = 0;

  constructor(
    readonly size: number,
    readonly refillPerSecond: number,
    private readonly now: () => number = Date.now,
  ) {
    if (!(size >= 1) || !(refillPerSecond > 0)) throw new Error(`TokenBucket: size must be >= 1 and refill > 0 (got ${size}, ${refillPerSecond})`);
    this.tokens = size;
    this.last = now();
  }

  tryTake(): boolean {
    const now = this.now();
    this.tokens = Math.min(this.size, this.tokens + ((now - this.last) / 1000) * this.refillPerSecond);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      this.taken += 1;
      return true;
    }
    this.throttled += 1;
    return false;
  }
}

/**
 * StartExecution's bucket for Standard workflows, per account and Region:
 * 1,300 tokens refilled at 300/s in us-east-1, us-west-2 and eu-west-1; 800 at 150/s elsewhere.
 * https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html
 * ("Step Functions service quotas", Quotas related to API action throttling)
 */
export const START_EXECUTION_QUOTA = {
  largeRegions: { size: 1300, refillPerSecond: 300 },
  otherRegions: { size: 800, refillPerSecond: 150 },
} as const;
