/**
 * Host readiness from facts alone (no filesystem): every issue on its own, what "unknown"
 * does to the answer, the notes, and the GPU's own placement problems.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { gpuViews, topologyOf } from '../src/gpu-view.js';
import { assessReadiness, placementIssues } from '../src/host/readiness.js';
import type { GpuTopology, HostReadiness, HostReport, RdmaPortFacts } from '../src/list-report.js';
import { gpuReport } from './support/report-fixtures.js';

type Facts = Parameters<typeof assessReadiness>[0];

/** A bare-metal host where everything GPUDirect RDMA needs is known to be present. */
function readyFacts(): Facts {
  return {
    kernel: { release: '6.8.0-45-generic', dmaBufRdma: true, commandLine: null },
    nvidiaModule: { loaded: true, flavor: 'open', version: '580.159.04' },
    peermem: { loaded: true, module: 'nvidia_peermem' },
    memoryPeers: true,
    rdmaDevices: [nic('mlx5_0', [{ port: 1, linkLayer: 'InfiniBand', state: 'ACTIVE' }])],
    virtualization: {
      virtualMachine: false,
      hypervisorCpuFlag: false,
      sysVendor: 'Supermicro',
      productName: 'SYS-821GE-TNHR',
    },
    iommu: { active: false, units: [] },
    nvidiaParameters: null,
  };
}

function nic(name: string, ports: RdmaPortFacts[]) {
  return { name, pciAddress: '0000:04:00.0', numaNode: 0, ports };
}

/** A device relation with no PCIe path known (the ACS fields, unread). */
const noPath = { path: [], acsRedirectPorts: [], acsRedirect: null };

const codes = (readiness: HostReadiness) => readiness.issues.map((issue) => issue.code);

