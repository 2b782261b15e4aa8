/**
 * The RDMA verdict for one GPU, from facts already gathered. Pure: no Vulkan here.
 * Every reason names the first thing an operator has to fix, in the order the
 * capability depends on it.
 */
import type { GpuReport, Reason, Verdict } from '../report.js';

export const NIC_NOTE =
  'A remote address proves the driver exported the memory, not that an RDMA NIC can reach it.';

type VerdictInput = Pick<
  GpuReport,
  'extensions' | 'features' | 'rdmaExport' | 'memory' | 'rdmaMemoryTypes' | 'error'
>;

export function decideVerdict(gpu: VerdictInput): Verdict {
  const reasons: Reason[] = [];
  const notes: string[] = [];

  if (gpu.error) {
    reasons.push({
      code: 'probe-failed',
      message: `probing this GPU failed: ${gpu.error.call} returned ${gpu.error.result}`,
    });
  }
  if (!gpu.extensions.externalMemoryRDMA) {
    reasons.push({
      code: 'extension-missing',
      message:
        'the driver does not expose VK_NV_external_memory_rdma (it needs an NVIDIA driver with RDMA support enabled for this GPU)',
    });
  } else if (gpu.features.externalMemoryRDMA === false) {
    reasons.push({
      code: 'feature-disabled',
      message:
        'VK_NV_external_memory_rdma is listed but the externalMemoryRDMA feature is not supported',
    });
  }
  if (gpu.extensions.externalMemoryRDMA && gpu.rdmaExport && !gpu.rdmaExport.exportable) {
    reasons.push({
      code: 'not-exportable',
      message: 'buffers cannot be exported with the RDMA address handle type',
    });
  }
  if (gpu.memory && gpu.rdmaMemoryTypes.length === 0) {
    reasons.push({
      code: 'no-rdma-memory-type',
      message: 'no memory type carries VK_MEMORY_PROPERTY_RDMA_CAPABLE_BIT_NV',
    });
  }

  if (gpu.rdmaExport?.dedicatedOnly) {
    notes.push('RDMA export requires a dedicated allocation per buffer');
  }
  if (gpu.memory && !gpu.memory.budgetAvailable) {
    notes.push('VK_EXT_memory_budget is absent: heap budgets are unknown');
  }
  if (reasons.length === 0) notes.push(NIC_NOTE);

  return { rdma: reasons.length === 0 ? 'capable' : 'not-capable', reasons, notes };
}
