/*
 * Physical devices of the test driver: what each GPU of the config reports (properties,
 * features, memory, queue families, extensions, external buffer support) through the
 * queries, checking what the caller hands them.
 */
#include "icd.h"

#include <stdio.h>
#include <string.h>

icd_physical_device *icd_physical_from(VkPhysicalDevice handle, const char *call,
                                       const char *vuid) {
    for (icd_instance *i = icd_instance_list(); i; i = i->next) {
        for (uint32_t p = 0; p < i->physical_count; p++) {
            if ((VkPhysicalDevice)i->physical[p] == handle) return i->physical[p];
        }
    }
    icd_invalid_parameter(vuid, call,
                          "physicalDevice is not a VkPhysicalDevice of a live instance");
    return NULL;
}

static bool needs_properties2(icd_physical_device *pd, const char *call) {
    const icd_instance *inst = pd->instance;
    if (inst->api_version >= VK_API_VERSION_1_1 || inst->ext_get_physical_device_properties2)
        return true;
    icd_state_violation("ICD-core-1.1-command",
                        "%s: the instance was created for Vulkan %u.%u without "
                        "VK_KHR_get_physical_device_properties2",
                        call, VK_API_VERSION_MAJOR(inst->api_version),
                        VK_API_VERSION_MINOR(inst->api_version));
    return false;
}

static uint32_t supported_extensions(const icd_device_config *cfg) {
    return (cfg->ext_rdma ? ICD_EXT_RDMA : 0) |
           (cfg->ext_memory_budget ? ICD_EXT_MEMORY_BUDGET : 0) |
           (cfg->ext_pci_bus_info ? ICD_EXT_PCI_BUS_INFO : 0);
}

/* The 256 bytes filled with `text` and then 'x', without a NUL: the quirk. */
static void fill_unterminated(char *out, size_t size, const char *text) {
    memset(out, 'x', size);
    size_t n = strlen(text);
    memcpy(out, text, n < size ? n : size);
}

uint32_t icd_device_extensions(const icd_device_config *cfg,
                               VkExtensionProperties out[ICD_MAX_DEVICE_EXTENSIONS]) {
    uint32_t n = 0;
    memset(out, 0, ICD_MAX_DEVICE_EXTENSIONS * sizeof(*out));
    if (cfg->ext_rdma) {
        snprintf(out[n].extensionName, VK_MAX_EXTENSION_NAME_SIZE, "%s",
                 VK_NV_EXTERNAL_MEMORY_RDMA_EXTENSION_NAME);
        out[n++].specVersion = VK_NV_EXTERNAL_MEMORY_RDMA_SPEC_VERSION;
    }
    if (cfg->ext_memory_budget) {
        snprintf(out[n].extensionName, VK_MAX_EXTENSION_NAME_SIZE, "%s",
                 VK_EXT_MEMORY_BUDGET_EXTENSION_NAME);
        out[n++].specVersion = VK_EXT_MEMORY_BUDGET_SPEC_VERSION;
    }
    if (cfg->ext_pci_bus_info) {
        snprintf(out[n].extensionName, VK_MAX_EXTENSION_NAME_SIZE, "%s",
                 VK_EXT_PCI_BUS_INFO_EXTENSION_NAME);
        out[n++].specVersion = VK_EXT_PCI_BUS_INFO_SPEC_VERSION;
    }
    for (uint32_t i = 0; i < cfg->extra_extension_count; i++) {
        snprintf(out[n].extensionName, VK_MAX_EXTENSION_NAME_SIZE, "%s", cfg->extra_extensions[i]);
        out[n++].specVersion = 1;
    }
    if (cfg->quirks.duplicate_extensions && n > 0) out[n++] = out[0];
    if (cfg->quirks.unterminated_strings) {
        fill_unterminated(out[n].extensionName, VK_MAX_EXTENSION_NAME_SIZE, "VK_TEST_unterminated");
        out[n++].specVersion = 1;
    }
    return n;
}

/* --------------------------------------------------------- physical device */

static VKAPI_ATTR VkResult VKAPI_CALL icd_EnumerateDeviceExtensionProperties(
    VkPhysicalDevice physicalDevice, const char *pLayerName, uint32_t *pPropertyCount,
    VkExtensionProperties *pProperties) {
    static const char call[] = "vkEnumerateDeviceExtensionProperties";
    icd_physical_device *pd = icd_physical_from(
        physicalDevice, call, VUID_vkEnumerateDeviceExtensionProperties_physicalDevice_parameter);
    VkResult r = icd_state_enter(call, pd ? (int32_t)pd->index : -1);
    if (r != VK_SUCCESS) return r;
    if (!pd) return VK_ERROR_INITIALIZATION_FAILED;
    if (pLayerName) return VK_ERROR_LAYER_NOT_PRESENT;
    VkExtensionProperties list[ICD_MAX_DEVICE_EXTENSIONS];
    uint32_t n = icd_device_extensions(pd->cfg, list);
    r = icd_copy_out(call, VUID_vkEnumerateDeviceExtensionProperties_pPropertyCount_parameter,
                     pPropertyCount, pProperties, list, n, sizeof(list[0]));
    /* extensionsIncomplete: "there is more" forever, even with room for everything. */
    if (r == VK_SUCCESS && pProperties && pd->cfg->quirks.extensions_incomplete)
        return VK_INCOMPLETE;
    return r;
}

