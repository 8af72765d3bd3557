/**
 * How often each fault lands: per batch for crashes, per upload or job for the others. Every
 * enabled fault also fires at its first opportunity (see `firstThenRate`), so a small run shows
 * each one at least once whatever the seed or the scheduling.
 */
export const FAULT_RATES = {
  crash: 0.03,
  duplicate: 0.05,
  /** Of the duplicates, the share that arrives late (after the burst) rather than right after the original. */
  lateDuplicate: 0.5,
  lateProgress: 0.1,
  taskTimeout: 0.01,
  executionTimeout: 0.005,
};

export type FaultRates = typeof FAULT_RATES;

/**
 * Whether a fault lands now: always while it has not fired yet (`firedSoFar` is 0), then with
 * probability `rate`. Async scheduling changes which job draws which number, so a pure rate could
 * leave a fault unfired in a small run; this cannot.
 */
export function firstThenRate(firedSoFar: number | undefined, rate: number, random: () => number): boolean {
  return !firedSoFar || random() < rate;
}
