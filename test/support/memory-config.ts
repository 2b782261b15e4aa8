/**
 * The test driver's configuration (test/support/test-driver.ts), read the way the driver
 * reads it (test/driver/config.c): the same defaults, the same checks, an error for every
 * field it does not know. The in-memory binding (memory-binding.ts) is built from what this
 * returns, so one configuration object describes the GPUs to both.
 *
 * Between the driver and a program stands the real Vulkan loader, which answers some
 * configurations in its own way (it refuses a driver that hides a command it needs, calls
 * some commands itself and so moves fault counters, crashes on others). What the loader
 * does is modelled here only where it was measured (test/binding-contract.test.ts runs the
 * same configurations through it and asserts the same results); anything else is refused
 * with an error naming it, so a test never passes on a silently different model.
 */
import { VkResult } from '../../src/vulkan/constants.js';
import type {
  TestDriverCall,
  TestDriverConfig,
  TestDriverDevice,
  TestDriverFault,
} from './test-driver.js';

/** A configuration the in-memory binding cannot stand for: run that test through the driver. */
export class NotModelledError extends Error {
  override readonly name = 'NotModelledError';
  constructor(what: string, why: string) {
    super(
      `the in-memory binding does not model ${what} (${why}): run this test through the test driver and the real loader`,
    );
  }
}

/** The configuration is wrong (the driver would list it in state.configErrors). */
export class DriverConfigError extends Error {
  override readonly name = 'DriverConfigError';
  constructor(readonly problems: string[]) {
    super(`invalid test driver configuration:\n  ${problems.join('\n  ')}`);
  }
}

export interface ModelHeap {
  size: bigint;
  flags: number;
  budget: bigint;
  usage: bigint;
}

export interface ModelType {
  flags: number;
  heap: number;
}

export interface ModelQuirks {
  memoryTypeCount: number;
  memoryHeapCount: number;
  heapIndexOutOfRange: boolean;
  unterminatedStrings: boolean;
  duplicateExtensions: boolean;
  extensionsIncomplete: boolean;
}

/** One GPU with every default filled in, as the driver holds it (icd_device_config). */
export interface ModelDevice {
  index: number;
  name: string;
  vendorID: number;
  deviceID: number;
  deviceType: number;
  apiVersion: number;
  driverVersion: number;
  driverID: number;
  driverName: string;
  driverInfo: string;
  deviceUUID: Uint8Array;
  driverUUID: Uint8Array;
  pci: { domain: number; bus: number; device: number; function: number };
  extRdma: boolean;
  extMemoryBudget: boolean;
  extPciBusInfo: boolean;
  extraExtensions: string[];
  featureRdma: boolean;
  heaps: ModelHeap[];
  types: ModelType[];
  exportable: boolean;
  importable: boolean;
  dedicatedOnly: boolean;
  requiresDedicated: boolean;
  memoryTypeBits: number;
  alignment: bigint;
  remoteAddress: bigint;
  quirks: ModelQuirks;
}

export interface ModelFault {
  call: TestDriverCall;
  result: number;
  /** -1: calls on any device, or without one. */
  device: number;
  skip: number;
  /** 0: every call after the skipped ones. */
  count: number;
}

/**
 * What the loader does when a command is hidden, measured with loader 1.3.239:
 * - 'refused': the loader drops the driver at vkCreateInstance (VK_ERROR_INCOMPATIBLE_DRIVER)
 *   and leaves its own instance of the driver alive;
 * - 'emulated': the loader answers the Vulkan 1.1 query from the 1.0 one, leaving every
 *   chained structure unfilled;
 * - 'null': vkGetDeviceProcAddr gives NULL, which the binding checks at vkCreateDevice.
 */
export type HiddenEffect = 'refused' | 'emulated' | 'null';