describe('assessReadiness', () => {
  test('everything known and present: ready, no issue, no note', () => {
    assert.deepEqual(assessReadiness(readyFacts()), { ready: true, issues: [], notes: [] });
  });

  test('everything absent at once: every issue, in the order of the RDMA path, with its message', () => {
    const facts: Facts = {
      ...readyFacts(),
      kernel: { release: '4.18.0-513.el8.x86_64', dmaBufRdma: false, commandLine: null },
      nvidiaModule: { loaded: false, flavor: null, version: null },
      peermem: { loaded: false, module: null },
      memoryPeers: false,
      rdmaDevices: [],
    };
    assert.deepEqual(assessReadiness(facts), {
      ready: false,
      issues: [
        {
          code: 'nvidia-module-absent',
          message: 'the NVIDIA kernel module is not loaded (/proc/driver/nvidia/version is absent)',
        },
        {
          code: 'peermem-absent',
          message:
            'neither nvidia_peermem nor nv_peer_mem is loaded: an RDMA NIC cannot register GPU memory (modprobe nvidia_peermem)',
        },
        {
          code: 'memory-peers-absent',
          message:
            '/sys/kernel/mm/memory_peers is absent: the RDMA stack offers no peer-memory API (it comes with MLNX_OFED / DOCA-OFED)',
        },
        { code: 'no-rdma-nic', message: 'no RDMA device in /sys/class/infiniband' },
        {
          code: 'kernel-too-old',
          message: 'kernel 4.18.0-513.el8.x86_64 is older than 5.12: no dma-buf RDMA either',
        },
      ],
      notes: [],
    });
  });

  // Each fact alone: absent is an issue (not ready); unknown is no issue, but not ready
  // either (null: nobody can say).
  const single: {
    name: string;
    absent: Partial<Facts>;
    unknown: Partial<Facts>;
    code: string;
  }[] = [
    {
      name: 'NVIDIA module',
      absent: { nvidiaModule: { loaded: false, flavor: null, version: null } },
      unknown: { nvidiaModule: { loaded: null, flavor: null, version: null } },
      code: 'nvidia-module-absent',
    },
    {
      name: 'peermem',
      absent: { peermem: { loaded: false, module: null } },
      unknown: { peermem: { loaded: null, module: null } },
      code: 'peermem-absent',
    },
    {
      name: 'memory_peers',
      absent: { memoryPeers: false },
      unknown: { memoryPeers: null },
      code: 'memory-peers-absent',
    },
    {
      name: 'RDMA devices',
      absent: { rdmaDevices: [] },
      unknown: { rdmaDevices: null },
      code: 'no-rdma-nic',
    },
  ];
  for (const { name, absent, unknown, code } of single) {
    test(`${name}: absent is ${code} and not ready; unknown is no issue and readiness unknown`, () => {
      const notReady = assessReadiness({ ...readyFacts(), ...absent });
      assert.equal(notReady.ready, false);
      assert.deepEqual(codes(notReady), [code]);
      const maybe = assessReadiness({ ...readyFacts(), ...unknown });
      assert.equal(maybe.ready, null);
      assert.deepEqual(codes(maybe), []);
    });
  }

  test('ports: down only when every port of every device is known and none is ACTIVE', () => {
    const down = (state: string | null): RdmaPortFacts => ({
      port: 1,
      linkLayer: 'Ethernet',
      state,
    });
    const withDevices = (...devices: ReturnType<typeof nic>[]) =>
      assessReadiness({ ...readyFacts(), rdmaDevices: devices });

    const allDown = withDevices(nic('mlx5_0', [down('DOWN')]), nic('mlx5_1', [down('INIT')]));
    assert.equal(allDown.ready, false);
    assert.deepEqual(allDown.issues, [
      { code: 'rdma-ports-down', message: 'no port of the 2 RDMA device(s) is ACTIVE' },
    ]);
    // One ACTIVE port anywhere is enough.
    assert.deepEqual(
      codes(withDevices(nic('mlx5_0', [down('DOWN')]), nic('mlx5_1', [down('ACTIVE')]))),
      [],
    );
    assert.deepEqual(codes(withDevices(nic('mlx5_0', [down('DOWN'), down('ACTIVE')]))), []);
    // A port whose state is unknown might be the active one.
    assert.deepEqual(codes(withDevices(nic('mlx5_0', [down('DOWN'), down(null)]))), []);
    assert.deepEqual(codes(withDevices(nic('mlx5_0', [down(null)]))), []);
    // Devices that list no port at all: nothing known to be down.
    assert.deepEqual(codes(withDevices(nic('mlx5_0', []))), []);
    assert.equal(withDevices(nic('mlx5_0', [])).ready, true);
  });

  test('an old kernel matters only when peer memory is not known to be there', () => {
    const oldKernel = { release: '5.4.0-150-generic', dmaBufRdma: false, commandLine: null };
    const verdict = (peermem: Facts['peermem'], kernel: Facts['kernel'] = oldKernel) =>
      codes(assessReadiness({ ...readyFacts(), kernel, peermem }));
    assert.deepEqual(verdict({ loaded: true, module: 'nv_peer_mem' }), []);
    assert.deepEqual(verdict({ loaded: false, module: null }), [
      'peermem-absent',
      'kernel-too-old',
    ]);
    assert.deepEqual(verdict({ loaded: null, module: null }), ['kernel-too-old']);
    const unknownKernel = { release: null, dmaBufRdma: null, commandLine: null };
    assert.deepEqual(verdict({ loaded: null, module: null }, unknownKernel), []);
    assert.deepEqual(verdict({ loaded: false, module: null }, unknownKernel), ['peermem-absent']);
    const ready = assessReadiness({
      ...readyFacts(),
      kernel: oldKernel,
      peermem: { loaded: true, module: 'nvidia_peermem' },
    });
    assert.equal(ready.ready, true, 'peermem is the road; the old kernel is no issue then');
  });

  test('notes: a virtual machine; dma-buf with the proprietary module', () => {
    const vm = assessReadiness({
      ...readyFacts(),
      virtualization: { ...readyFacts().virtualization, virtualMachine: true },
    });
    assert.deepEqual(vm.notes, [
      {
        code: 'virtual-machine',
        message:
          'virtual machine: GPUDirect RDMA needs the GPU and the NIC passed through, with PCIe peer-to-peer allowed by the hypervisor',
      },
    ]);
    assert.equal(vm.ready, true, 'a note never changes the answer');
    const unknownVm = assessReadiness({
      ...readyFacts(),
      virtualization: { ...readyFacts().virtualization, virtualMachine: null },
    });
    assert.deepEqual(unknownVm.notes, []);

    const proprietary = (dmaBufRdma: boolean | null) =>
      assessReadiness({
        ...readyFacts(),
        kernel: { release: 'x', dmaBufRdma, commandLine: null },
        nvidiaModule: { loaded: true, flavor: 'proprietary', version: '535.129.03' },
      }).notes;
    assert.deepEqual(proprietary(true), [
      {
        code: 'dma-buf-needs-open-module',
        message:
          'dma-buf RDMA needs the NVIDIA open kernel module; this host runs the proprietary one',
      },
    ]);
    assert.deepEqual(proprietary(false), []);
    assert.deepEqual(proprietary(null), []);
  });
});

