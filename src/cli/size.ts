/**
 * `--alloc[=SIZE]`: bytes, or a number with a unit. Binary units (KiB, MiB, GiB, TiB and
 * the bare K, M, G, T) are powers of 1024; KB, MB, GB, TB are powers of 1000.
 */
import { UsageError } from '../errors.js';

export const DEFAULT_ALLOC_BYTES = 1n << 20n;
/** Larger than any GPU heap today; beyond it a size is a typo, not a request. */
export const MAX_ALLOC_BYTES = 1n << 40n;

const MULTIPLIERS: Record<string, bigint> = {
  '': 1n,
  b: 1n,
  k: 1n << 10n,
  kib: 1n << 10n,
  kb: 1000n,
  m: 1n << 20n,
  mib: 1n << 20n,
  mb: 1000n ** 2n,
  g: 1n << 30n,
  gib: 1n << 30n,
  gb: 1000n ** 3n,
  t: 1n << 40n,
  tib: 1n << 40n,
  tb: 1000n ** 4n,
};

export function parseSize(text: string): bigint {
  const match = /^\s*(\d+)(?:\.(\d+))?\s*([a-z]*)\s*$/i.exec(text);
  const multiplier = match ? MULTIPLIERS[match[3]!.toLowerCase()] : undefined;
  if (!match || multiplier === undefined) {
    throw new UsageError(
      `--alloc size '${text}' is not a size (examples: 4096, 64KiB, 1MiB, 2GiB)`,
    );
  }
  const fraction = match[2] ?? '';
  const scale = 10n ** BigInt(fraction.length);
  const scaled = BigInt(match[1]! + fraction) * multiplier;
  if (scaled % scale !== 0n) {
    throw new UsageError(`--alloc size '${text}' is not a whole number of bytes`);
  }
  const bytes = scaled / scale;
  if (bytes === 0n) throw new UsageError('--alloc size must be greater than zero');
  if (bytes > MAX_ALLOC_BYTES) {
    throw new UsageError(`--alloc size '${text}' is larger than the 1 TiB rdma-probe accepts`);
  }
  return bytes;
}