static uint64_t largest_heap(const icd_device_config *c) {
    uint64_t max = 0;
    for (uint32_t i = 0; i < c->heap_count; i++)
        if (c->heaps[i].size > max) max = c->heaps[i].size;
    return max;
}

static void fill_properties(const icd_physical_device *pd, VkPhysicalDeviceProperties *p) {
    const icd_device_config *c = pd->cfg;
    memset(p, 0, sizeof(*p));
    p->apiVersion = c->api_version;
    p->driverVersion = c->driver_version;
    p->vendorID = c->vendor_id;
    p->deviceID = c->device_id;
    p->deviceType = (VkPhysicalDeviceType)c->device_type;
    snprintf(p->deviceName, sizeof(p->deviceName), "%s", c->name);
    if (c->quirks.unterminated_strings)
        fill_unterminated(p->deviceName, sizeof(p->deviceName), c->name);
    memcpy(p->pipelineCacheUUID, c->driver_uuid, VK_UUID_SIZE);

    VkPhysicalDeviceLimits *l = &p->limits;
    l->maxImageDimension1D = 16384;
    l->maxImageDimension2D = 16384;
    l->maxImageDimension3D = 2048;
    l->maxImageDimensionCube = 16384;
    l->maxImageArrayLayers = 2048;
    l->maxTexelBufferElements = 1u << 27;
    l->maxUniformBufferRange = 65536;
    l->maxStorageBufferRange = UINT32_MAX;
    l->maxPushConstantsSize = 256;
    l->maxMemoryAllocationCount = ICD_MAX_MEMORY_ALLOCATIONS;
    l->maxSamplerAllocationCount = 4000;
    l->bufferImageGranularity = 1024;
    l->maxBoundDescriptorSets = 32;
    l->maxPerStageDescriptorSamplers = 1u << 20;
    l->maxPerStageDescriptorUniformBuffers = 1u << 20;
    l->maxPerStageDescriptorStorageBuffers = 1u << 20;
    l->maxPerStageDescriptorSampledImages = 1u << 20;
    l->maxPerStageDescriptorStorageImages = 1u << 20;
    l->maxPerStageDescriptorInputAttachments = 1u << 20;
    l->maxPerStageResources = UINT32_MAX;
    l->maxDescriptorSetSamplers = 1u << 20;
    l->maxDescriptorSetUniformBuffers = 1u << 20;
    l->maxDescriptorSetUniformBuffersDynamic = 15;
    l->maxDescriptorSetStorageBuffers = 1u << 20;
    l->maxDescriptorSetStorageBuffersDynamic = 16;
    l->maxDescriptorSetSampledImages = 1u << 20;
    l->maxDescriptorSetStorageImages = 1u << 20;
    l->maxDescriptorSetInputAttachments = 1u << 20;
    l->maxVertexInputAttributes = 32;
    l->maxVertexInputBindings = 32;
    l->maxVertexInputAttributeOffset = 2047;
    l->maxVertexInputBindingStride = 2048;
    l->maxVertexOutputComponents = 128;
    l->maxFragmentInputComponents = 128;
    l->maxFragmentOutputAttachments = 8;
    l->maxFragmentCombinedOutputResources = 4096;
    l->maxComputeSharedMemorySize = 49152;
    l->maxComputeWorkGroupCount[0] = UINT32_MAX;
    l->maxComputeWorkGroupCount[1] = 65535;
    l->maxComputeWorkGroupCount[2] = 65535;
    l->maxComputeWorkGroupInvocations = 1024;
    l->maxComputeWorkGroupSize[0] = 1024;
    l->maxComputeWorkGroupSize[1] = 1024;
    l->maxComputeWorkGroupSize[2] = 64;
    l->maxDrawIndexedIndexValue = UINT32_MAX;
    l->maxDrawIndirectCount = UINT32_MAX;
    l->maxSamplerAnisotropy = 16.0f;
    l->maxViewports = 16;
    l->maxViewportDimensions[0] = 32768;
    l->maxViewportDimensions[1] = 32768;
    l->viewportBoundsRange[0] = -65536.0f;
    l->viewportBoundsRange[1] = 65536.0f;
    l->minMemoryMapAlignment = 64;
    l->minTexelBufferOffsetAlignment = 16;
    l->minUniformBufferOffsetAlignment = 64;
    l->minStorageBufferOffsetAlignment = 16;
    l->maxFramebufferWidth = 32768;
    l->maxFramebufferHeight = 32768;
    l->maxFramebufferLayers = 2048;
    l->framebufferColorSampleCounts = VK_SAMPLE_COUNT_1_BIT;
    l->framebufferDepthSampleCounts = VK_SAMPLE_COUNT_1_BIT;
    l->framebufferStencilSampleCounts = VK_SAMPLE_COUNT_1_BIT;
    l->framebufferNoAttachmentsSampleCounts = VK_SAMPLE_COUNT_1_BIT;
    l->maxColorAttachments = 8;
    l->sampledImageColorSampleCounts = VK_SAMPLE_COUNT_1_BIT;
    l->sampledImageIntegerSampleCounts = VK_SAMPLE_COUNT_1_BIT;
    l->sampledImageDepthSampleCounts = VK_SAMPLE_COUNT_1_BIT;
    l->sampledImageStencilSampleCounts = VK_SAMPLE_COUNT_1_BIT;
    l->storageImageSampleCounts = VK_SAMPLE_COUNT_1_BIT;
    l->maxSampleMaskWords = 1;
    l->timestampComputeAndGraphics = VK_TRUE;
    l->timestampPeriod = 1.0f;
    l->maxClipDistances = 8;
    l->maxCullDistances = 8;
    l->maxCombinedClipAndCullDistances = 8;
    l->discreteQueuePriorities = 2;
    l->pointSizeRange[0] = 1.0f;
    l->pointSizeRange[1] = 1.0f;
    l->lineWidthRange[0] = 1.0f;
    l->lineWidthRange[1] = 1.0f;
    l->optimalBufferCopyOffsetAlignment = 1;
    l->optimalBufferCopyRowPitchAlignment = 1;
    l->nonCoherentAtomSize = 64;
}

