/**
 * The RDMA verdict for one GPU, from facts already gathered. Pure: no Vulkan here.
 * Every reason names the first thing an operator has to fix, in the order the
 * capability depends on it.
 */
import type { GpuReport, Note, Reason, Verdict } from '../list-report.js';
import { VK_API_VERSION_1_1 } from '../vulkan/constants.js';
import { formatApiVersion } from './decode.js';

export const NIC_NOTE: Readonly<Note> = {
  code: 'nic-reach-unproven',
  message:
    'A remote address proves the driver exported the memory, not that an RDMA NIC can reach it.',
};

type VerdictInput = Pick<
  GpuReport,
  'extensions' | 'features' | 'rdmaExport' | 'memory' | 'rdmaMemoryTypes' | 'error'
>;

/** Facts from gathering that the report does not hold as fields. */
export interface VerdictContext {
  /** What the driver did that a correct one never does, one note each. */
  notes?: Note[];
  /** VkPhysicalDeviceProperties::apiVersion; null when it was never read. */
  deviceApiVersion?: number | null;
}

export function decideVerdict(gpu: VerdictInput, context: VerdictContext = {}): Verdict {
  const reasons: Reason[] = [];
  const notes: Note[] = [...(context.notes ?? [])];

  if (gpu.error) {
    reasons.push({
      code: 'probe-failed',
      message: `probing this GPU failed: ${oneLine(gpu.error.message)}`,
    });
  }
  const version = context.deviceApiVersion ?? null;
  if (version !== null && version < VK_API_VERSION_1_1) {
    reasons.push({
      code: 'api-version-too-old',
      message: `the device reports Vulkan ${formatApiVersion(version)}; RDMA export needs Vulkan 1.1 (external memory is core 1.1)`,
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
    notes.push({
      code: 'dedicated-only',
      message: 'RDMA export requires a dedicated allocation per buffer',
    });
  }
  if (gpu.memory && !gpu.memory.budgetAvailable) {
    notes.push(
      gpu.extensions.memoryBudget
        ? {
            code: 'memory-budget-unanswered',
            message: 'VK_EXT_memory_budget gave no usable answer: heap budgets are unknown',
          }
        : {
            code: 'memory-budget-absent',
            message: 'VK_EXT_memory_budget is absent: heap budgets are unknown',
          },
    );
  }
  if (reasons.length === 0) notes.push(NIC_NOTE);

  return { rdma: reasons.length === 0 ? 'capable' : 'not-capable', reasons, notes };
}

function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ');
}
