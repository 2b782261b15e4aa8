import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  LABEL_PATTERN,
  NFD_MAX_BYTES,
  NFD_NAMESPACE,
  labelValue,
  renderNfd,
} from '../src/render/nfd.js';
import { readyHost } from './support/host-fixtures.js';
import { extensionMissingGpu, gpuReport, listReport } from './support/report-fixtures.js';

const expiresAt = new Date('2026-01-02T00:00:00.000Z');

/** What NFD would make of the file: directives, and name -> value after them. */
function parseFeatureFile(text: string) {
  const labels = new Map<string, string>();
  const directives: string[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('# +')) {
      assert.equal(labels.size, 0, 'a directive after labels applies only to the labels after it');
      directives.push(line.slice(3));
      continue;
    }
    if (line.startsWith('#')) continue;
    const [key, ...rest] = line.split('=');
    // Every key names its namespace; the tests below compare the part after it.
    assert.ok(key!.startsWith(`${NFD_NAMESPACE}/`), `${key} has no ${NFD_NAMESPACE}/ namespace`);
    const name = key!.slice(NFD_NAMESPACE.length + 1);
    assert.ok(!labels.has(name), `label ${name} twice`);
    labels.set(name, rest.join('='));
  }
  return { labels, directives };
}

function assertLabelSafe(labels: Map<string, string>): void {
  for (const [name, value] of labels) {
    assert.match(name, LABEL_PATTERN, `name ${name}`);
    assert.ok(name.length > 0 && name.length <= 63, `name ${name}`);
    assert.match(value, LABEL_PATTERN, `value of ${name}: ${value}`);
  }
}

test('nfd: host and per-GPU labels after an RFC 3339 expiry directive', () => {
  const capable = gpuReport({ index: 0 });
  const notCapable = extensionMissingGpu(1);
  const text = renderNfd(listReport([capable, notCapable]), { expiresAt });
  const { labels, directives } = parseFeatureFile(text);
  assert.deepEqual(directives, ['expiry-time=2026-01-02T00:00:00Z']);
  assertLabelSafe(labels);
  assert.deepEqual(Object.fromEntries(labels), {
    'rdma-probe.schema-version': '1',
    'rdma-probe.capable': 'true',
    'rdma-probe.gpu-count': '2',
    'rdma-probe.rdma-capable-count': '1',
    'rdma-probe.driver-version': '580.159.04',
    'rdma-probe.host-ready': 'true',
    'rdma-probe.nvidia-module': 'open',
    'rdma-probe.peermem': 'true',
    'rdma-probe.memory-peers': 'true',
    'rdma-probe.rdma-nic-count': '2',
    'rdma-probe.virtual-machine': 'false',
    'rdma-probe.dma-buf-kernel': 'true',
    'rdma-probe.iommu-active': 'true',
    'rdma-probe.gpu0.capable': 'true',
    'rdma-probe.gpu0.nearest-nic': 'same-pcie-switch',
    'rdma-probe.gpu0.acs-redirect': 'false',
    'rdma-probe.gpu0.bar1-bytes': '137438953472',
    'rdma-probe.gpu0.iommu-domain': 'identity',
    'rdma-probe.gpu1.capable': 'false',
    'rdma-probe.gpu1.nearest-nic': 'same-pcie-switch',
    'rdma-probe.gpu1.acs-redirect': 'false',
    'rdma-probe.gpu1.bar1-bytes': '137438953472',
    'rdma-probe.gpu1.iommu-domain': 'identity',
  });
  assert.ok(text.endsWith('\n'));
});

test('nfd: unknown facts are left out, host issues become labels, values are made label-safe', () => {
  const report = listReport([
    gpuReport({ identity: { driverVersion: '580.159.04 (beta) build#7' } }),
  ]);
  report.host = {
    ...report.host,
    peermem: { loaded: null, module: null },
    rdmaDevices: null,
    virtualization: {
      virtualMachine: null,
      hypervisorCpuFlag: null,
      sysVendor: null,
      productName: null,
    },
    readiness: {
      ready: false,
      issues: [{ code: 'memory-peers-absent', message: 'no peer memory' }],
      notes: [],
    },
  };
  const { labels } = parseFeatureFile(renderNfd(report, { expiresAt }));
  assertLabelSafe(labels);
  assert.equal(labels.get('rdma-probe.driver-version'), '580.159.04--beta--build-7');
  assert.equal(labels.get('rdma-probe.host-ready'), 'false');
  assert.equal(labels.get('rdma-probe.host-issue.memory-peers-absent'), 'true');
  for (const absent of ['peermem', 'rdma-nic-count', 'virtual-machine']) {
    assert.ok(!labels.has(`rdma-probe.${absent}`), absent);
  }
});

test('nfd: label values keep to 63 characters and start and end alphanumeric', () => {
  assert.equal(labelValue('--x--'), 'x');
  assert.equal(labelValue('a'.repeat(100)).length, 63);
  assert.equal(labelValue(`${'a'.repeat(62)}.b`), 'a'.repeat(62));
  assert.equal(labelValue('GPU-5c8a6f01'), 'GPU-5c8a6f01');
  assert.equal(labelValue('new\nline="x"'), 'new-line--x');
  assert.equal(labelValue(''), '');
});

test('nfd: many GPUs stay under the 64 kB limit, with a truncated label', () => {
  const gpus = Array.from({ length: 3000 }, (_, index) => gpuReport({ index }));
  const report = listReport(gpus);
  report.host = readyHost('big', gpus);
  const text = renderNfd(report, { expiresAt });
  assert.ok(Buffer.byteLength(text) <= NFD_MAX_BYTES, `${Buffer.byteLength(text)} bytes`);
  const { labels } = parseFeatureFile(text);
  assert.equal(labels.get('rdma-probe.truncated'), 'true');
  assert.equal(labels.get('rdma-probe.gpu-count'), '3000');
  assert.equal(labels.get('rdma-probe.gpu0.capable'), 'true');
  assert.ok(!labels.has('rdma-probe.gpu2999.capable'));
  // A GPU's labels are all there or none of them.
  for (const [name] of labels) {
    const gpu = /^rdma-probe\.gpu(\d+)\./.exec(name)?.[1];
    if (gpu !== undefined) assert.ok(labels.has(`rdma-probe.gpu${gpu}.capable`));
  }

  const small = renderNfd(listReport([gpuReport()]), { expiresAt, maxBytes: 100_000 });
  assert.ok(!small.includes('truncated'));
});

test('nfd: every label once, whatever the report repeats', () => {
  const gpu = gpuReport({ index: 0 });
  const report = listReport([gpu, gpuReport({ index: 0 })]);
  report.host.readiness.issues = [
    { code: 'no-rdma-nic', message: 'a' },
    { code: 'no-rdma-nic', message: 'b' },
  ];
  // parseFeatureFile fails on a label written twice.
  const { labels } = parseFeatureFile(renderNfd(report, { expiresAt }));
  assert.equal(labels.get('rdma-probe.host-issue.no-rdma-nic'), 'true');
  assert.equal(labels.get('rdma-probe.gpu0.capable'), 'true');
});
