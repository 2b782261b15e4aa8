/**
 * The clocks the reports are dated and timed by. Code that dates or times something takes
 * a Clock, so tests can hand it a fixed one; systemClock is the real one.
 */
export interface Clock {
  /** Milliseconds from an arbitrary origin that never goes back: for durations. */
  monotonicMs(): number;
  /** The wall clock: for dates. */
  now(): Date;
}

/**
 * Not performance.now(): loading node:perf_hooks (which the global `performance` does
 * too) costs the single binary about 2 ms at start-up, for the same number.
 */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export const systemClock: Clock = { monotonicMs, now: () => new Date() };