static void fill_properties_chain(void *context, void *structure, const icd_chain_rule *rule,
                                  bool allowed) {
    const icd_physical_device *pd = context;
    const icd_device_config *c = pd->cfg;
    if (!allowed) return;
    icd_chain_clear(structure, rule);
    switch (rule->stype) {
    case VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_ID_PROPERTIES: {
        VkPhysicalDeviceIDProperties *p = structure;
        memcpy(p->deviceUUID, c->device_uuid, VK_UUID_SIZE);
        memcpy(p->driverUUID, c->driver_uuid, VK_UUID_SIZE);
        break;
    }
    case VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_PROPERTIES: {
        VkPhysicalDeviceVulkan11Properties *p = structure;
        memcpy(p->deviceUUID, c->device_uuid, VK_UUID_SIZE);
        memcpy(p->driverUUID, c->driver_uuid, VK_UUID_SIZE);
        p->subgroupSize = 32;
        p->subgroupSupportedStages = VK_SHADER_STAGE_COMPUTE_BIT;
        p->subgroupSupportedOperations = VK_SUBGROUP_FEATURE_BASIC_BIT;
        p->pointClippingBehavior = VK_POINT_CLIPPING_BEHAVIOR_ALL_CLIP_PLANES;
        p->maxPerSetDescriptors = 1024;
        p->maxMemoryAllocationSize = largest_heap(c);
        break;
    }
    case VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MAINTENANCE_3_PROPERTIES: {
        VkPhysicalDeviceMaintenance3Properties *p = structure;
        p->maxPerSetDescriptors = 1024;
        p->maxMemoryAllocationSize = largest_heap(c);
        break;
    }
    case VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES: {
        VkPhysicalDeviceSubgroupProperties *p = structure;
        p->subgroupSize = 32;
        p->supportedStages = VK_SHADER_STAGE_COMPUTE_BIT;
        p->supportedOperations = VK_SUBGROUP_FEATURE_BASIC_BIT;
        break;
    }
    case VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES: {
        VkPhysicalDeviceDriverProperties *p = structure;
        p->driverID = (VkDriverId)c->driver_id;
        snprintf(p->driverName, sizeof(p->driverName), "%s", c->driver_name);
        snprintf(p->driverInfo, sizeof(p->driverInfo), "%s", c->driver_info);
        if (c->quirks.unterminated_strings) {
            fill_unterminated(p->driverName, sizeof(p->driverName), c->driver_name);
            fill_unterminated(p->driverInfo, sizeof(p->driverInfo), c->driver_info);
        }
        p->conformanceVersion = (VkConformanceVersion){1, 3, 0, 0};
        break;
    }
    case VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_PROPERTIES: {
        VkPhysicalDeviceVulkan12Properties *p = structure;
        p->driverID = (VkDriverId)c->driver_id;
        snprintf(p->driverName, sizeof(p->driverName), "%s", c->driver_name);
        snprintf(p->driverInfo, sizeof(p->driverInfo), "%s", c->driver_info);
        p->conformanceVersion = (VkConformanceVersion){1, 3, 0, 0};
        break;
    }
    case VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_3_PROPERTIES: {
        VkPhysicalDeviceVulkan13Properties *p = structure;
        p->maxBufferSize = largest_heap(c);
        break;
    }
    case VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MAINTENANCE_4_PROPERTIES: {
        VkPhysicalDeviceMaintenance4Properties *p = structure;
        p->maxBufferSize = largest_heap(c);
        break;
    }
    case VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PCI_BUS_INFO_PROPERTIES_EXT: {
        VkPhysicalDevicePCIBusInfoPropertiesEXT *p = structure;
        p->pciDomain = c->pci_domain;
        p->pciBus = c->pci_bus;
        p->pciDevice = c->pci_device;
        p->pciFunction = c->pci_function;
        break;
    }
    default:
        break;
    }
}

static VKAPI_ATTR void VKAPI_CALL icd_GetPhysicalDeviceProperties(
    VkPhysicalDevice physicalDevice, VkPhysicalDeviceProperties *pProperties) {
    static const char call[] = "vkGetPhysicalDeviceProperties";
    icd_state_count_call(call);
    icd_physical_device *pd = icd_physical_from(
        physicalDevice, call, VUID_vkGetPhysicalDeviceProperties_physicalDevice_parameter);
    if (!pd) return;
    if (!pProperties)
        return icd_invalid_parameter(VUID_vkGetPhysicalDeviceProperties_pProperties_parameter, call,
                                     "pProperties is NULL");
    fill_properties(pd, pProperties);
}

