/**
 * The test driver: a Vulkan ICD written in C (test/driver/), loaded by the real Vulkan
 * loader, that reports GPUs described by a JSON config, checks what it is handed against
 * the specification's valid-usage rules, and writes what it saw to a JSON state file that
 * a test reads after the process under test has exited. Test-only; never shipped.
 *
 * Typical use:
 *
 *   const manifest = buildTestDriver();
 *   const config = writeDriverConfig(dir, { devices: [{ externalBuffer: { dedicatedOnly: true } }] });
 *   const env = driverEnv(manifest, config, join(dir, 'state.json'));
 *   ... spawn the program under test with env ...
 *   const state = readDriverState(join(dir, 'state.json'));
 *   assert.deepEqual(state.violations, []);
 *   assert.deepEqual(state.live, { instances: 0, devices: 0, buffers: 0, memory: 0 });
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { repoRoot } from './paths.js';

/**
 * A 64-bit value (size, address). Numbers are exact up to 2^53; a bigint or a decimal or
 * 0x-hex string is exact to 2^64 - 1 (the driver parses strings with strtoull).
 */
export type DriverU64 = number | bigint | string;

export interface TestDriverHeap {
  /** Default 85899345920 (80 GiB). */
  size?: DriverU64;
  /** VkMemoryHeapFlags; default 0 (1 = DEVICE_LOCAL). */
  flags?: number;
  /** VkPhysicalDeviceMemoryBudgetPropertiesEXT::heapBudget; default: size. */
  budget?: DriverU64;
  /** heapUsage before this process allocates anything; default 0. The driver adds what
   * the process has allocated, and fails allocations past the budget. */
  usage?: DriverU64;
}

export interface TestDriverMemoryType {
  /** VkMemoryPropertyFlags; default 0. 257 = DEVICE_LOCAL | RDMA_CAPABLE_BIT_NV (0x100). */
  flags?: number;
  /** Index into heaps; default 0. */
  heap?: number;
}

/** One GPU. Every field is optional; `{}` is an RDMA-capable 80 GiB GPU. */
export interface TestDriverDevice {
  /** Default 'Test RDMA GPU'. */
  name?: string;
  /** Default 4318 (0x10de). */
  vendorID?: number;
  /** Default 8995 (0x2323). */
  deviceID?: number;
  /** VkPhysicalDeviceType; default 2 (discrete). */
  deviceType?: number;
  /** 'major.minor.patch' or the packed number; default '1.3.239'. */
  apiVersion?: string | number;
  /** Raw packed value; default 2435301632 (NVIDIA packing of 580.159.04). */
  driverVersion?: number;
  /** VkDriverId; default 4 (NVIDIA proprietary). */
  driverID?: number;
  /** Default 'test-driver'. */
  driverName?: string;
  /** Default 'test 1.0'. */
  driverInfo?: string;
  /** 32 hex digits, hyphens allowed; default 52444d412d544553542d4750552d00NN (NN = index). */
  deviceUUID?: string;
  /** 32 hex digits, hyphens allowed; default 52444d412d544553542d4452562d0001. */
  driverUUID?: string;
  /** VK_EXT_pci_bus_info values; default domain 0, bus 6 + index, device 0, function 0. */
  pci?: { domain?: number; bus?: number; device?: number; function?: number };
  /** Which of the three extensions the device reports; each defaults to true. */
  extensions?: { rdma?: boolean; memoryBudget?: boolean; pciBusInfo?: boolean };
  /** More device extensions, reported (spec version 1) and accepted by vkCreateDevice. */
  extraExtensions?: string[];
  /** VkPhysicalDeviceExternalMemoryRDMAFeaturesNV::externalMemoryRDMA; default true. */
  externalMemoryRDMA?: boolean;
  /** Default one heap: 80 GiB, DEVICE_LOCAL, budget 80000000000, usage 1000000. The
   * slots past the reported count (and their budgets) hold junk: 5 TB DEVICE_LOCAL heaps. */
  heaps?: TestDriverHeap[];
  /** Default one type: flags 257, heap 0. The slots past the reported count hold junk:
   * RDMA-capable types in heap 15, which a program that reads them reports or chooses. */
  types?: TestDriverMemoryType[];
  /** vkGetPhysicalDeviceExternalBufferProperties for the RDMA handle type. Defaults:
   * exportable true, importable false, dedicatedOnly false. */
  externalBuffer?: { exportable?: boolean; importable?: boolean; dedicatedOnly?: boolean };
  /** VkMemoryRequirements::memoryTypeBits of every buffer; default: every type. */
  memoryTypeBits?: number;
  /** VkMemoryDedicatedRequirements::requiresDedicatedAllocation (and prefers…) of buffers
   * created for RDMA export; default false. Independent of externalBuffer.dedicatedOnly:
   * either one alone obliges a dedicated allocation. */
  requiresDedicatedAllocation?: boolean;
  /** VkMemoryRequirements::alignment (a power of two); default 65536. */
  alignment?: DriverU64;
  /** What vkGetMemoryRemoteAddressNV returns; default '0x7f0000001000'. */
  remoteAddress?: DriverU64;
  /** Misbehaviour on purpose (none by default): what a driver nobody has seen might do. */
  quirks?: TestDriverQuirks;
}

