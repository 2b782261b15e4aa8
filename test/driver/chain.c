/*
 * Which structures may appear in which pNext chain, and the walk that checks
 * a chain against that. Only structures of Vulkan 1.1-1.3 and of the three
 * extensions this driver can report are known; anything else is a violation.
 */
#include "icd.h"

#include <stdio.h>
#include <string.h>

#define V11 VK_API_VERSION_1_1
#define V12 VK_API_VERSION_1_2
#define V13 VK_API_VERSION_1_3
#define HEADER_SIZE sizeof(VkBaseOutStructure)
#define MAX_CHAIN_LENGTH 128

#define RULE(type, stype, version, extension) \
    {VK_STRUCTURE_TYPE_##stype, #type, sizeof(type), version, extension, 0}
#define FEATURES(type, stype, version, extension, last)                      \
    {VK_STRUCTURE_TYPE_##stype, #type,     sizeof(type), version, extension, \
     (uint32_t)((offsetof(type, last) + sizeof(VkBool32) - HEADER_SIZE) / sizeof(VkBool32))}
#define RULES(name, table) \
    const icd_chain_rules name = {table, sizeof(table) / sizeof(table[0]), NULL}

static const icd_chain_rule properties2[] = {
    RULE(VkPhysicalDeviceIDProperties,
         PHYSICAL_DEVICE_ID_PROPERTIES, V11, 0),
    RULE(VkPhysicalDeviceMaintenance3Properties,
         PHYSICAL_DEVICE_MAINTENANCE_3_PROPERTIES, V11, 0),
    RULE(VkPhysicalDeviceMultiviewProperties,
         PHYSICAL_DEVICE_MULTIVIEW_PROPERTIES, V11, 0),
    RULE(VkPhysicalDevicePointClippingProperties,
         PHYSICAL_DEVICE_POINT_CLIPPING_PROPERTIES, V11, 0),
    RULE(VkPhysicalDeviceProtectedMemoryProperties,
         PHYSICAL_DEVICE_PROTECTED_MEMORY_PROPERTIES, V11, 0),
    RULE(VkPhysicalDeviceSubgroupProperties,
         PHYSICAL_DEVICE_SUBGROUP_PROPERTIES, V11, 0),
    RULE(VkPhysicalDeviceVulkan11Properties,
         PHYSICAL_DEVICE_VULKAN_1_1_PROPERTIES, V12, 0),
    RULE(VkPhysicalDeviceVulkan12Properties,
         PHYSICAL_DEVICE_VULKAN_1_2_PROPERTIES, V12, 0),
    RULE(VkPhysicalDeviceDepthStencilResolveProperties,
         PHYSICAL_DEVICE_DEPTH_STENCIL_RESOLVE_PROPERTIES, V12, 0),
    RULE(VkPhysicalDeviceDescriptorIndexingProperties,
         PHYSICAL_DEVICE_DESCRIPTOR_INDEXING_PROPERTIES, V12, 0),
    RULE(VkPhysicalDeviceDriverProperties,
         PHYSICAL_DEVICE_DRIVER_PROPERTIES, V12, 0),
    RULE(VkPhysicalDeviceFloatControlsProperties,
         PHYSICAL_DEVICE_FLOAT_CONTROLS_PROPERTIES, V12, 0),
    RULE(VkPhysicalDeviceSamplerFilterMinmaxProperties,
         PHYSICAL_DEVICE_SAMPLER_FILTER_MINMAX_PROPERTIES, V12, 0),
    RULE(VkPhysicalDeviceTimelineSemaphoreProperties,
         PHYSICAL_DEVICE_TIMELINE_SEMAPHORE_PROPERTIES, V12, 0),
    RULE(VkPhysicalDeviceVulkan13Properties,
         PHYSICAL_DEVICE_VULKAN_1_3_PROPERTIES, V13, 0),
    RULE(VkPhysicalDeviceInlineUniformBlockProperties,
         PHYSICAL_DEVICE_INLINE_UNIFORM_BLOCK_PROPERTIES, V13, 0),
    RULE(VkPhysicalDeviceMaintenance4Properties,
         PHYSICAL_DEVICE_MAINTENANCE_4_PROPERTIES, V13, 0),
    RULE(VkPhysicalDeviceShaderIntegerDotProductProperties,
         PHYSICAL_DEVICE_SHADER_INTEGER_DOT_PRODUCT_PROPERTIES, V13, 0),
    RULE(VkPhysicalDeviceSubgroupSizeControlProperties,
         PHYSICAL_DEVICE_SUBGROUP_SIZE_CONTROL_PROPERTIES, V13, 0),
    RULE(VkPhysicalDeviceTexelBufferAlignmentProperties,
         PHYSICAL_DEVICE_TEXEL_BUFFER_ALIGNMENT_PROPERTIES, V13, 0),
    RULE(VkPhysicalDevicePCIBusInfoPropertiesEXT,
         PHYSICAL_DEVICE_PCI_BUS_INFO_PROPERTIES_EXT, 0, ICD_EXT_PCI_BUS_INFO),
};

static const icd_chain_rule features2[] = {
    FEATURES(VkPhysicalDevice16BitStorageFeatures,
             PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES, V11, 0, storageInputOutput16),
    FEATURES(VkPhysicalDeviceMultiviewFeatures,
             PHYSICAL_DEVICE_MULTIVIEW_FEATURES, V11, 0, multiviewTessellationShader),
    FEATURES(VkPhysicalDeviceProtectedMemoryFeatures,
             PHYSICAL_DEVICE_PROTECTED_MEMORY_FEATURES, V11, 0, protectedMemory),
    FEATURES(VkPhysicalDeviceSamplerYcbcrConversionFeatures,
             PHYSICAL_DEVICE_SAMPLER_YCBCR_CONVERSION_FEATURES, V11, 0, samplerYcbcrConversion),
    FEATURES(VkPhysicalDeviceShaderDrawParametersFeatures,
             PHYSICAL_DEVICE_SHADER_DRAW_PARAMETERS_FEATURES, V11, 0, shaderDrawParameters),
    FEATURES(VkPhysicalDeviceVariablePointersFeatures,
             PHYSICAL_DEVICE_VARIABLE_POINTERS_FEATURES, V11, 0, variablePointers),
    FEATURES(VkPhysicalDeviceVulkan11Features,
             PHYSICAL_DEVICE_VULKAN_1_1_FEATURES, V12, 0, shaderDrawParameters),
    FEATURES(VkPhysicalDeviceVulkan12Features,
             PHYSICAL_DEVICE_VULKAN_1_2_FEATURES, V12, 0, subgroupBroadcastDynamicId),
    FEATURES(VkPhysicalDevice8BitStorageFeatures,
             PHYSICAL_DEVICE_8BIT_STORAGE_FEATURES, V12, 0, storagePushConstant8),
    FEATURES(VkPhysicalDeviceBufferDeviceAddressFeatures,
             PHYSICAL_DEVICE_BUFFER_DEVICE_ADDRESS_FEATURES,
             V12, 0, bufferDeviceAddressMultiDevice),
    FEATURES(VkPhysicalDeviceDescriptorIndexingFeatures,
             PHYSICAL_DEVICE_DESCRIPTOR_INDEXING_FEATURES, V12, 0, runtimeDescriptorArray),
    FEATURES(VkPhysicalDeviceHostQueryResetFeatures,
             PHYSICAL_DEVICE_HOST_QUERY_RESET_FEATURES, V12, 0, hostQueryReset),
    FEATURES(VkPhysicalDeviceImagelessFramebufferFeatures,
             PHYSICAL_DEVICE_IMAGELESS_FRAMEBUFFER_FEATURES, V12, 0, imagelessFramebuffer),
    FEATURES(VkPhysicalDeviceScalarBlockLayoutFeatures,
             PHYSICAL_DEVICE_SCALAR_BLOCK_LAYOUT_FEATURES, V12, 0, scalarBlockLayout),
    FEATURES(VkPhysicalDeviceSeparateDepthStencilLayoutsFeatures,
             PHYSICAL_DEVICE_SEPARATE_DEPTH_STENCIL_LAYOUTS_FEATURES,
             V12, 0, separateDepthStencilLayouts),
    FEATURES(VkPhysicalDeviceShaderAtomicInt64Features,
             PHYSICAL_DEVICE_SHADER_ATOMIC_INT64_FEATURES, V12, 0, shaderSharedInt64Atomics),
    FEATURES(VkPhysicalDeviceShaderFloat16Int8Features,
             PHYSICAL_DEVICE_SHADER_FLOAT16_INT8_FEATURES, V12, 0, shaderInt8),
    FEATURES(VkPhysicalDeviceShaderSubgroupExtendedTypesFeatures,
             PHYSICAL_DEVICE_SHADER_SUBGROUP_EXTENDED_TYPES_FEATURES,
             V12, 0, shaderSubgroupExtendedTypes),
    FEATURES(VkPhysicalDeviceTimelineSemaphoreFeatures,
             PHYSICAL_DEVICE_TIMELINE_SEMAPHORE_FEATURES, V12, 0, timelineSemaphore),
    FEATURES(VkPhysicalDeviceUniformBufferStandardLayoutFeatures,
             PHYSICAL_DEVICE_UNIFORM_BUFFER_STANDARD_LAYOUT_FEATURES,
             V12, 0, uniformBufferStandardLayout),
    FEATURES(VkPhysicalDeviceVulkanMemoryModelFeatures,
             PHYSICAL_DEVICE_VULKAN_MEMORY_MODEL_FEATURES,
             V12, 0, vulkanMemoryModelAvailabilityVisibilityChains),
    FEATURES(VkPhysicalDeviceVulkan13Features,
             PHYSICAL_DEVICE_VULKAN_1_3_FEATURES, V13, 0, maintenance4),
    FEATURES(VkPhysicalDeviceDynamicRenderingFeatures,
             PHYSICAL_DEVICE_DYNAMIC_RENDERING_FEATURES, V13, 0, dynamicRendering),
    FEATURES(VkPhysicalDeviceImageRobustnessFeatures,
             PHYSICAL_DEVICE_IMAGE_ROBUSTNESS_FEATURES, V13, 0, robustImageAccess),
    FEATURES(VkPhysicalDeviceInlineUniformBlockFeatures,
             PHYSICAL_DEVICE_INLINE_UNIFORM_BLOCK_FEATURES,
             V13, 0, descriptorBindingInlineUniformBlockUpdateAfterBind),
    FEATURES(VkPhysicalDeviceMaintenance4Features,
             PHYSICAL_DEVICE_MAINTENANCE_4_FEATURES, V13, 0, maintenance4),
    FEATURES(VkPhysicalDevicePipelineCreationCacheControlFeatures,
             PHYSICAL_DEVICE_PIPELINE_CREATION_CACHE_CONTROL_FEATURES,
             V13, 0, pipelineCreationCacheControl),
    FEATURES(VkPhysicalDevicePrivateDataFeatures,
             PHYSICAL_DEVICE_PRIVATE_DATA_FEATURES, V13, 0, privateData),
    FEATURES(VkPhysicalDeviceShaderDemoteToHelperInvocationFeatures,
             PHYSICAL_DEVICE_SHADER_DEMOTE_TO_HELPER_INVOCATION_FEATURES,
             V13, 0, shaderDemoteToHelperInvocation),
    FEATURES(VkPhysicalDeviceShaderIntegerDotProductFeatures,
             PHYSICAL_DEVICE_SHADER_INTEGER_DOT_PRODUCT_FEATURES, V13, 0, shaderIntegerDotProduct),
    FEATURES(VkPhysicalDeviceShaderTerminateInvocationFeatures,
             PHYSICAL_DEVICE_SHADER_TERMINATE_INVOCATION_FEATURES,
             V13, 0, shaderTerminateInvocation),
    FEATURES(VkPhysicalDeviceSubgroupSizeControlFeatures,
             PHYSICAL_DEVICE_SUBGROUP_SIZE_CONTROL_FEATURES, V13, 0, computeFullSubgroups),
    FEATURES(VkPhysicalDeviceSynchronization2Features,
             PHYSICAL_DEVICE_SYNCHRONIZATION_2_FEATURES, V13, 0, synchronization2),
    FEATURES(VkPhysicalDeviceTextureCompressionASTCHDRFeatures,
             PHYSICAL_DEVICE_TEXTURE_COMPRESSION_ASTC_HDR_FEATURES,
             V13, 0, textureCompressionASTC_HDR),
    FEATURES(VkPhysicalDeviceZeroInitializeWorkgroupMemoryFeatures,
             PHYSICAL_DEVICE_ZERO_INITIALIZE_WORKGROUP_MEMORY_FEATURES,
             V13, 0, shaderZeroInitializeWorkgroupMemory),
    FEATURES(VkPhysicalDeviceExternalMemoryRDMAFeaturesNV,
             PHYSICAL_DEVICE_EXTERNAL_MEMORY_RDMA_FEATURES_NV, 0, ICD_EXT_RDMA, externalMemoryRDMA),
};

/* What vkCreateDevice takes besides the feature structures of features2. */
static const icd_chain_rule device_create[] = {
    FEATURES(VkPhysicalDeviceFeatures2, PHYSICAL_DEVICE_FEATURES_2, V11, 0,
             features.inheritedQueries),
    RULE(VkDeviceGroupDeviceCreateInfo, DEVICE_GROUP_DEVICE_CREATE_INFO, V11, 0),
    RULE(VkDevicePrivateDataCreateInfo, DEVICE_PRIVATE_DATA_CREATE_INFO, V13, 0),
    /* The loader's own link structure (VkLayerDeviceCreateInfo) may still be there. */
    {VK_STRUCTURE_TYPE_LOADER_DEVICE_CREATE_INFO, "VkLayerDeviceCreateInfo", HEADER_SIZE, 0,
     ICD_EXT_ALWAYS, 0},
};

static const icd_chain_rule memory_properties2[] = {
    RULE(VkPhysicalDeviceMemoryBudgetPropertiesEXT, PHYSICAL_DEVICE_MEMORY_BUDGET_PROPERTIES_EXT, 0,
         ICD_EXT_MEMORY_BUDGET),
};

static const icd_chain_rule format_properties2[] = {
    RULE(VkFormatProperties3, FORMAT_PROPERTIES_3, V13, 0),
};

static const icd_chain_rule buffer_create[] = {
    RULE(VkExternalMemoryBufferCreateInfo, EXTERNAL_MEMORY_BUFFER_CREATE_INFO, V11, 0),
    RULE(VkBufferOpaqueCaptureAddressCreateInfo, BUFFER_OPAQUE_CAPTURE_ADDRESS_CREATE_INFO, V12, 0),
};

static const icd_chain_rule memory_requirements2[] = {
    RULE(VkMemoryDedicatedRequirements, MEMORY_DEDICATED_REQUIREMENTS, V11, 0),
};

static const icd_chain_rule memory_allocate[] = {
    RULE(VkExportMemoryAllocateInfo, EXPORT_MEMORY_ALLOCATE_INFO, V11, 0),
    RULE(VkMemoryDedicatedAllocateInfo, MEMORY_DEDICATED_ALLOCATE_INFO, V11, 0),
    RULE(VkMemoryAllocateFlagsInfo, MEMORY_ALLOCATE_FLAGS_INFO, V11, 0),
    RULE(VkMemoryOpaqueCaptureAddressAllocateInfo, MEMORY_OPAQUE_CAPTURE_ADDRESS_ALLOCATE_INFO, V12,
         0),
};

static const icd_chain_rule bind_buffer_memory[] = {
    RULE(VkBindBufferMemoryDeviceGroupInfo, BIND_BUFFER_MEMORY_DEVICE_GROUP_INFO, V11, 0),
};

/* The loader and the layers put these in vkCreateInstance's chain. */
static const icd_chain_rule instance_create[] = {
    {VK_STRUCTURE_TYPE_LOADER_INSTANCE_CREATE_INFO, "VkLayerInstanceCreateInfo", HEADER_SIZE, 0,
     ICD_EXT_ALWAYS, 0},
    RULE(VkDebugReportCallbackCreateInfoEXT, DEBUG_REPORT_CALLBACK_CREATE_INFO_EXT, 0,
         ICD_EXT_ALWAYS),
    RULE(VkDebugUtilsMessengerCreateInfoEXT, DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT, 0,
         ICD_EXT_ALWAYS),
    RULE(VkValidationFeaturesEXT, VALIDATION_FEATURES_EXT, 0, ICD_EXT_ALWAYS),
    RULE(VkValidationFlagsEXT, VALIDATION_FLAGS_EXT, 0, ICD_EXT_ALWAYS),
    RULE(VkDirectDriverLoadingListLUNARG, DIRECT_DRIVER_LOADING_LIST_LUNARG, 0, ICD_EXT_ALWAYS),
};

RULES(icd_rules_properties2, properties2);
RULES(icd_rules_features2, features2);
const icd_chain_rules icd_rules_device_create = {
    device_create, sizeof(device_create) / sizeof(device_create[0]), &icd_rules_features2};
RULES(icd_rules_memory_properties2, memory_properties2);
RULES(icd_rules_format_properties2, format_properties2);
RULES(icd_rules_buffer_create, buffer_create);
RULES(icd_rules_memory_requirements2, memory_requirements2);
RULES(icd_rules_memory_allocate, memory_allocate);
RULES(icd_rules_bind_buffer_memory, bind_buffer_memory);
RULES(icd_rules_instance_create, instance_create);
const icd_chain_rules icd_rules_none = {NULL, 0, NULL};

static const char *extension_name(uint32_t extension) {
    switch (extension) {
    case ICD_EXT_RDMA: return VK_NV_EXTERNAL_MEMORY_RDMA_EXTENSION_NAME;
    case ICD_EXT_MEMORY_BUDGET: return VK_EXT_MEMORY_BUDGET_EXTENSION_NAME;
    case ICD_EXT_PCI_BUS_INFO: return VK_EXT_PCI_BUS_INFO_EXTENSION_NAME;
    default: return "an extension";
    }
}

void icd_chain_walk(const char *call, const char *parent, const void *first,
                    const icd_chain_rules *rules, uint32_t version, uint32_t extensions,
                    icd_chain_visit visit, void *context) {
    char vuid[160];
    const VkBaseOutStructure *links[MAX_CHAIN_LENGTH];
    uint32_t length = 0;
    for (VkBaseOutStructure *s = (VkBaseOutStructure *)first; s; s = s->pNext) {
        bool loop = false;
        for (uint32_t i = 0; i < length; i++) loop = loop || links[i] == s;
        if (loop || length == MAX_CHAIN_LENGTH) {
            snprintf(vuid, sizeof(vuid), "VUID-%s-pNext-pNext", parent);
            icd_state_violation(vuid, "%s: the pNext chain of %s %s", call, parent,
                                loop ? "loops back on itself" : "is too long");
            return;
        }
        const icd_chain_rule *rule = NULL;
        for (const icd_chain_rules *table = rules; table && !rule; table = table->also) {
            for (size_t i = 0; i < table->count && !rule; i++) {
                if (table->rules[i].stype == s->sType) rule = &table->rules[i];
            }
        }
        /* Reported at its second appearance only. */
        uint32_t appearances = 0;
        for (uint32_t i = 0; i < length; i++) appearances += links[i]->sType == s->sType;
        bool repeated = appearances == 1;
        links[length++] = s;
        if (!rule) {
            snprintf(vuid, sizeof(vuid), "VUID-%s-pNext-pNext", parent);
            icd_state_violation(vuid, "%s: sType %d may not extend %s; ignored", call,
                                (int)s->sType, parent);
            continue;
        }
        bool always = (rule->extension & ICD_EXT_ALWAYS) != 0;
        if (repeated && !always) {
            snprintf(vuid, sizeof(vuid), "VUID-%s-sType-unique", parent);
            icd_state_violation(vuid, "%s: %s appears twice in the pNext chain of %s", call,
                                rule->name, parent);
        }
        bool by_version = rule->version != 0 && version >= rule->version;
        bool by_extension = (rule->extension & (extensions | ICD_EXT_ALWAYS)) != 0;
        bool allowed = by_version || by_extension;
        if (!allowed) {
            snprintf(vuid, sizeof(vuid), "VUID-%s-pNext-pNext", parent);
            if (rule->extension)
                icd_state_violation(vuid, "%s: %s needs %s, which is not %s; left untouched", call,
                                    rule->name, extension_name(rule->extension),
                                    strcmp(call, "vkCreateDevice") == 0 ? "enabled"
                                                                        : "supported");
            else
                icd_state_violation(vuid, "%s: %s needs Vulkan %u.%u, the device has %u.%u", call,
                                    rule->name, VK_API_VERSION_MAJOR(rule->version),
                                    VK_API_VERSION_MINOR(rule->version),
                                    VK_API_VERSION_MAJOR(version), VK_API_VERSION_MINOR(version));
        }
        if (visit) visit(context, s, rule, allowed);
    }
}

void icd_chain_clear(void *structure, const icd_chain_rule *rule) {
    if (rule->size > HEADER_SIZE)
        memset((char *)structure + HEADER_SIZE, 0, rule->size - HEADER_SIZE);
}

void icd_check_stype(const char *call, const char *parent, const void *structure,
                     VkStructureType expected) {
    const VkBaseInStructure *s = structure;
    if (s && s->sType != expected) {
        char vuid[160];
        snprintf(vuid, sizeof(vuid), "VUID-%s-sType-sType", parent);
        icd_state_violation(vuid, "%s: %s.sType is %d, expected %d", call, parent, (int)s->sType,
                            (int)expected);
    }
}