const HIDDEN_EFFECTS: Readonly<Record<string, HiddenEffect>> = {
  vkCreateInstance: 'refused',
  vkDestroyInstance: 'refused',
  vkEnumeratePhysicalDevices: 'refused',
  vkEnumerateDeviceExtensionProperties: 'refused',
  vkGetPhysicalDeviceProperties: 'refused',
  vkGetPhysicalDeviceMemoryProperties: 'refused',
  vkGetPhysicalDeviceQueueFamilyProperties: 'refused',
  vkCreateDevice: 'refused',
  vkGetDeviceProcAddr: 'refused',
  vkGetPhysicalDeviceProperties2: 'emulated',
  vkGetPhysicalDeviceFeatures2: 'emulated',
  vkGetPhysicalDeviceMemoryProperties2: 'emulated',
  vkGetPhysicalDeviceExternalBufferProperties: 'emulated',
  vkCreateBuffer: 'null',
  vkDestroyBuffer: 'null',
  vkGetBufferMemoryRequirements2: 'null',
  vkAllocateMemory: 'null',
  vkFreeMemory: 'null',
  vkBindBufferMemory: 'null',
  vkGetMemoryRemoteAddressNV: 'null',
};

/**
 * How a fault on each command reaches the program through the loader. 'exact': only the
 * program calls it, once per binding call, so every field of a fault counts as in the
 * driver. 'unconditional': the loader calls it too, an unknown number of times (and
 * crashes when its own call fails on one device only), so only a fault on every call of
 * every device is modelled. 'never': neither the binding nor the loader calls it.
 */
const FAULT_REACH: Readonly<Partial<Record<TestDriverCall, 'exact' | 'unconditional' | 'never'>>> =
  {
    vkCreateInstance: 'exact',
    vkEnumeratePhysicalDevices: 'unconditional',
    vkEnumerateDeviceExtensionProperties: 'unconditional',
    vkCreateDevice: 'exact',
    vkCreateBuffer: 'exact',
    vkAllocateMemory: 'exact',
    vkBindBufferMemory: 'exact',
    vkGetMemoryRemoteAddressNV: 'exact',
    vkBindBufferMemory2: 'never',
    vkDeviceWaitIdle: 'never',
  };

export interface DriverModel {
  devices: ModelDevice[];
  faults: ModelFault[];
  hidden: Map<string, HiddenEffect>;
}

const MAX_DEVICES = 64;
const MAX_EXTRA_EXTENSIONS = 32;
const MAX_FAULTS = 64;
const MAX_HIDDEN = 64;
const NAME_SIZE = 256;
const CALL_NAME_SIZE = 64;
const MAX_MEMORY_TYPES = 32;
const MAX_MEMORY_HEAPS = 16;
const U64_MAX = (1n << 64n) - 1n;

const BUILTIN_EXTENSIONS = [
  'VK_NV_external_memory_rdma',
  'VK_EXT_memory_budget',
  'VK_EXT_pci_bus_info',
] as const;

const DEFAULT_HEAP: ModelHeap = {
  size: 85899345920n,
  budget: 80000000000n,
  usage: 1000000n,
  flags: 0x1,
};
/** DEVICE_LOCAL | RDMA_CAPABLE_BIT_NV */
const DEFAULT_TYPE: ModelType = { flags: 0x101, heap: 0 };

/** The driver's defaults for device `index` (icd_config_default_device). */
function defaultDevice(index: number): ModelDevice {
  // "RDMA-TEST-GPU-" and the index as two bytes; "RDMA-TEST-DRV-" and 1.
  const deviceUUID = Uint8Array.from([...Buffer.from('RDMA-TEST-GPU-'), index >> 8, index & 0xff]);
  const driverUUID = Uint8Array.from([...Buffer.from('RDMA-TEST-DRV-'), 0, 1]);
  return {
    index,
    name: 'Test RDMA GPU',
    vendorID: 0x10de,
    deviceID: 0x2323,
    deviceType: 2,
    apiVersion: makeVersion(1, 3, 239),
    driverVersion: 2435301632,
    driverID: 4,
    driverName: 'test-driver',
    driverInfo: 'test 1.0',
    deviceUUID,
    driverUUID,
    pci: { domain: 0, bus: 6 + index, device: 0, function: 0 },
    extRdma: true,
    extMemoryBudget: true,
    extPciBusInfo: true,
    extraExtensions: [],
    featureRdma: true,
    heaps: [{ ...DEFAULT_HEAP }],
    types: [{ ...DEFAULT_TYPE }],
    exportable: true,
    importable: false,
    dedicatedOnly: false,
    requiresDedicated: false,
    memoryTypeBits: 0x1,
    alignment: 65536n,
    remoteAddress: 0x7f0000001000n,
    quirks: {
      memoryTypeCount: 0,
      memoryHeapCount: 0,
      heapIndexOutOfRange: false,
      unterminatedStrings: false,
      duplicateExtensions: false,
      extensionsIncomplete: false,
    },
  };
}

