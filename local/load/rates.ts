/** How often each fault lands: per batch for crashes, per upload or job for the others. */
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
