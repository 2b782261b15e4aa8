#!/usr/bin/env node
// Compares what rdma-probe reported on a real GPU machine with vulkaninfo and nvidia-smi
// run on the same machine at the same time. Any mismatch is a bug in rdma-probe.
//
//   node scripts/compare-real-gpu.mjs DIR
//
// DIR holds: probe.json (`rdma-probe list --json`), vulkaninfo.txt (`vulkaninfo`), and
// nvidia-smi.csv (`nvidia-smi --query-gpu=uuid,pci.bus_id,driver_version,name --format=csv`).
// Needs `npm run build` first (it reuses the tests' vulkaninfo parser).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pciBusIdOf } from '../dist/src/pci-address.js';
import { parseVulkaninfo } from '../dist/test/support/vulkaninfo.js';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node scripts/compare-real-gpu.mjs DIR');
  process.exit(2);
}

const report = JSON.parse(readFileSync(join(dir, 'probe.json'), 'utf8'));
const vulkaninfo = parseVulkaninfo(readFileSync(join(dir, 'vulkaninfo.txt'), 'utf8'));
const smiLines = readFileSync(join(dir, 'nvidia-smi.csv'), 'utf8').trim().split('\n').slice(1);
const smi = smiLines.map((line) => {
  const [uuid, pciBusId, driverVersion, name] = line.split(',').map((field) => field.trim());
  return { uuid, pciBusId, driverVersion, name };
});

const mismatches = [];
let checks = 0;
function same(what, ours, theirs) {
  checks++;
  const a = JSON.stringify(ours);
  const b = JSON.stringify(theirs);
  if (a !== b) mismatches.push(`${what}: rdma-probe ${a}, reference ${b}`);
}

same('GPU count (vulkaninfo)', report.gpus.length, vulkaninfo.length);
same('GPU count (nvidia-smi)', report.gpus.length, smi.length);
report.gpus.forEach((gpu, i) => {
  const id = gpu.identity;
  const info = vulkaninfo[i];
  if (info) {
    same(`gpu ${i} name`, id.name, info.deviceName);
    same(`gpu ${i} vendorID`, id.vendorID, info.vendorID);
    same(`gpu ${i} deviceID`, id.deviceID, info.deviceID);
    same(`gpu ${i} apiVersion`, id.apiVersion, info.apiVersion);
    // vulkaninfo 1.3.239 mis-decodes NVIDIA's packing (580.159.4.256 for 580.159.04), so the
    // raw value is compared here and the decoded one against nvidia-smi below.
    same(`gpu ${i} driverVersion raw (vulkaninfo)`, id.driverVersionRaw, info.driverVersionRaw);
    same(`gpu ${i} deviceUUID`, id.deviceUUID, info.deviceUUID);
    same(`gpu ${i} driverUUID`, id.driverUUID, info.driverUUID);
    same(`gpu ${i} extension count`, gpu.extensions.count, info.extensions.length);
    for (const [extension, reported] of [
      ['VK_NV_external_memory_rdma', gpu.extensions.externalMemoryRDMA],
      ['VK_EXT_memory_budget', gpu.extensions.memoryBudget],
      ['VK_EXT_pci_bus_info', gpu.extensions.pciBusInfo],
    ]) {
      same(`gpu ${i} ${extension}`, reported, info.extensions.includes(extension));
    }
    same(
      `gpu ${i} heaps`,
      gpu.memory?.heaps.map((h) => ({ size: h.size, flags: h.flags })),
      info.heaps.map((h) => ({ size: h.size, flags: h.flags })),
    );
    same(
      `gpu ${i} memory types`,
      gpu.memory?.types.map((t) => ({ heapIndex: t.heapIndex, propertyFlags: t.propertyFlags })),
      info.types,
    );
  }
  // nvidia-smi lists GPUs in PCI order, as the NVIDIA driver enumerates them for Vulkan;
  // match by UUID so that an ordering difference shows as such, not as wrong values.
  const bySmi = smi.find((row) => row.uuid === id.nvidiaSmiUUID);
  same(`gpu ${i} UUID known to nvidia-smi`, Boolean(bySmi), true);
  if (bySmi) {
    // nvidia-smi's spelling read as an address: ours must be NVML's form exactly.
    same(`gpu ${i} PCI bus ID (nvidia-smi)`, id.pciBusId, pciBusIdOf(bySmi.pciBusId));
    same(`gpu ${i} driver version (nvidia-smi)`, id.driverVersion, bySmi.driverVersion);
    same(`gpu ${i} name (nvidia-smi)`, id.name, bySmi.name);
    same(`gpu ${i} position (nvidia-smi order)`, smi.indexOf(bySmi), i);
  }
});

for (const line of mismatches) console.log(`MISMATCH ${line}`);
console.log(
  `compare: ${checks - mismatches.length} of ${checks} checks match, ${mismatches.length} mismatch`,
);
process.exit(mismatches.length ? 1 : 0);
