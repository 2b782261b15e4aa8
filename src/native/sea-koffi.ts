/**
 * koffi's static loader, as the single binary has it. scripts/build-binary.mjs bundles
 * koffi's CommonJS entry and points its `require('./src/static.cjs')` here; koffi calls
 * loadStatic() once, on first import, and wraps whatever module it returns.
 *
 * The native module travels inside the executable as a SEA asset. It is written to a file in
 * a private folder (src/native/native-cache.ts), checked through its descriptor and loaded
 * with process.dlopen. Only glibc builds are embedded: the binary's own node is a glibc
 * executable, so a host that can start it is a glibc host (koffi's musl module would
 * never be picked there).
 *
 * When no folder works, it throws an EnvironmentError (exit code 3, one line). The CLI
 * imports the Vulkan binding, and so koffi, only inside main() (src/cli/main.ts), whose
 * error handling prints that line.
 */
import { getAsset, getRawAsset } from 'node:sea';
import { EnvironmentError } from '../errors.js';
import {
  describeCacheFailure,
  listCacheDirs,
  loadThroughCache,
  nativeFileName,
  type NativeImage,
} from './native-cache.js';

/** The asset names; scripts/build-binary.mjs writes the same ones. */
export const NATIVE_ASSET = 'koffi.node';
export const MANIFEST_ASSET = 'koffi.json';

/** What the build records about the embedded module. */
interface NativeManifest {
  /** koffi's platform key, e.g. linux-x64. */
  readonly platform: string;
  readonly koffiVersion: string;
  readonly sha256: string;
}

/**
 * Load from an unnamed file (O_TMPFILE) where the kernel and file system allow it, and from
 * the named cache file only where they do not (NFS, old kernels). Measured with
 * scripts/bench-cache.mjs on a 2-core VM, medians of 21: finding the folder, writing the
 * unnamed file and dlopen take 1.44-1.50 ms, against 1.47-1.64 ms for checking and loading
 * the warm named file (3.8 ms when it is first written), and whole runs of the binary did not
 * change. At equal cost the unnamed file wins: there is nothing named to race, damage, find
 * half-written or clean up, and every run writes the bytes it embeds.
 */
const UNNAMED_FIRST = true;

export function loadStatic(pkg: string): unknown {
  const manifest = JSON.parse(getAsset(MANIFEST_ASSET, 'utf8')) as NativeManifest;
  if (manifest.platform !== pkg) {
    // A build mistake. Returning null would make koffi search folders next to the binary.
    throw new Error(`the binary embeds koffi for ${manifest.platform}, not ${pkg}`);
  }
  const image: NativeImage = {
    fileName: nativeFileName(`koffi-${manifest.koffiVersion}`, manifest.sha256),
    // The asset's own memory inside the executable: no copy, and only ever read.
    bytes: new Uint8Array(getRawAsset(NATIVE_ASSET) as ArrayBuffer),
  };
  const uid = process.getuid?.() ?? -1;
  const result = loadThroughCache({
    candidates: listCacheDirs(process.env, uid),
    uid,
    image,
    unnamed: UNNAMED_FIRST,
    load: (file) => {
      const module = { exports: {} };
      process.dlopen(module, file);
      return module.exports;
    },
  });
  if (!result.ok) throw new EnvironmentError(describeCacheFailure(result.skipped));
  return result.value;
}