function makeVersion(major: number, minor: number, patch: number): number {
  return ((major << 22) | (minor << 12) | patch) >>> 0;
}

/** Collects problems with their paths, as the driver's config errors name them. */
class Reader {
  readonly problems: string[] = [];

  fail(path: string, what: string): void {
    this.problems.push(`${path}: ${what}`);
  }

  keys(value: object, path: string, allowed: readonly string[]): void {
    for (const key of Object.keys(value)) {
      if (!allowed.includes(key)) this.fail(path, `unknown field "${key}"`);
    }
  }

  object(value: unknown, path: string): value is Record<string, unknown> {
    const ok = typeof value === 'object' && value !== null && !Array.isArray(value);
    if (!ok) this.fail(path, 'expected an object');
    return ok;
  }

  array(value: unknown, path: string, max: number): value is unknown[] {
    if (!Array.isArray(value)) {
      this.fail(path, 'expected an array');
      return false;
    }
    if (value.length > max) {
      this.fail(path, `at most ${max} entries`);
      return false;
    }
    return true;
  }

  u64(value: unknown, path: string, fallback: bigint): bigint {
    if (value === undefined) return fallback;
    if (typeof value === 'number') {
      if (Number.isInteger(value) && value >= 0 && value < 2 ** 53) return BigInt(value);
      this.fail(path, 'expected an unsigned integer');
      return fallback;
    }
    if (typeof value === 'bigint') {
      if (value >= 0n && value <= U64_MAX) return value;
      this.fail(path, 'expected an unsigned 64-bit integer');
      return fallback;
    }
    if (typeof value === 'string') {
      // strtoull with base 0, as the driver reads it: decimal, 0x-hex, or octal after a 0.
      const match = /^(?:0[xX]([0-9a-fA-F]+)|(0[0-7]*)|([1-9][0-9]*))$/.exec(value);
      const parsed = match
        ? match[1] !== undefined
          ? BigInt(`0x${match[1]}`)
          : match[2] !== undefined
            ? BigInt(`0o${match[2].slice(1) || '0'}`)
            : BigInt(match[3]!)
        : null;
      if (parsed !== null && parsed <= U64_MAX) return parsed;
      this.fail(path, 'expected an unsigned 64-bit integer');
      return fallback;
    }
    this.fail(path, 'expected an unsigned integer (number or string)');
    return fallback;
  }

  u32(value: unknown, path: string, fallback: number): number {
    if (value === undefined) return fallback;
    const wide = this.u64(value, path, BigInt(fallback));
    if (wide > 0xffffffffn) {
      this.fail(path, 'does not fit in 32 bits');
      return fallback;
    }
    return Number(wide);
  }

  bool(value: unknown, path: string, fallback: boolean): boolean {
    if (value === undefined) return fallback;
    if (typeof value === 'boolean') return value;
    this.fail(path, 'expected true or false');
    return fallback;
  }

  string(value: unknown, path: string, fallback: string, size: number): string {
    if (value === undefined) return fallback;
    if (typeof value !== 'string') {
      this.fail(path, 'expected a string');
      return fallback;
    }
    if (Buffer.byteLength(value) >= size) {
      this.fail(path, 'string too long');
      return fallback;
    }
    return value;
  }

  version(value: unknown, path: string, fallback: number): number {
    if (typeof value !== 'string') return this.u32(value, path, fallback);
    const match = /^(\d+)\.(\d+)\.(\d+)$/.exec(value);
    const [major, minor, patch] = match ? match.slice(1).map(Number) : [];
    if (
      major === undefined ||
      minor === undefined ||
      patch === undefined ||
      major > 127 ||
      minor > 1023 ||
      patch > 4095
    ) {
      this.fail(path, 'expected "major.minor.patch"');
      return fallback;
    }
    return makeVersion(major, minor, patch);
  }