static VKAPI_ATTR void VKAPI_CALL icd_GetPhysicalDeviceProperties2(
    VkPhysicalDevice physicalDevice, VkPhysicalDeviceProperties2 *pProperties) {
    static const char call[] = "vkGetPhysicalDeviceProperties2";
    icd_state_count_call(call);
    icd_physical_device *pd = icd_physical_from(
        physicalDevice, call, VUID_vkGetPhysicalDeviceProperties2_physicalDevice_parameter);
    if (!pd) return;
    if (!pProperties)
        return icd_invalid_parameter(VUID_vkGetPhysicalDeviceProperties2_pProperties_parameter,
                                     call, "pProperties is NULL");
    needs_properties2(pd, call);
    icd_check_stype(call, &icd_parent_VkPhysicalDeviceProperties2, pProperties);
    fill_properties(pd, &pProperties->properties);
    icd_chain_walk(call, &icd_parent_VkPhysicalDeviceProperties2, pProperties->pNext,
                   pd->cfg->api_version, supported_extensions(pd->cfg), fill_properties_chain, pd);
}

static void fill_features_chain(void *context, void *structure, const icd_chain_rule *rule,
                                bool allowed) {
    const icd_physical_device *pd = context;
    if (!allowed) return;
    icd_chain_clear(structure, rule);
    if (rule->stype == VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_EXTERNAL_MEMORY_RDMA_FEATURES_NV) {
        VkPhysicalDeviceExternalMemoryRDMAFeaturesNV *f = structure;
        f->externalMemoryRDMA = pd->cfg->feature_rdma ? VK_TRUE : VK_FALSE;
    }
}

static VKAPI_ATTR void VKAPI_CALL icd_GetPhysicalDeviceFeatures(
    VkPhysicalDevice physicalDevice, VkPhysicalDeviceFeatures *pFeatures) {
    static const char call[] = "vkGetPhysicalDeviceFeatures";
    icd_state_count_call(call);
    icd_physical_device *pd = icd_physical_from(
        physicalDevice, call, VUID_vkGetPhysicalDeviceFeatures_physicalDevice_parameter);
    if (!pd) return;
    if (!pFeatures)
        return icd_invalid_parameter(VUID_vkGetPhysicalDeviceFeatures_pFeatures_parameter, call,
                                     "pFeatures is NULL");
    memset(pFeatures, 0, sizeof(*pFeatures));
}

static VKAPI_ATTR void VKAPI_CALL icd_GetPhysicalDeviceFeatures2(
    VkPhysicalDevice physicalDevice, VkPhysicalDeviceFeatures2 *pFeatures) {
    static const char call[] = "vkGetPhysicalDeviceFeatures2";
    icd_state_count_call(call);
    icd_physical_device *pd = icd_physical_from(
        physicalDevice, call, VUID_vkGetPhysicalDeviceFeatures2_physicalDevice_parameter);
    if (!pd) return;
    if (!pFeatures)
        return icd_invalid_parameter(VUID_vkGetPhysicalDeviceFeatures2_pFeatures_parameter, call,
                                     "pFeatures is NULL");
    needs_properties2(pd, call);
    icd_check_stype(call, &icd_parent_VkPhysicalDeviceFeatures2, pFeatures);
    memset(&pFeatures->features, 0, sizeof(pFeatures->features));
    icd_chain_walk(call, &icd_parent_VkPhysicalDeviceFeatures2, pFeatures->pNext,
                   pd->cfg->api_version, supported_extensions(pd->cfg), fill_features_chain, pd);
}

/* What fills the memory slots past the counts (see fill_memory_properties). */
#define ICD_JUNK_TYPE_FLAGS \
    (VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT | VK_MEMORY_PROPERTY_RDMA_CAPABLE_BIT_NV)
#define ICD_JUNK_BYTES 0x4a554e4b000ull /* "JUNK" << 12: about 5 TB */

static void fill_memory_properties(const icd_device_config *c,
                                   VkPhysicalDeviceMemoryProperties *m) {
    memset(m, 0, sizeof(*m));
    m->memoryTypeCount = c->type_count;
    for (uint32_t i = 0; i < c->type_count; i++) {
        m->memoryTypes[i].propertyFlags = c->types[i].flags;
        m->memoryTypes[i].heapIndex = c->types[i].heap;
    }
    m->memoryHeapCount = c->heap_count;
    for (uint32_t i = 0; i < c->heap_count; i++) {
        m->memoryHeaps[i].size = c->heaps[i].size;
        m->memoryHeaps[i].flags = c->heaps[i].flags;
    }
    /* Quirks: counts past the arrays, a type in a heap that does not exist. */
    if (c->quirks.heap_index_out_of_range && c->type_count > 0)
        m->memoryTypes[c->type_count - 1].heapIndex = c->heap_count;
    if (c->quirks.memory_type_count) m->memoryTypeCount = c->quirks.memory_type_count;
    if (c->quirks.memory_heap_count) m->memoryHeapCount = c->quirks.memory_heap_count;
    /* The slots past the counts hold whatever the driver left there, and a program must
     * never read them: fill them with what would be believed if it did (RDMA-capable
     * types, in a heap past the count; large device-local heaps), so that every test
     * through this driver catches a reader that ignores the counts. */
    for (uint32_t i = m->memoryTypeCount; i < VK_MAX_MEMORY_TYPES; i++) {
        m->memoryTypes[i].propertyFlags = ICD_JUNK_TYPE_FLAGS;
        m->memoryTypes[i].heapIndex = VK_MAX_MEMORY_HEAPS - 1;
    }
    for (uint32_t i = m->memoryHeapCount; i < VK_MAX_MEMORY_HEAPS; i++) {
        m->memoryHeaps[i].size = ICD_JUNK_BYTES;
        m->memoryHeaps[i].flags = VK_MEMORY_HEAP_DEVICE_LOCAL_BIT;
    }
}

