/**
 * Dotted version numbers compared part by part as numbers, as operators read driver
 * versions: 575.64 < 575.64.05 < 580.159.04, and 580.9 < 580.10. A missing part counts
 * as 0, so 580 and 580.0 are equal. Pure.
 */

/** Each part as its digits without leading zeros ("04" -> "4"), so any length compares exactly. */
export type VersionParts = readonly string[];

/** The longest version accepted: far beyond any driver's, short enough to show. */
export const MAX_VERSION_LENGTH = 64;

/** "580.159.04" -> ["580", "159", "4"]; null unless it is digits separated by single dots. */
export function parseVersion(text: string): VersionParts | null {
  if (text.length > MAX_VERSION_LENGTH || !/^\d+(?:\.\d+)*$/.test(text)) return null;
  return text.split('.').map((part) => part.replace(/^0+(?=\d)/, ''));
}

/** Negative when a < b, 0 when equal, positive when a > b. */
export function compareVersions(a: VersionParts, b: VersionParts): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? '0';
    const y = b[i] ?? '0';
    // Without leading zeros, a longer run of digits is the larger number.
    if (x.length !== y.length) return x.length - y.length;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}
