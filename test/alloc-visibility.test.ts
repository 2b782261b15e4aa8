/**
 * A requested allocation (--alloc) is visible in every output, not only in JSON: one stderr
 * line for each GPU whose allocation failed or was skipped, a 0/1 gauge and its duration in
 * Prometheus (never the address as a label), one label per GPU in NFD. Through the CLI
 * (main() in this process, on GPUs the test driver's configuration describes), and on
 * hand-built reports.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderNfd } from '../src/render/nfd.js';
import { renderPrometheus } from '../src/render/prometheus.js';
import type { AllocationReport } from '../src/list-report.js';
import { runMain } from './support/main-run.js';
import {
  extensionMissingGpu,
  gpuReport,
  okAllocation,
  listReport,
} from './support/report-fixtures.js';

/** Three GPUs: one allocates, one fails at vkAllocateMemory, one is not RDMA-capable. */
function mixedRun(format: string) {
  const config = {
    devices: [{}, {}, { extensions: { rdma: false } }],
    faults: [
      { call: 'vkAllocateMemory' as const, result: 'VK_ERROR_OUT_OF_DEVICE_MEMORY', device: 1 },
    ],
  };
  return runMain(['list', '--format', format, '--alloc=1MiB'], { config });
}

test('--alloc: one stderr line per GPU whose allocation failed or was skipped, in every format', async () => {
  for (const format of ['table', 'json', 'ndjson', 'nfd', 'prometheus']) {
    const result = await mixedRun(format);
    assert.equal(result.exitCode, 5, `${format}: ${result.stderr}`);
    assert.equal(
      result.stderr,
      'rdma-probe: GPU 1 (00000000:07:00.0): allocation failed: vkAllocateMemory failed: VK_ERROR_OUT_OF_DEVICE_MEMORY\n' +
        'rdma-probe: GPU 2 (00000000:08:00.0): allocation skipped: not RDMA-capable (extension-missing)\n',
      format,
    );
  }
});

test('--alloc that succeeds everywhere prints nothing on stderr and exits 0', async () => {
  const result = await runMain(['list', '--format', 'prometheus', '--alloc'], {
    config: { devices: [{}, {}] },
  });
  assert.equal(result.exitCode, 0, result.stderr);
  assert.equal(result.stderr, '');
  assert.match(
    result.stdout,
    /^rdma_probe_gpu_allocation_success\{[^}]*pci_bus_id="00000000:06:00.0"[^}]*\} 1$/m,
  );
  assert.match(
    result.stdout,
    /^rdma_probe_gpu_allocation_success\{[^}]*pci_bus_id="00000000:07:00.0"[^}]*\} 1$/m,
  );
});

test('--alloc through the CLI: Prometheus says 1, 0, 0; NFD says ok, failed, skipped', async () => {
  const prometheus = (await mixedRun('prometheus')).stdout;
  const values = [
    ...prometheus.matchAll(
      /^rdma_probe_gpu_allocation_success\{.*pci_bus_id="([^"]+)".*\} (\d)$/gm,
    ),
  ];
  assert.deepEqual(
    values.map((m) => [m[1], m[2]]),
    [
      ['00000000:06:00.0', '1'],
      ['00000000:07:00.0', '0'],
      ['00000000:08:00.0', '0'],
    ],
  );
  const durations =
    prometheus.match(/^rdma_probe_gpu_allocation_duration_seconds\{.*\} \S+$/gm) ?? [];
  assert.equal(durations.length, 1, 'a duration only for the allocation that succeeded');
  assert.doesNotMatch(prometheus, /0x7f0000001000/, 'the remote address is never a label');

  const nfd = (await mixedRun('nfd')).stdout;
  assert.match(nfd, /^feature\.node\.kubernetes\.io\/rdma-probe\.gpu0\.alloc=ok$/m);
  assert.match(nfd, /^feature\.node\.kubernetes\.io\/rdma-probe\.gpu1\.alloc=failed$/m);
  assert.match(nfd, /^feature\.node\.kubernetes\.io\/rdma-probe\.gpu2\.alloc=skipped$/m);
});

test('without --alloc there is no allocation gauge and no allocation label', () => {
  const report = listReport([gpuReport({ index: 0 }), extensionMissingGpu(1)]);
  assert.doesNotMatch(renderPrometheus(report), /allocation/);
  assert.doesNotMatch(renderNfd(report, { expiresAt: new Date(0) }), /\.alloc=/);
});

test('prometheus: the allocation duration is the total, in seconds', () => {
  const failed: AllocationReport = {
    ...okAllocation(),
    status: 'failed',
    remoteAddress: null,
    timings: null,
    failure: { step: 'vkAllocateMemory', result: 'VK_ERROR_OUT_OF_DEVICE_MEMORY', message: 'no' },
  };
  const report = listReport([
    gpuReport({ index: 0, allocation: okAllocation() }),
    gpuReport({ index: 1, allocation: failed }),
  ]);
  const text = renderPrometheus(report);
  assert.match(text, /^rdma_probe_gpu_allocation_duration_seconds\{[^}]*\} 0\.00196$/m);
  assert.equal((text.match(/^rdma_probe_gpu_allocation_success\{/gm) ?? []).length, 2);
});