static void fill_memory_chain(void *context, void *structure, const icd_chain_rule *rule,
                              bool allowed) {
    const icd_physical_device *pd = context;
    if (!allowed) return;
    icd_chain_clear(structure, rule);
    if (rule->stype == VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_BUDGET_PROPERTIES_EXT) {
        VkPhysicalDeviceMemoryBudgetPropertiesEXT *b = structure;
        for (uint32_t i = 0; i < pd->cfg->heap_count; i++) {
            b->heapBudget[i] = pd->cfg->heaps[i].budget;
            /* What this process allocated counts, as on a real driver. */
            b->heapUsage[i] = pd->cfg->heaps[i].usage + pd->heap_allocated[i];
        }
        /* Past the heap count reported: junk a reader must never see (see
         * fill_memory_properties). */
        const icd_quirks *q = &pd->cfg->quirks;
        uint32_t reported = q->memory_heap_count ? q->memory_heap_count : pd->cfg->heap_count;
        for (uint32_t i = reported; i < VK_MAX_MEMORY_HEAPS; i++) {
            b->heapBudget[i] = ICD_JUNK_BYTES;
            b->heapUsage[i] = 0;
        }
    }
}

static VKAPI_ATTR void VKAPI_CALL icd_GetPhysicalDeviceMemoryProperties(
    VkPhysicalDevice physicalDevice, VkPhysicalDeviceMemoryProperties *pMemoryProperties) {
    static const char call[] = "vkGetPhysicalDeviceMemoryProperties";
    icd_state_count_call(call);
    icd_physical_device *pd = icd_physical_from(
        physicalDevice, call, VUID_vkGetPhysicalDeviceMemoryProperties_physicalDevice_parameter);
    if (!pd) return;
    if (!pMemoryProperties)
        return icd_invalid_parameter(
            VUID_vkGetPhysicalDeviceMemoryProperties_pMemoryProperties_parameter, call,
            "pMemoryProperties is NULL");
    fill_memory_properties(pd->cfg, pMemoryProperties);
}

static VKAPI_ATTR void VKAPI_CALL icd_GetPhysicalDeviceMemoryProperties2(
    VkPhysicalDevice physicalDevice, VkPhysicalDeviceMemoryProperties2 *pMemoryProperties) {
    static const char call[] = "vkGetPhysicalDeviceMemoryProperties2";
    icd_state_count_call(call);
    icd_physical_device *pd = icd_physical_from(
        physicalDevice, call, VUID_vkGetPhysicalDeviceMemoryProperties2_physicalDevice_parameter);
    if (!pd) return;
    if (!pMemoryProperties)
        return icd_invalid_parameter(
            VUID_vkGetPhysicalDeviceMemoryProperties2_pMemoryProperties_parameter, call,
            "pMemoryProperties is NULL");
    needs_properties2(pd, call);
    icd_check_stype(call, &icd_parent_VkPhysicalDeviceMemoryProperties2, pMemoryProperties);
    fill_memory_properties(pd->cfg, &pMemoryProperties->memoryProperties);
    icd_chain_walk(call, &icd_parent_VkPhysicalDeviceMemoryProperties2, pMemoryProperties->pNext,
                   pd->cfg->api_version, supported_extensions(pd->cfg), fill_memory_chain, pd);
}

static const VkQueueFamilyProperties queue_family = {
    .queueFlags = VK_QUEUE_GRAPHICS_BIT | VK_QUEUE_COMPUTE_BIT | VK_QUEUE_TRANSFER_BIT,
    .queueCount = 1,
    .timestampValidBits = 64,
    .minImageTransferGranularity = {1, 1, 1},
};

static VKAPI_ATTR void VKAPI_CALL icd_GetPhysicalDeviceQueueFamilyProperties(
    VkPhysicalDevice physicalDevice, uint32_t *pQueueFamilyPropertyCount,
    VkQueueFamilyProperties *pQueueFamilyProperties) {
    static const char call[] = "vkGetPhysicalDeviceQueueFamilyProperties";
    icd_state_count_call(call);
    if (!icd_physical_from(physicalDevice, call,
                           VUID_vkGetPhysicalDeviceQueueFamilyProperties_physicalDevice_parameter))
        return;
    icd_copy_out(call,
                 VUID_vkGetPhysicalDeviceQueueFamilyProperties_pQueueFamilyPropertyCount_parameter,
                 pQueueFamilyPropertyCount, pQueueFamilyProperties, &queue_family, 1,
                 sizeof(queue_family));
}

