/**
 * How old each host's report is, judged against the fleet report's own generatedAt (when
 * `report` finished reading): older than the maximum age is stale (the host stopped
 * reporting, or its copy was not refreshed); dated after it by more than the clock-skew
 * tolerance is from the future (the host's clock, or the reporting machine's, is wrong).
 * Pure: the times come in, no clock is read here.
 */

/**
 * How far ahead of the report a host's generatedAt may be and still be current: clocks
 * kept by NTP agree to well within it, and it is the skew Kerberos accepts by default.
 */
export const FUTURE_TOLERANCE_MS = 5 * 60_000;

/** current: neither stale nor from the future (with no maximum age, nothing is stale). */
export type Freshness = 'current' | 'stale' | 'future';

/**
 * @param ageMs the report's generatedAt minus the host's (negative: the host's is later)
 * @param maxAgeMs older than this is stale; null: no report is too old
 */
export function freshnessOf(ageMs: number, maxAgeMs: number | null): Freshness {
  if (ageMs < -FUTURE_TOLERANCE_MS) return 'future';
  if (maxAgeMs !== null && ageMs > maxAgeMs) return 'stale';
  return 'current';
}

const AGE_UNITS: [string, number][] = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
];

/**
 * A duration as its two largest units, rounded down: 90061000 -> "1d 1h", 86400000 ->
 * "1d", 90000 -> "1m 30s", anything under a second "0s". Negative durations as positive.
 */
export function formatAge(ms: number): string {
  let rest = Math.floor(Math.abs(ms) / 1000) * 1000;
  const parts: string[] = [];
  for (const [unit, size] of AGE_UNITS) {
    if (parts.length === 2) break;
    const count = Math.floor(rest / size);
    rest -= count * size;
    if (count > 0) parts.push(`${count}${unit}`);
    else if (parts.length > 0) break; // "1d 0h 5m" says 1d: the second unit is the next one
  }
  return parts.length > 0 ? parts.join(' ') : '0s';
}