/**
 * Ways the driver breaks the specification on purpose. The loader sits between the
 * driver and the program under test and sanitises some of them (see the hostile-driver
 * tests for what each one looks like through it).
 */
export interface TestDriverQuirks {
  /** memoryTypeCount reported instead of the real count (may exceed VK_MAX_MEMORY_TYPES). */
  memoryTypeCount?: number;
  /** memoryHeapCount reported instead of the real count (may exceed VK_MAX_MEMORY_HEAPS). */
  memoryHeapCount?: number;
  /** The last memory type names heap memoryHeapCount, one past the last heap. */
  heapIndexOutOfRange?: boolean;
  /** deviceName, driverName, driverInfo and one extra extension name
   * ('VK_TEST_unterminated' + 'x'...) fill all 256 bytes without a NUL. */
  unterminatedStrings?: boolean;
  /** The first device extension is reported twice. */
  duplicateExtensions?: boolean;
  /** vkEnumerateDeviceExtensionProperties returns VK_INCOMPLETE from every filling call. */
  extensionsIncomplete?: boolean;
}

/** Commands a fault can replace (any command returning VkResult works). */
export type TestDriverCall =
  | 'vkCreateInstance'
  | 'vkEnumeratePhysicalDevices'
  | 'vkEnumerateDeviceExtensionProperties'
  | 'vkCreateDevice'
  | 'vkCreateBuffer'
  | 'vkAllocateMemory'
  | 'vkBindBufferMemory'
  | 'vkBindBufferMemory2'
  | 'vkGetMemoryRemoteAddressNV'
  | 'vkDeviceWaitIdle'
  | 'vkEnumerateInstanceExtensionProperties'
  | 'vkEnumerateInstanceVersion';

/**
 * Makes a command return `result` instead of doing its work. Faults are read with the
 * config at each vkCreateInstance; their counters last for the process while the list
 * stays the same. The loader reports a failed vkCreateInstance of its only driver as
 * VK_ERROR_INCOMPATIBLE_DRIVER, and itself calls vkEnumerateDeviceExtensionProperties
 * many times (see state.calls to pick `skip`).
 */
export interface TestDriverFault {
  call: TestDriverCall;
  /** A VkResult: its number (e.g. -2) or name (e.g. 'VK_ERROR_OUT_OF_DEVICE_MEMORY'). */
  result: number | string;
  /** Only calls on this device (index into `devices`, not the loader's order). */
  device?: number;
  /** Matching calls that still do their work first. */
  skip?: number;
  /** How many calls fail after those; default: every one. */
  count?: number;
}

/** The document the driver reads from RDMA_TEST_ICD_CONFIG. Unknown fields are errors. */
export interface TestDriverConfig {
  /** Default: one device with every default. `[]` means no GPU. */
  devices?: TestDriverDevice[];
  faults?: TestDriverFault[];
  /** Commands every lookup of the driver (vk_icdGetInstanceProcAddr, its vkGetInstanceProcAddr,
   * vk_icdGetPhysicalDeviceProcAddr, vkGetDeviceProcAddr) answers with NULL. */
  hiddenCommands?: string[];
  /** The GPU count of each vkEnumeratePhysicalDevices call in turn (cycled, capped at the
   * number of devices): a count that changes between the two calls of the idiom. */
  physicalDeviceCounts?: number[];
}

export interface TestDriverObjectCounts {
  instances: number;
  devices: number;
  buffers: number;
  memory: number;
}