static VKAPI_ATTR void VKAPI_CALL icd_GetPhysicalDeviceQueueFamilyProperties2(
    VkPhysicalDevice physicalDevice, uint32_t *pQueueFamilyPropertyCount,
    VkQueueFamilyProperties2 *pQueueFamilyProperties) {
    static const char call[] = "vkGetPhysicalDeviceQueueFamilyProperties2";
    icd_state_count_call(call);
    icd_physical_device *pd = icd_physical_from(
        physicalDevice, call,
        VUID_vkGetPhysicalDeviceQueueFamilyProperties2_physicalDevice_parameter);
    if (!pd) return;
    needs_properties2(pd, call);
    if (!pQueueFamilyPropertyCount)
        return icd_invalid_parameter(
            VUID_vkGetPhysicalDeviceQueueFamilyProperties2_pQueueFamilyPropertyCount_parameter,
            call, "pQueueFamilyPropertyCount is NULL");
    if (!pQueueFamilyProperties) {
        *pQueueFamilyPropertyCount = 1;
        return;
    }
    if (*pQueueFamilyPropertyCount == 0) return;
    icd_check_stype(call, &icd_parent_VkQueueFamilyProperties2, &pQueueFamilyProperties[0]);
    icd_chain_walk(call, &icd_parent_VkQueueFamilyProperties2, pQueueFamilyProperties[0].pNext,
                   pd->cfg->api_version, supported_extensions(pd->cfg), NULL, NULL);
    pQueueFamilyProperties[0].queueFamilyProperties = queue_family;
    *pQueueFamilyPropertyCount = 1;
}

static VKAPI_ATTR void VKAPI_CALL icd_GetPhysicalDeviceFormatProperties(
    VkPhysicalDevice physicalDevice, VkFormat format, VkFormatProperties *pFormatProperties) {
    static const char call[] = "vkGetPhysicalDeviceFormatProperties";
    (void)format;
    icd_state_count_call(call);
    if (!icd_physical_from(physicalDevice, call,
                           VUID_vkGetPhysicalDeviceFormatProperties_physicalDevice_parameter))
        return;
    if (!pFormatProperties)
        return icd_invalid_parameter(
            VUID_vkGetPhysicalDeviceFormatProperties_pFormatProperties_parameter, call,
            "pFormatProperties is NULL");
    memset(pFormatProperties, 0, sizeof(*pFormatProperties));
}

static void clear_chain(void *context, void *structure, const icd_chain_rule *rule, bool allowed) {
    (void)context;
    if (allowed) icd_chain_clear(structure, rule);
}

static VKAPI_ATTR void VKAPI_CALL icd_GetPhysicalDeviceFormatProperties2(
    VkPhysicalDevice physicalDevice, VkFormat format, VkFormatProperties2 *pFormatProperties) {
    static const char call[] = "vkGetPhysicalDeviceFormatProperties2";
    (void)format;
    icd_state_count_call(call);
    icd_physical_device *pd = icd_physical_from(
        physicalDevice, call, VUID_vkGetPhysicalDeviceFormatProperties2_physicalDevice_parameter);
    if (!pd) return;
    if (!pFormatProperties)
        return icd_invalid_parameter(
            VUID_vkGetPhysicalDeviceFormatProperties2_pFormatProperties_parameter, call,
            "pFormatProperties is NULL");
    needs_properties2(pd, call);
    icd_check_stype(call, &icd_parent_VkFormatProperties2, pFormatProperties);
    memset(&pFormatProperties->formatProperties, 0, sizeof(pFormatProperties->formatProperties));
    icd_chain_walk(call, &icd_parent_VkFormatProperties2, pFormatProperties->pNext,
                   pd->cfg->api_version, supported_extensions(pd->cfg), clear_chain, NULL);
}

static VKAPI_ATTR VkResult VKAPI_CALL icd_GetPhysicalDeviceImageFormatProperties(
    VkPhysicalDevice physicalDevice, VkFormat format, VkImageType type, VkImageTiling tiling,
    VkImageUsageFlags usage, VkImageCreateFlags flags, VkImageFormatProperties *pProperties) {
    static const char call[] = "vkGetPhysicalDeviceImageFormatProperties";
    (void)format, (void)type, (void)tiling, (void)usage, (void)flags;
    icd_physical_device *pd = icd_physical_from(
        physicalDevice, call,
        VUID_vkGetPhysicalDeviceImageFormatProperties_physicalDevice_parameter);
    VkResult r = icd_state_enter(call, pd ? (int32_t)pd->index : -1);
    if (r != VK_SUCCESS) return r;
    if (pProperties) memset(pProperties, 0, sizeof(*pProperties));
    return VK_ERROR_FORMAT_NOT_SUPPORTED; /* this device has no images */
}

static VKAPI_ATTR VkResult VKAPI_CALL icd_GetPhysicalDeviceImageFormatProperties2(
    VkPhysicalDevice physicalDevice, const VkPhysicalDeviceImageFormatInfo2 *pImageFormatInfo,
    VkImageFormatProperties2 *pImageFormatProperties) {
    static const char call[] = "vkGetPhysicalDeviceImageFormatProperties2";
    (void)pImageFormatInfo;
    icd_physical_device *pd = icd_physical_from(
        physicalDevice, call,
        VUID_vkGetPhysicalDeviceImageFormatProperties2_physicalDevice_parameter);
    VkResult r = icd_state_enter(call, pd ? (int32_t)pd->index : -1);
    if (r != VK_SUCCESS) return r;
    if (pd) needs_properties2(pd, call);
    if (pImageFormatProperties)
        memset(&pImageFormatProperties->imageFormatProperties, 0,
               sizeof(pImageFormatProperties->imageFormatProperties));
    return VK_ERROR_FORMAT_NOT_SUPPORTED;
}