  uuid(value: unknown, path: string, fallback: Uint8Array): Uint8Array {
    if (value === undefined) return fallback;
    const digits = typeof value === 'string' ? value.replaceAll('-', '') : '';
    if (!/^[0-9a-fA-F]{32}$/.test(digits)) {
      this.fail(path, 'expected 32 hex digits');
      return fallback;
    }
    return Uint8Array.from(Buffer.from(digits, 'hex'));
  }

  result(value: unknown, path: string): number {
    if (typeof value === 'string') {
      const number = (VkResult as Record<string, number>)[value];
      if (number === undefined) this.fail(path, 'unknown VkResult name');
      else if (number === 0) this.fail(path, 'expected a non-zero VkResult');
      return number ?? 0;
    }
    if (typeof value === 'number' && Number.isInteger(value) && value !== 0) {
      if (value >= -(2 ** 31) && value < 2 ** 31) return value;
    }
    this.fail(path, 'expected a non-zero VkResult');
    return 0;
  }
}

const DEVICE_KEYS = [
  'name',
  'vendorID',
  'deviceID',
  'deviceType',
  'apiVersion',
  'driverVersion',
  'driverID',
  'driverName',
  'driverInfo',
  'deviceUUID',
  'driverUUID',
  'pci',
  'extensions',
  'extraExtensions',
  'externalMemoryRDMA',
  'heaps',
  'types',
  'externalBuffer',
  'memoryTypeBits',
  'requiresDedicatedAllocation',
  'alignment',
  'remoteAddress',
  'quirks',
] as const;