/** The document the driver writes to RDMA_TEST_ICD_STATE (last writer wins). */
export interface TestDriverState {
  pid: number;
  /** The loader interface version negotiated (5 with loader 1.3.239). */
  interfaceVersion: number;
  /** Objects created and not destroyed. Objects left behind when their parent is destroyed
   * stay counted here (and a leak violation is recorded). */
  live: TestDriverObjectCounts;
  /** Objects created successfully, in total. */
  created: TestDriverObjectCounts;
  /** '<VUID or ICD-...>: <message>' for each valid-usage rule broken. */
  violations: string[];
  violationsDropped: number;
  /** Problems with the config file; vkCreateInstance fails while there are any. */
  configErrors: string[];
  /** Calls per command, faulted ones included. */
  calls: Record<string, number>;
  faultsInjected: { call: string; device: number | null; result: number }[];
  lastInstance: { apiVersion: string; extensions: string[] } | null;
  lastDevice: {
    /** Index into `devices`. */
    device: number;
    extensions: string[];
    /** externalMemoryRDMA = VK_TRUE was requested (whether or not that was valid). */
    externalMemoryRDMA: boolean;
    /** VkPhysicalDeviceExternalMemoryRDMAFeaturesNV was in the pNext chain. */
    rdmaFeaturesChained: boolean;
    queueCreateInfoCount: number;
  } | null;
  lastAllocation: {
    device: number;
    memoryTypeIndex: number;
    allocationSize: number;
    exportHandleTypes: number;
    dedicated: boolean;
  } | null;
}

export const testDriverSourceDir = join(repoRoot, 'test', 'driver');
export const testDriverBuildDir = join(testDriverSourceDir, 'build');

let builtManifest: string | undefined;

/**
 * Builds the driver (and its exercise program) with test/driver/build.sh, once per process;
 * returns the ICD manifest path for VK_DRIVER_FILES. Needs cc, libvulkan-dev and
 * libcjson-dev.
 */
export function buildTestDriver(): string {
  if (builtManifest === undefined) {
    try {
      execFileSync('bash', [join(testDriverSourceDir, 'build.sh'), testDriverBuildDir], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (error) {
      const stderr = (error as { stderr?: string }).stderr ?? '';
      throw new Error(`building the test driver failed:\n${stderr}`, { cause: error });
    }
    builtManifest = join(testDriverBuildDir, 'rdma_test_icd.json');
  }
  return builtManifest;
}

/** The exercise program built next to the driver (see test/driver/exercise.c). */
export function testDriverExercisePath(): string {
  return join(dirname(buildTestDriver()), 'rdma_test_exercise');
}

/** Writes `config` as `<dir>/<name>` (bigints become exact decimal strings); returns the path. */
export function writeDriverConfig(
  dir: string,
  config: TestDriverConfig,
  name = 'test-driver-config.json',
): string {
  const path = join(dir, name);
  const text = JSON.stringify(
    config,
    (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value),
    2,
  );
  writeFileSync(path, `${text}\n`);
  return path;
}

export interface DriverEnvOptions {
  /** Keep VK_INSTANCE_LAYERS and VK_LOADER_LAYERS_ENABLE from `base` (default false). */
  layers?: boolean;
  /** The environment to start from (default process.env). */
  base?: NodeJS.ProcessEnv;
}

/**
 * A full environment in which the loader sees only the test driver: VK_DRIVER_FILES and
 * VK_ICD_FILENAMES name the manifest, the driver reads `configPath` and writes `statePath`.
 * Variables that would add, filter or reorder drivers or layers are removed, and Mesa's
 * implicit device-select layer is turned off (NODEVICE_SELECT=1).
 */
export function driverEnv(
  manifestPath: string,
  configPath: string,
  statePath: string,
  options: DriverEnvOptions = {},
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(options.base ?? process.env)) {
    if (value !== undefined) env[name] = value;
  }
  const removed = [
    'VK_ADD_DRIVER_FILES',
    'VK_LOADER_DRIVERS_SELECT',
    'VK_LOADER_DRIVERS_DISABLE',
    'VK_LOADER_LAYERS_DISABLE',
  ];
  if (!options.layers) removed.push('VK_INSTANCE_LAYERS', 'VK_LOADER_LAYERS_ENABLE');
  for (const name of removed) delete env[name];
  env['VK_DRIVER_FILES'] = manifestPath;
  env['VK_ICD_FILENAMES'] = manifestPath;
  env['RDMA_TEST_ICD_CONFIG'] = configPath;
  env['RDMA_TEST_ICD_STATE'] = statePath;
  env['NODEVICE_SELECT'] = '1';
  return env;
}

/** Reads the state the driver wrote (after the process that used it has exited). */
export function readDriverState(statePath: string): TestDriverState {
  let text: string;
  try {
    text = readFileSync(statePath, 'utf8');
  } catch (error) {
    throw new Error(`the test driver wrote no state to ${statePath} (was it loaded?)`, {
      cause: error,
    });
  }
  return JSON.parse(text) as TestDriverState;
}

/** The ids of the violations ('VUID-…' or 'ICD-…'), sorted, each once. */
export function violationIds(state: TestDriverState): string[] {
  const ids = state.violations.map((v) => v.slice(0, v.indexOf(':')));
  return [...new Set(ids)].sort();
}