static VKAPI_ATTR void VKAPI_CALL icd_GetPhysicalDeviceSparseImageFormatProperties(
    VkPhysicalDevice physicalDevice, VkFormat format, VkImageType type,
    VkSampleCountFlagBits samples, VkImageUsageFlags usage, VkImageTiling tiling,
    uint32_t *pPropertyCount,
    VkSparseImageFormatProperties *pProperties) {
    static const char call[] = "vkGetPhysicalDeviceSparseImageFormatProperties";
    (void)format, (void)type, (void)samples, (void)usage, (void)tiling, (void)pProperties;
    icd_state_count_call(call);
    const icd_physical_device *pd = icd_physical_from(
        physicalDevice, call,
        VUID_vkGetPhysicalDeviceSparseImageFormatProperties_physicalDevice_parameter);
    if (!pd) return;
    if (!pPropertyCount)
        return icd_invalid_parameter(
            VUID_vkGetPhysicalDeviceSparseImageFormatProperties_pPropertyCount_parameter, call,
            "pPropertyCount is NULL");
    *pPropertyCount = 0;
}

static VKAPI_ATTR void VKAPI_CALL icd_GetPhysicalDeviceSparseImageFormatProperties2(
    VkPhysicalDevice physicalDevice, const VkPhysicalDeviceSparseImageFormatInfo2 *pFormatInfo,
    uint32_t *pPropertyCount, VkSparseImageFormatProperties2 *pProperties) {
    static const char call[] = "vkGetPhysicalDeviceSparseImageFormatProperties2";
    (void)pFormatInfo, (void)pProperties;
    icd_state_count_call(call);
    icd_physical_device *pd = icd_physical_from(
        physicalDevice, call,
        VUID_vkGetPhysicalDeviceSparseImageFormatProperties2_physicalDevice_parameter);
    if (!pd) return;
    needs_properties2(pd, call);
    if (!pPropertyCount)
        return icd_invalid_parameter(
            VUID_vkGetPhysicalDeviceSparseImageFormatProperties2_pPropertyCount_parameter, call,
            "pPropertyCount is NULL");
    *pPropertyCount = 0;
}

static VKAPI_ATTR void VKAPI_CALL icd_GetPhysicalDeviceExternalBufferProperties(
    VkPhysicalDevice physicalDevice, const VkPhysicalDeviceExternalBufferInfo *pExternalBufferInfo,
    VkExternalBufferProperties *pExternalBufferProperties) {
    static const char call[] = "vkGetPhysicalDeviceExternalBufferProperties";
    icd_state_count_call(call);
    icd_physical_device *pd = icd_physical_from(
        physicalDevice, call,
        VUID_vkGetPhysicalDeviceExternalBufferProperties_physicalDevice_parameter);
    if (!pd) return;
    if (!pExternalBufferInfo)
        return icd_invalid_parameter(
            VUID_vkGetPhysicalDeviceExternalBufferProperties_pExternalBufferInfo_parameter, call,
            "pExternalBufferInfo is NULL");
    if (!pExternalBufferProperties)
        return icd_invalid_parameter(
            VUID_vkGetPhysicalDeviceExternalBufferProperties_pExternalBufferProperties_parameter,
            call, "pExternalBufferProperties is NULL");
    const icd_instance *inst = pd->instance;
    if (inst->api_version < VK_API_VERSION_1_1 && !inst->ext_external_memory_capabilities) {
        icd_state_violation("ICD-core-1.1-command",
                            "%s: the instance was created for Vulkan 1.0 without "
                            "VK_KHR_external_memory_capabilities",
                            call);
    }
    icd_check_stype(call, &icd_parent_VkPhysicalDeviceExternalBufferInfo, pExternalBufferInfo);
    icd_chain_walk(call, &icd_parent_VkPhysicalDeviceExternalBufferInfo, pExternalBufferInfo->pNext,
                   pd->cfg->api_version, supported_extensions(pd->cfg), NULL, NULL);
    icd_check_stype(call, &icd_parent_VkExternalBufferProperties, pExternalBufferProperties);
    icd_chain_walk(call, &icd_parent_VkExternalBufferProperties, pExternalBufferProperties->pNext,
                   pd->cfg->api_version, supported_extensions(pd->cfg), NULL, NULL);
    VkExternalMemoryHandleTypeFlagBits type = pExternalBufferInfo->handleType;
    if (pExternalBufferInfo->usage == 0) {
        icd_state_violation(VUID_VkPhysicalDeviceExternalBufferInfo_usage_requiredbitmask,
                            "%s: usage is 0", call);
    }
    if (type == 0 || (type & (type - 1)) != 0 || (type & ~0x1fffu) != 0) {
        icd_state_violation(VUID_VkPhysicalDeviceExternalBufferInfo_handleType_parameter,
                            "%s: handleType 0x%x is not one "
                            "VkExternalMemoryHandleTypeFlagBits value",
                            call, (unsigned)type);
    }
    VkExternalMemoryProperties *p = &pExternalBufferProperties->externalMemoryProperties;
    memset(p, 0, sizeof(*p));
    if (type == VK_EXTERNAL_MEMORY_HANDLE_TYPE_RDMA_ADDRESS_BIT_NV && pd->cfg->ext_rdma) {
        const icd_device_config *c = pd->cfg;
        if (c->exportable) p->externalMemoryFeatures |= VK_EXTERNAL_MEMORY_FEATURE_EXPORTABLE_BIT;
        if (c->importable) p->externalMemoryFeatures |= VK_EXTERNAL_MEMORY_FEATURE_IMPORTABLE_BIT;
        if (c->dedicated_only && p->externalMemoryFeatures)
            p->externalMemoryFeatures |= VK_EXTERNAL_MEMORY_FEATURE_DEDICATED_ONLY_BIT;
        p->compatibleHandleTypes = VK_EXTERNAL_MEMORY_HANDLE_TYPE_RDMA_ADDRESS_BIT_NV;
        p->exportFromImportedHandleTypes = 0;
    }
}