function readDevice(read: Reader, raw: unknown, index: number): ModelDevice {
  const d = defaultDevice(index);
  const path = `devices[${index}]`;
  if (!read.object(raw, path)) return d;
  read.keys(raw, path, DEVICE_KEYS);
  const device = raw as TestDriverDevice;
  const at = (key: string) => `${path}.${key}`;
  d.name = read.string(device.name, at('name'), d.name, NAME_SIZE);
  d.vendorID = read.u32(device.vendorID, at('vendorID'), d.vendorID);
  d.deviceID = read.u32(device.deviceID, at('deviceID'), d.deviceID);
  d.deviceType = read.u32(device.deviceType, at('deviceType'), d.deviceType);
  d.apiVersion = read.version(device.apiVersion, at('apiVersion'), d.apiVersion);
  d.driverVersion = read.u32(device.driverVersion, at('driverVersion'), d.driverVersion);
  d.driverID = read.u32(device.driverID, at('driverID'), d.driverID);
  d.driverName = read.string(device.driverName, at('driverName'), d.driverName, NAME_SIZE);
  d.driverInfo = read.string(device.driverInfo, at('driverInfo'), d.driverInfo, NAME_SIZE);
  d.deviceUUID = read.uuid(device.deviceUUID, at('deviceUUID'), d.deviceUUID);
  d.driverUUID = read.uuid(device.driverUUID, at('driverUUID'), d.driverUUID);
  if (device.pci !== undefined && read.object(device.pci, at('pci'))) {
    read.keys(device.pci, at('pci'), ['domain', 'bus', 'device', 'function']);
    for (const key of ['domain', 'bus', 'device', 'function'] as const) {
      d.pci[key] = read.u32(device.pci[key], at(`pci.${key}`), d.pci[key]);
    }
  }
  if (device.extensions !== undefined && read.object(device.extensions, at('extensions'))) {
    read.keys(device.extensions, at('extensions'), ['rdma', 'memoryBudget', 'pciBusInfo']);
    const ext = device.extensions;
    d.extRdma = read.bool(ext.rdma, at('extensions.rdma'), d.extRdma);
    d.extMemoryBudget = read.bool(
      ext.memoryBudget,
      at('extensions.memoryBudget'),
      d.extMemoryBudget,
    );
    d.extPciBusInfo = read.bool(ext.pciBusInfo, at('extensions.pciBusInfo'), d.extPciBusInfo);
  }
  const extra = device.extraExtensions;
  if (extra !== undefined && read.array(extra, at('extraExtensions'), MAX_EXTRA_EXTENSIONS)) {
    extra.forEach((name, i) => {
      const where = `${at('extraExtensions')}[${i}]`;
      const text = read.string(name, where, '', NAME_SIZE);
      if (text === '') read.fail(where, 'empty extension name');
      if ((BUILTIN_EXTENSIONS as readonly string[]).includes(text)) {
        read.fail(where, `${text} is switched with "extensions"`);
      }
      d.extraExtensions.push(text);
    });
  }
  d.featureRdma = read.bool(device.externalMemoryRDMA, at('externalMemoryRDMA'), d.featureRdma);
  const buffer = device.externalBuffer;
  if (buffer !== undefined && read.object(buffer, at('externalBuffer'))) {
    read.keys(buffer, at('externalBuffer'), ['exportable', 'importable', 'dedicatedOnly']);
    d.exportable = read.bool(buffer.exportable, at('externalBuffer.exportable'), d.exportable);
    d.importable = read.bool(buffer.importable, at('externalBuffer.importable'), d.importable);
    d.dedicatedOnly = read.bool(
      buffer.dedicatedOnly,
      at('externalBuffer.dedicatedOnly'),
      d.dedicatedOnly,
    );
  }
  d.requiresDedicated = read.bool(
    device.requiresDedicatedAllocation,
    at('requiresDedicatedAllocation'),
    d.requiresDedicated,
  );
  d.alignment = read.u64(device.alignment, at('alignment'), d.alignment);
  d.remoteAddress = read.u64(device.remoteAddress, at('remoteAddress'), d.remoteAddress);
  readQuirks(read, device, at('quirks'), d);
  if (device.heaps !== undefined && read.array(device.heaps, at('heaps'), MAX_MEMORY_HEAPS)) {
    d.heaps = device.heaps.map((heap, i) => {
      const where = `${at('heaps')}[${i}]`;
      if (!read.object(heap, where)) return { ...DEFAULT_HEAP };
      read.keys(heap, where, ['size', 'flags', 'budget', 'usage']);
      const size = read.u64(heap.size, `${where}.size`, DEFAULT_HEAP.size);
      return {
        size,
        flags: read.u32(heap.flags, `${where}.flags`, 0),
        budget: read.u64(heap.budget, `${where}.budget`, size),
        usage: read.u64(heap.usage, `${where}.usage`, 0n),
      };
    });
  }
  if (device.types !== undefined && read.array(device.types, at('types'), MAX_MEMORY_TYPES)) {
    d.types = device.types.map((type, i) => {
      const where = `${at('types')}[${i}]`;
      if (!read.object(type, where)) return { flags: 0, heap: 0 };
      read.keys(type, where, ['flags', 'heap']);
      return {
        flags: read.u32(type.flags, `${where}.flags`, 0),
        heap: read.u32(type.heap, `${where}.heap`, 0),
      };
    });
  }
  d.types.forEach((type, i) => {
    if (type.heap >= d.heaps.length) read.fail(`${at('types')}[${i}].heap`, `no heap ${type.heap}`);
  });
  d.memoryTypeBits = d.types.length >= 32 ? 0xffffffff : 2 ** d.types.length - 1;
  d.memoryTypeBits = read.u32(device.memoryTypeBits, at('memoryTypeBits'), d.memoryTypeBits);
  if (d.alignment === 0n || (d.alignment & (d.alignment - 1n)) !== 0n) {
    read.fail(at('alignment'), 'must be a power of two');
  }
  if (d.deviceType > 4) read.fail(at('deviceType'), 'must be 0..4');
  return d;
}

function readQuirks(read: Reader, device: TestDriverDevice, path: string, d: ModelDevice): void {
  const quirks = device.quirks;
  if (quirks === undefined || !read.object(quirks, path)) return;
  read.keys(quirks, path, [
    'memoryTypeCount',
    'memoryHeapCount',
    'heapIndexOutOfRange',
    'unterminatedStrings',
    'duplicateExtensions',
    'extensionsIncomplete',
  ]);
  d.quirks.memoryTypeCount = read.u32(quirks.memoryTypeCount, `${path}.memoryTypeCount`, 0);
  d.quirks.memoryHeapCount = read.u32(quirks.memoryHeapCount, `${path}.memoryHeapCount`, 0);
  d.quirks.heapIndexOutOfRange = read.bool(
    quirks.heapIndexOutOfRange,
    `${path}.heapIndexOutOfRange`,
    false,
  );
  d.quirks.unterminatedStrings = read.bool(
    quirks.unterminatedStrings,
    `${path}.unterminatedStrings`,
    false,
  );
  d.quirks.duplicateExtensions = read.bool(
    quirks.duplicateExtensions,
    `${path}.duplicateExtensions`,
    false,
  );
  d.quirks.extensionsIncomplete = read.bool(
    quirks.extensionsIncomplete,
    `${path}.extensionsIncomplete`,
    false,
  );
}

