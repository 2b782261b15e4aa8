/**
 * A monotonic clock in milliseconds, for the durations the reports carry.
 *
 * Not performance.now(): loading node:perf_hooks (which the global `performance` does
 * too) costs the single binary about 2 ms at start-up, for the same number.
 */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