static VKAPI_ATTR VkResult VKAPI_CALL icd_GetPhysicalDeviceToolProperties(
    VkPhysicalDevice physicalDevice, uint32_t *pToolCount,
    VkPhysicalDeviceToolProperties *pToolProperties) {
    static const char call[] = "vkGetPhysicalDeviceToolProperties";
    icd_physical_device *pd = icd_physical_from(
        physicalDevice, call, VUID_vkGetPhysicalDeviceToolProperties_physicalDevice_parameter);
    VkResult r = icd_state_enter(call, pd ? (int32_t)pd->index : -1);
    if (r != VK_SUCCESS) return r;
    return icd_copy_out(call, VUID_vkGetPhysicalDeviceToolProperties_pToolCount_parameter,
                        pToolCount, pToolProperties, NULL, 0, sizeof(*pToolProperties));
}

/* ----------------------------------------------------------- proc table */

static const icd_command physical_device_commands[] = {
    ICD_COMMAND("vkEnumerateDeviceExtensionProperties", icd_EnumerateDeviceExtensionProperties),
    ICD_COMMAND("vkGetPhysicalDeviceProperties", icd_GetPhysicalDeviceProperties),
    ICD_COMMAND("vkGetPhysicalDeviceProperties2", icd_GetPhysicalDeviceProperties2),
    ICD_COMMAND("vkGetPhysicalDeviceProperties2KHR", icd_GetPhysicalDeviceProperties2),
    ICD_COMMAND("vkGetPhysicalDeviceFeatures", icd_GetPhysicalDeviceFeatures),
    ICD_COMMAND("vkGetPhysicalDeviceFeatures2", icd_GetPhysicalDeviceFeatures2),
    ICD_COMMAND("vkGetPhysicalDeviceFeatures2KHR", icd_GetPhysicalDeviceFeatures2),
    ICD_COMMAND("vkGetPhysicalDeviceMemoryProperties", icd_GetPhysicalDeviceMemoryProperties),
    ICD_COMMAND("vkGetPhysicalDeviceMemoryProperties2", icd_GetPhysicalDeviceMemoryProperties2),
    ICD_COMMAND("vkGetPhysicalDeviceMemoryProperties2KHR", icd_GetPhysicalDeviceMemoryProperties2),
    ICD_COMMAND("vkGetPhysicalDeviceQueueFamilyProperties",
                icd_GetPhysicalDeviceQueueFamilyProperties),
    ICD_COMMAND("vkGetPhysicalDeviceQueueFamilyProperties2",
                icd_GetPhysicalDeviceQueueFamilyProperties2),
    ICD_COMMAND("vkGetPhysicalDeviceQueueFamilyProperties2KHR",
                icd_GetPhysicalDeviceQueueFamilyProperties2),
    ICD_COMMAND("vkGetPhysicalDeviceFormatProperties", icd_GetPhysicalDeviceFormatProperties),
    ICD_COMMAND("vkGetPhysicalDeviceFormatProperties2", icd_GetPhysicalDeviceFormatProperties2),
    ICD_COMMAND("vkGetPhysicalDeviceFormatProperties2KHR", icd_GetPhysicalDeviceFormatProperties2),
    ICD_COMMAND("vkGetPhysicalDeviceImageFormatProperties",
                icd_GetPhysicalDeviceImageFormatProperties),
    ICD_COMMAND("vkGetPhysicalDeviceImageFormatProperties2",
                icd_GetPhysicalDeviceImageFormatProperties2),
    ICD_COMMAND("vkGetPhysicalDeviceImageFormatProperties2KHR",
                icd_GetPhysicalDeviceImageFormatProperties2),
    ICD_COMMAND("vkGetPhysicalDeviceSparseImageFormatProperties",
                icd_GetPhysicalDeviceSparseImageFormatProperties),
    ICD_COMMAND("vkGetPhysicalDeviceSparseImageFormatProperties2",
                icd_GetPhysicalDeviceSparseImageFormatProperties2),
    ICD_COMMAND("vkGetPhysicalDeviceSparseImageFormatProperties2KHR",
                icd_GetPhysicalDeviceSparseImageFormatProperties2),
    ICD_COMMAND("vkGetPhysicalDeviceExternalBufferProperties",
                icd_GetPhysicalDeviceExternalBufferProperties),
    ICD_COMMAND("vkGetPhysicalDeviceExternalBufferPropertiesKHR",
                icd_GetPhysicalDeviceExternalBufferProperties),
    ICD_COMMAND("vkGetPhysicalDeviceToolProperties", icd_GetPhysicalDeviceToolProperties),
    ICD_COMMAND("vkGetPhysicalDeviceToolPropertiesEXT", icd_GetPhysicalDeviceToolProperties),
};

PFN_vkVoidFunction icd_physical_device_command(const char *name) {
    return icd_find_command(physical_device_commands, ICD_COUNT(physical_device_commands), name);
}