describe("a GPU's own placement", () => {
  test('the nearest RDMA device on another NUMA node is an issue; any nearer relation is not', () => {
    assert.deepEqual(
      placementIssues({
        name: 'mlx5_3',
        pciAddress: '0000:c1:00.0',
        relation: 'other-numa-node',
        ...noPath,
      }),
      [
        {
          code: 'nic-other-numa-node',
          message:
            'the nearest RDMA device (mlx5_3) is on another NUMA node: traffic crosses the CPU interconnect',
        },
      ],
    );
    for (const relation of [
      'same-pcie-switch',
      'same-root-port',
      'same-host-bridge',
      'other-host-bridge',
    ] as const) {
      assert.deepEqual(
        placementIssues({ name: 'mlx5_0', pciAddress: 'x', relation, ...noPath }),
        [],
      );
    }
    assert.deepEqual(placementIssues(null), []);
  });

  test("a GPU's host reasons: the host-wide ones, then its own; none of another GPU's", () => {
    const topology = (gpuIndex: number, issues: GpuTopology['issues']): GpuTopology => ({
      gpuIndex,
      pciBusId: `00000000:0${gpuIndex}:00.0`,
      sysfsPath: null,
      numaNode: 0,
      nearest: null,
      rdmaDevices: [],
      pcieBridges: [],
      acsRedirect: null,
      iommuGroup: null,
      bar1Bytes: null,
      notes: [],
      issues,
    });
    const own = placementIssues({
      name: 'mlx5_1',
      pciAddress: 'x',
      relation: 'other-numa-node',
      ...noPath,
    });
    const host: Pick<HostReport, 'readiness' | 'gpuTopology'> = {
      readiness: assessReadiness({ ...readyFacts(), memoryPeers: false }),
      gpuTopology: [topology(0, []), topology(3, own)],
    };
    const gpus = [0, 3, 7].map((index) => gpuReport({ index }));
    const views = gpuViews({ gpus, host });
    assert.deepEqual(
      views.map((view) => view.gpu),
      gpus,
    );
    const reasons = views.map((view) => view.hostReasons.map((r) => r.code));
    assert.deepEqual(reasons[0], ['memory-peers-absent']);
    assert.deepEqual(reasons[1], ['memory-peers-absent', 'nic-other-numa-node']);
    assert.deepEqual(reasons[2], ['memory-peers-absent'], 'a GPU without a PCIe place');
    assert.equal(views[1]!.topology, host.gpuTopology[1]);
    assert.equal(views[2]!.topology, null);
    assert.equal(topologyOf(host.gpuTopology, 1), null);
  });
});