function readFault(read: Reader, raw: unknown, index: number): ModelFault | null {
  const path = `faults[${index}]`;
  const problemsBefore = read.problems.length;
  if (!read.object(raw, path)) return null;
  read.keys(raw, path, ['call', 'result', 'device', 'skip', 'count']);
  const fault = raw as Partial<TestDriverFault>;
  if (fault.call === undefined) read.fail(path, '"call" is required');
  if (fault.result === undefined) read.fail(path, '"result" is required');
  const call = read.string(fault.call, `${path}.call`, '', CALL_NAME_SIZE) as TestDriverCall;
  const result = read.result(fault.result, `${path}.result`);
  const device = fault.device === undefined ? -1 : read.u32(fault.device, `${path}.device`, 0);
  if (device >= MAX_DEVICES) read.fail(path, '"device" out of range');
  const model: ModelFault = {
    call,
    result,
    device,
    skip: read.u32(fault.skip, `${path}.skip`, 0),
    count: read.u32(fault.count, `${path}.count`, 0),
  };
  // A fault the driver rejects is reported with the others, not judged below.
  if (read.problems.length > problemsBefore) return null;
  const reach = FAULT_REACH[call];
  if (reach === undefined) {
    throw new NotModelledError(`a fault on ${call}`, 'the loader calls it on its own');
  }
  if (result > 0) {
    throw new NotModelledError(
      `${path}.result ${result}`,
      'a success code in place of the work leaves outputs unwritten',
    );
  }
  if (reach === 'unconditional' && (fault.device !== undefined || model.skip || model.count)) {
    throw new NotModelledError(
      `${path} with "device", "skip" or "count" on ${call}`,
      'the loader calls it itself, an unknown number of times, and crashes when its own call fails on one device',
    );
  }
  return model;
}

/** Reads a configuration the way the driver does; throws DriverConfigError or NotModelledError. */
export function readDriverModel(config: TestDriverConfig): DriverModel {
  const read = new Reader();
  if (!read.object(config, 'config')) throw new DriverConfigError(read.problems);
  read.keys(config, 'config', ['devices', 'faults', 'hiddenCommands', 'physicalDeviceCounts']);
  if (config.physicalDeviceCounts !== undefined) {
    throw new NotModelledError(
      'physicalDeviceCounts',
      'the loader decides what a changing GPU count becomes',
    );
  }
  let devices: ModelDevice[] = [defaultDevice(0)];
  if (config.devices !== undefined && read.array(config.devices, 'devices', MAX_DEVICES)) {
    devices = config.devices.map((raw, index) => readDevice(read, raw, index));
  }
  const faults: ModelFault[] = [];
  if (config.faults !== undefined && read.array(config.faults, 'faults', MAX_FAULTS)) {
    config.faults.forEach((raw, index) => {
      const fault = readFault(read, raw, index);
      if (fault) faults.push(fault);
    });
  }
  const hidden = new Map<string, HiddenEffect>();
  const names = config.hiddenCommands;
  if (names !== undefined && read.array(names, 'hiddenCommands', MAX_HIDDEN)) {
    names.forEach((raw, index) => {
      const name = read.string(raw, `hiddenCommands[${index}]`, '', CALL_NAME_SIZE);
      const effect = HIDDEN_EFFECTS[name];
      if (effect === undefined) {
        throw new NotModelledError(
          `hiding ${name}`,
          'what the loader does without it was not measured (vkDestroyDevice crashes it)',
        );
      }
      hidden.set(name, effect);
    });
  }
  if (read.problems.length > 0) throw new DriverConfigError(read.problems);
  return { devices, faults, hidden };
}
