/*
 * Device-level commands of the test driver: devices, queues, buffers, memory
 * and the RDMA remote address. Each checks its arguments against the
 * specification's valid-usage rules and records what it finds.
 */
#include "icd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RDMA_HANDLE VK_EXTERNAL_MEMORY_HANDLE_TYPE_RDMA_ADDRESS_BIT_NV

icd_device *icd_device_from(VkDevice handle, const char *call, const char *vuid) {
    for (icd_instance *i = icd_instance_list(); i; i = i->next) {
        for (icd_device *d = i->devices; d; d = d->next) {
            if ((VkDevice)d == handle) return d;
        }
    }
    icd_invalid_parameter(vuid, call, "device is not a live VkDevice of this driver");
    return NULL;
}

static int32_t device_index(const icd_device *d) { return d ? (int32_t)d->physical->index : -1; }

static icd_buffer *buffer_from(icd_device *d, VkBuffer handle) {
    for (icd_buffer *b = d->buffers; b; b = b->next) {
        if ((uint64_t)(uintptr_t)b == (uint64_t)handle) return b;
    }
    return NULL;
}

static icd_memory *memory_from(icd_device *d, VkDeviceMemory handle) {
    for (icd_memory *m = d->memories; m; m = m->next) {
        if ((uint64_t)(uintptr_t)m == (uint64_t)handle) return m;
    }
    return NULL;
}

static VkDeviceSize required_size(const icd_buffer *b) {
    VkDeviceSize a = b->device->physical->cfg->alignment;
    if (b->size > UINT64_MAX - (a - 1)) return UINT64_MAX & ~(a - 1);
    return (b->size + a - 1) & ~(a - 1);
}

static void release_memory(icd_memory *m) {
    icd_physical_device *pd = m->device->physical;
    if (m->heap_index < VK_MAX_MEMORY_HEAPS) pd->heap_allocated[m->heap_index] -= m->size;
    for (icd_buffer *b = m->device->buffers; b; b = b->next) {
        if (b->bound == m) b->bound = NULL;
    }
    m->device->memory_count--;
    free(m);
}

void icd_device_release(icd_device *d) {
    while (d->memories) {
        icd_memory *m = d->memories;
        d->memories = m->next;
        release_memory(m);
    }
    while (d->buffers) {
        icd_buffer *b = d->buffers;
        d->buffers = b->next;
        free(b);
    }
    free(d->queue);
    free(d);
}

static bool device_has_extension(const icd_device *d, const char *name) {
    VkExtensionProperties list[ICD_MAX_DEVICE_EXTENSIONS];
    uint32_t n = icd_device_extensions(d->physical->cfg, list);
    for (uint32_t i = 0; i < n; i++) {
        bool enabled = (d->enabled_extensions >> i & 1) != 0;
        if (enabled && strcmp(list[i].extensionName, name) == 0) return true;
    }
    return false;
}

/* ------------------------------------------------------------------ device */

typedef struct create_device_check {
    const icd_physical_device *pd;
    bool has_enabled_features;
    bool rdma_chained;   /* the features structure is in the chain */
    bool rdma_requested; /* ... with externalMemoryRDMA = VK_TRUE */
    bool rdma_enabled;   /* ... and that is valid: the device has the feature on */
    VkResult result;
} create_device_check;

static void check_feature_bools(create_device_check *check, const char *owner,
                                const VkBool32 *values, uint32_t count) {
    for (uint32_t i = 0; i < count; i++) {
        if (!values[i]) continue;
        icd_state_violation("ICD-vkCreateDevice-feature-not-supported",
                            "vkCreateDevice: %s member #%u is VK_TRUE; device %u supports no "
                            "such feature",
                            owner, i, check->pd->index);
        check->result = VK_ERROR_FEATURE_NOT_PRESENT;
    }
}

static void check_device_chain(void *context, void *structure, const icd_chain_rule *rule,
                               bool allowed) {
    create_device_check *check = context;
    if (rule->stype == VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_EXTERNAL_MEMORY_RDMA_FEATURES_NV) {
        const VkPhysicalDeviceExternalMemoryRDMAFeaturesNV *f = structure;
        check->rdma_chained = true;
        if (!f->externalMemoryRDMA) return;
        check->rdma_requested = true;
        if (!allowed) {
            /* The walk recorded it: the extension is not enabled. */
            check->result = VK_ERROR_FEATURE_NOT_PRESENT;
        } else if (!check->pd->cfg->feature_rdma) {
            icd_state_violation("ICD-vkCreateDevice-feature-not-supported",
                                "vkCreateDevice: externalMemoryRDMA requested, device %u does not "
                                "support it",
                                check->pd->index);
            check->result = VK_ERROR_FEATURE_NOT_PRESENT;
        } else {
            check->rdma_enabled = true;
        }
        return;
    }
    bool features2 = rule->stype == VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2;
    if (features2 && check->has_enabled_features) {
        icd_state_violation(VUID_VkDeviceCreateInfo_pNext_00373,
                            "vkCreateDevice: VkPhysicalDeviceFeatures2 chained while "
                            "pEnabledFeatures is not NULL");
    }
    if (rule->bool_count) {
        const VkBool32 *values =
            (const VkBool32 *)((const char *)structure + sizeof(VkBaseOutStructure));
        check_feature_bools(check, rule->name, values, rule->bool_count);
    }
}

static VkResult check_queue_create_infos(const icd_physical_device *pd,
                                         const VkDeviceCreateInfo *ci, uint32_t *queue_count,
                                         VkDeviceQueueCreateFlags *queue_flags) {
    static const char call[] = "vkCreateDevice";
    VkResult result = VK_SUCCESS;
    *queue_count = 0;
    *queue_flags = 0;
    if (ci->queueCreateInfoCount == 0) {
        icd_state_violation(VUID_VkDeviceCreateInfo_queueCreateInfoCount_arraylength,
                            "vkCreateDevice: no VkDeviceQueueCreateInfo (queueCreateInfoCount 0)");
        return VK_ERROR_INITIALIZATION_FAILED;
    }
    if (!ci->pQueueCreateInfos) {
        icd_state_violation(VUID_VkDeviceCreateInfo_pQueueCreateInfos_parameter,
                            "vkCreateDevice: pQueueCreateInfos is NULL (queueCreateInfoCount %u)",
                            ci->queueCreateInfoCount);
        return VK_ERROR_INITIALIZATION_FAILED;
    }
    bool family_seen = false;
    for (uint32_t i = 0; i < ci->queueCreateInfoCount; i++) {
        const VkDeviceQueueCreateInfo *q = &ci->pQueueCreateInfos[i];
        icd_check_stype(call, &icd_parent_VkDeviceQueueCreateInfo, q);
        icd_chain_walk(call, &icd_parent_VkDeviceQueueCreateInfo, q->pNext, pd->cfg->api_version, 0,
                       NULL, NULL);
        if (q->queueFamilyIndex != 0) {
            icd_state_violation(VUID_VkDeviceQueueCreateInfo_queueFamilyIndex_00381,
                                "vkCreateDevice: queueFamilyIndex %u, the device has 1 family",
                                q->queueFamilyIndex);
            result = VK_ERROR_INITIALIZATION_FAILED;
            continue;
        }
        if (family_seen) {
            icd_state_violation(VUID_VkDeviceCreateInfo_queueFamilyIndex_02802,
                                "vkCreateDevice: queue family 0 named twice");
            result = VK_ERROR_INITIALIZATION_FAILED;
        }
        family_seen = true;
        if (q->queueCount == 0) {
            icd_state_violation(VUID_VkDeviceQueueCreateInfo_queueCount_arraylength,
                                "vkCreateDevice: queueCount is 0");
            result = VK_ERROR_INITIALIZATION_FAILED;
        } else if (q->queueCount > 1) {
            icd_state_violation(VUID_VkDeviceQueueCreateInfo_queueCount_00382,
                                "vkCreateDevice: queueCount %u, family 0 has 1 queue",
                                q->queueCount);
            result = VK_ERROR_INITIALIZATION_FAILED;
        }
        if (!q->pQueuePriorities) {
            icd_state_violation(VUID_VkDeviceQueueCreateInfo_pQueuePriorities_parameter,
                                "vkCreateDevice: pQueuePriorities is NULL");
            result = VK_ERROR_INITIALIZATION_FAILED;
        } else {
            for (uint32_t p = 0; p < q->queueCount && p < 1; p++) {
                float v = q->pQueuePriorities[p];
                if (!(v >= 0.0f && v <= 1.0f)) {
                    icd_state_violation(VUID_VkDeviceQueueCreateInfo_pQueuePriorities_00383,
                                        "vkCreateDevice: queue priority %g", (double)v);
                    result = VK_ERROR_INITIALIZATION_FAILED;
                }
            }
        }
        if (q->flags & VK_DEVICE_QUEUE_CREATE_PROTECTED_BIT) {
            icd_state_violation(VUID_VkDeviceQueueCreateInfo_flags_02861,
                                "vkCreateDevice: protected queue without protectedMemory");
            result = VK_ERROR_INITIALIZATION_FAILED;
        }
        *queue_count = q->queueCount;
        *queue_flags = q->flags;
    }
    return result;
}

static VKAPI_ATTR VkResult VKAPI_CALL icd_CreateDevice(VkPhysicalDevice physicalDevice,
                                                       const VkDeviceCreateInfo *pCreateInfo,
                                                       const VkAllocationCallbacks *pAllocator,
                                                       VkDevice *pDevice) {
    static const char call[] = "vkCreateDevice";
    (void)pAllocator;
    icd_physical_device *pd = icd_physical_from(physicalDevice, call,
                                                VUID_vkCreateDevice_physicalDevice_parameter);
    VkResult r = icd_state_enter(call, pd ? (int32_t)pd->index : -1);
    if (r != VK_SUCCESS) return r;
    if (!pd) return VK_ERROR_INITIALIZATION_FAILED;
    if (!pCreateInfo || !pDevice) {
        if (!pCreateInfo)
            icd_invalid_parameter(VUID_vkCreateDevice_pCreateInfo_parameter, call,
                                  "pCreateInfo is NULL");
        else
            icd_invalid_parameter(VUID_vkCreateDevice_pDevice_parameter, call, "pDevice is NULL");
        return VK_ERROR_INITIALIZATION_FAILED;
    }
    const VkDeviceCreateInfo *ci = pCreateInfo;
    const icd_instance *inst = pd->instance;
    icd_check_stype(call, &icd_parent_VkDeviceCreateInfo, ci);
    VkResult result = VK_SUCCESS;

    /* Extensions: each must be one this device reports. */
    VkExtensionProperties supported[ICD_MAX_DEVICE_EXTENSIONS];
    uint32_t supported_count = icd_device_extensions(pd->cfg, supported);
    uint64_t enabled = 0;
    uint32_t ext_flags = 0;
    bool khr_external_memory = false;
    if (ci->enabledExtensionCount && !ci->ppEnabledExtensionNames) {
        icd_invalid_parameter(VUID_VkDeviceCreateInfo_ppEnabledExtensionNames_parameter, call,
                              "ppEnabledExtensionNames is NULL");
        return VK_ERROR_INITIALIZATION_FAILED;
    }
    for (uint32_t i = 0; i < ci->enabledExtensionCount; i++) {
        const char *name = ci->ppEnabledExtensionNames[i];
        bool found = false;
        for (uint32_t s = 0; name && s < supported_count; s++) {
            if (strcmp(name, supported[s].extensionName) != 0) continue;
            found = true;
            enabled |= 1ull << s;
        }
        if (!found) {
            icd_state_violation("ICD-vkCreateDevice-extension-not-present",
                                "vkCreateDevice: %s is not an extension of device %u",
                                name ? name : "(NULL)", pd->index);
            result = VK_ERROR_EXTENSION_NOT_PRESENT;
            continue;
        }
        if (strcmp(name, VK_NV_EXTERNAL_MEMORY_RDMA_EXTENSION_NAME) == 0) ext_flags |= ICD_EXT_RDMA;
        if (strcmp(name, VK_EXT_MEMORY_BUDGET_EXTENSION_NAME) == 0)
            ext_flags |= ICD_EXT_MEMORY_BUDGET;
        if (strcmp(name, VK_EXT_PCI_BUS_INFO_EXTENSION_NAME) == 0)
            ext_flags |= ICD_EXT_PCI_BUS_INFO;
        if (strcmp(name, VK_KHR_EXTERNAL_MEMORY_EXTENSION_NAME) == 0) khr_external_memory = true;
    }
    uint32_t api_version =
        inst->api_version < pd->cfg->api_version ? inst->api_version : pd->cfg->api_version;
    if ((ext_flags & ICD_EXT_RDMA) && api_version < VK_API_VERSION_1_1 && !khr_external_memory) {
        icd_state_violation(VUID_vkCreateDevice_ppEnabledExtensionNames_01387,
                            "vkCreateDevice: VK_NV_external_memory_rdma needs "
                            "VK_KHR_external_memory or Vulkan 1.1");
    }
    if ((ext_flags & (ICD_EXT_MEMORY_BUDGET | ICD_EXT_PCI_BUS_INFO)) &&
        inst->api_version < VK_API_VERSION_1_1 && !inst->ext_get_physical_device_properties2) {
        icd_state_violation(VUID_vkCreateDevice_ppEnabledExtensionNames_01387,
                            "vkCreateDevice: VK_EXT_memory_budget and VK_EXT_pci_bus_info need "
                            "VK_KHR_get_physical_device_properties2 or Vulkan 1.1");
    }

    uint32_t queue_count = 0;
    VkDeviceQueueCreateFlags queue_flags = 0;
    VkResult queues = check_queue_create_infos(pd, ci, &queue_count, &queue_flags);
    if (result == VK_SUCCESS) result = queues;

    /* Features: this device has none but externalMemoryRDMA. */
    create_device_check check = {.pd = pd, .has_enabled_features = ci->pEnabledFeatures != NULL,
                                 .result = VK_SUCCESS};
    if (ci->pEnabledFeatures) {
        check_feature_bools(&check, "VkPhysicalDeviceFeatures",
                            (const VkBool32 *)ci->pEnabledFeatures,
                            sizeof(VkPhysicalDeviceFeatures) / sizeof(VkBool32));
    }
    icd_chain_walk(call, &icd_parent_VkDeviceCreateInfo, ci->pNext, pd->cfg->api_version, ext_flags,
                   check_device_chain, &check);
    if (result == VK_SUCCESS) result = check.result;

    icd_state_last_device(pd->index, ci->ppEnabledExtensionNames ? ci->enabledExtensionCount : 0,
                          ci->ppEnabledExtensionNames, check.rdma_requested, check.rdma_chained,
                          ci->queueCreateInfoCount);
    if (result != VK_SUCCESS) {
        icd_state_flush();
        return result;
    }

    icd_device *d = calloc(1, sizeof(*d));
    icd_queue *q = queue_count ? calloc(1, sizeof(*q)) : NULL;
    if (!d || (queue_count && !q)) {
        free(d);
        free(q);
        return VK_ERROR_OUT_OF_HOST_MEMORY;
    }
    set_loader_magic_value(d);
    d->physical = pd;
    d->api_version = api_version;
    d->enabled_extensions = enabled;
    d->ext_flags = ext_flags;
    d->ext_rdma = (ext_flags & ICD_EXT_RDMA) != 0;
    d->feature_rdma = check.rdma_enabled;
    d->queue_count = queue_count;
    d->queue_flags = queue_flags;
    if (q) {
        set_loader_magic_value(q);
        q->device = d;
        d->queue = q;
    }
    d->next = pd->instance->devices;
    pd->instance->devices = d;
    *pDevice = (VkDevice)d;
    icd_state_created(ICD_OBJECT_DEVICE);
    icd_state_flush();
    return VK_SUCCESS;
}

static VKAPI_ATTR void VKAPI_CALL icd_DestroyDevice(VkDevice device,
                                                    const VkAllocationCallbacks *pAllocator) {
    static const char call[] = "vkDestroyDevice";
    (void)pAllocator;
    icd_state_count_call(call);
    if (device == VK_NULL_HANDLE) return;
    icd_device *d = icd_device_from(device, call, VUID_vkDestroyDevice_device_parameter);
    if (!d) return;
    uint32_t buffers = 0, memories = 0;
    for (icd_buffer *b = d->buffers; b; b = b->next) buffers++;
    for (icd_memory *m = d->memories; m; m = m->next) memories++;
    if (buffers || memories) {
        icd_state_violation(VUID_vkDestroyDevice_device_00378,
                            "vkDestroyDevice: %u VkBuffer(s) and %u VkDeviceMemory(s) still alive",
                            buffers, memories);
    }
    for (icd_device **p = &d->physical->instance->devices; *p; p = &(*p)->next) {
        if (*p == d) {
            *p = d->next;
            break;
        }
    }
    icd_device_release(d);
    icd_state_destroyed(ICD_OBJECT_DEVICE);
    icd_state_flush();
}

static VKAPI_ATTR VkResult VKAPI_CALL icd_DeviceWaitIdle(VkDevice device) {
    static const char call[] = "vkDeviceWaitIdle";
    icd_device *d = icd_device_from(device, call, VUID_vkDeviceWaitIdle_device_parameter);
    VkResult r = icd_state_enter(call, device_index(d));
    if (r != VK_SUCCESS) return r;
    return d ? VK_SUCCESS : VK_ERROR_DEVICE_LOST;
}

static VKAPI_ATTR void VKAPI_CALL icd_GetDeviceQueue(VkDevice device, uint32_t queueFamilyIndex,
                                                     uint32_t queueIndex, VkQueue *pQueue) {
    static const char call[] = "vkGetDeviceQueue";
    icd_state_count_call(call);
    icd_device *d = icd_device_from(device, call, VUID_vkGetDeviceQueue_device_parameter);
    if (!d) return;
    if (!pQueue)
        return icd_invalid_parameter(VUID_vkGetDeviceQueue_pQueue_parameter, call,
                                     "pQueue is NULL");
    *pQueue = VK_NULL_HANDLE;
    if (queueFamilyIndex != 0 || d->queue_count == 0) {
        icd_state_violation(VUID_vkGetDeviceQueue_queueFamilyIndex_00384,
                            "vkGetDeviceQueue: no queue of family %u was created",
                            queueFamilyIndex);
    } else if (queueIndex >= d->queue_count) {
        icd_state_violation(VUID_vkGetDeviceQueue_queueIndex_00385,
                            "vkGetDeviceQueue: queueIndex %u, %u queue(s) created", queueIndex,
                            d->queue_count);
    } else if (d->queue_flags != 0) {
        icd_state_violation(VUID_vkGetDeviceQueue_flags_01841,
                            "vkGetDeviceQueue: the queue was created with flags 0x%x",
                            (unsigned)d->queue_flags);
    } else {
        *pQueue = (VkQueue)d->queue;
    }
}

static VKAPI_ATTR void VKAPI_CALL icd_GetDeviceQueue2(VkDevice device,
                                                      const VkDeviceQueueInfo2 *pQueueInfo,
                                                      VkQueue *pQueue) {
    static const char call[] = "vkGetDeviceQueue2";
    icd_state_count_call(call);
    icd_device *d = icd_device_from(device, call, VUID_vkGetDeviceQueue2_device_parameter);
    if (!d) return;
    if (!pQueue)
        return icd_invalid_parameter(VUID_vkGetDeviceQueue2_pQueue_parameter, call,
                                     "pQueue is NULL");
    *pQueue = VK_NULL_HANDLE;
    if (!pQueueInfo)
        return icd_invalid_parameter(VUID_vkGetDeviceQueue2_pQueueInfo_parameter, call,
                                     "pQueueInfo is NULL");
    icd_check_stype(call, &icd_parent_VkDeviceQueueInfo2, pQueueInfo);
    icd_chain_walk(call, &icd_parent_VkDeviceQueueInfo2, pQueueInfo->pNext, d->api_version,
                   d->ext_flags, NULL, NULL);
    if (pQueueInfo->queueFamilyIndex != 0 || d->queue_count == 0) {
        icd_state_violation(VUID_VkDeviceQueueInfo2_queueFamilyIndex_01842,
                            "vkGetDeviceQueue2: no queue of family %u was created",
                            pQueueInfo->queueFamilyIndex);
    } else if (pQueueInfo->queueIndex >= d->queue_count) {
        icd_state_violation(VUID_VkDeviceQueueInfo2_queueIndex_01843,
                            "vkGetDeviceQueue2: queueIndex %u, %u queue(s) created",
                            pQueueInfo->queueIndex, d->queue_count);
    } else if (pQueueInfo->flags == d->queue_flags) {
        *pQueue = (VkQueue)d->queue;
    }
}

/* ------------------------------------------------------------------ buffer */

typedef struct buffer_create_check {
    VkExternalMemoryHandleTypeFlags external_types;
} buffer_create_check;

static void check_buffer_chain(void *context, void *structure, const icd_chain_rule *rule,
                               bool allowed) {
    buffer_create_check *check = context;
    if (allowed && rule->stype == VK_STRUCTURE_TYPE_EXTERNAL_MEMORY_BUFFER_CREATE_INFO) {
        check->external_types = ((const VkExternalMemoryBufferCreateInfo *)structure)->handleTypes;
    }
}

static VKAPI_ATTR VkResult VKAPI_CALL icd_CreateBuffer(VkDevice device,
                                                       const VkBufferCreateInfo *pCreateInfo,
                                                       const VkAllocationCallbacks *pAllocator,
                                                       VkBuffer *pBuffer) {
    static const char call[] = "vkCreateBuffer";
    (void)pAllocator;
    icd_device *d = icd_device_from(device, call, VUID_vkCreateBuffer_device_parameter);
    VkResult r = icd_state_enter(call, device_index(d));
    if (r != VK_SUCCESS) return r;
    if (!d) return VK_ERROR_INITIALIZATION_FAILED;
    if (!pCreateInfo || !pBuffer) {
        if (!pCreateInfo)
            icd_invalid_parameter(VUID_vkCreateBuffer_pCreateInfo_parameter, call,
                                  "pCreateInfo is NULL");
        else
            icd_invalid_parameter(VUID_vkCreateBuffer_pBuffer_parameter, call, "pBuffer is NULL");
        return VK_ERROR_VALIDATION_FAILED_EXT;
    }
    const VkBufferCreateInfo *ci = pCreateInfo;
    icd_check_stype(call, &icd_parent_VkBufferCreateInfo, ci);
    buffer_create_check check = {0};
    icd_chain_walk(call, &icd_parent_VkBufferCreateInfo, ci->pNext, d->api_version, d->ext_flags,
                   check_buffer_chain, &check);

    VkResult result = VK_SUCCESS;
    if (ci->size == 0) {
        icd_state_violation(VUID_VkBufferCreateInfo_size_00912, "vkCreateBuffer: size is 0");
        result = VK_ERROR_VALIDATION_FAILED_EXT;
    }
    if (ci->usage == 0) {
        icd_state_violation(VUID_VkBufferCreateInfo_usage_requiredbitmask,
                            "vkCreateBuffer: usage is 0");
        result = VK_ERROR_VALIDATION_FAILED_EXT;
    }
    if (ci->flags != 0) {
        icd_state_violation("ICD-vkCreateBuffer-flags-unsupported",
                            "vkCreateBuffer: flags 0x%x need features this device lacks",
                            (unsigned)ci->flags);
        result = VK_ERROR_VALIDATION_FAILED_EXT;
    }
    if (ci->sharingMode == VK_SHARING_MODE_CONCURRENT) {
        icd_state_violation(VUID_VkBufferCreateInfo_sharingMode_00914,
                            "vkCreateBuffer: VK_SHARING_MODE_CONCURRENT with one queue family");
        result = VK_ERROR_VALIDATION_FAILED_EXT;
    }
    if (check.external_types & ~(VkExternalMemoryHandleTypeFlags)RDMA_HANDLE) {
        icd_state_violation(VUID_VkBufferCreateInfo_pNext_00920,
                            "vkCreateBuffer: external handle types 0x%x are not supported",
                            (unsigned)(check.external_types & ~(unsigned)RDMA_HANDLE));
        result = VK_ERROR_VALIDATION_FAILED_EXT;
    }
    if ((check.external_types & RDMA_HANDLE) && !d->feature_rdma) {
        icd_state_violation("ICD-externalMemoryRDMA-not-enabled",
                            "vkCreateBuffer: VkExternalMemoryBufferCreateInfo names "
                            "VK_EXTERNAL_MEMORY_HANDLE_TYPE_RDMA_ADDRESS_BIT_NV but the device was "
                            "created without %s",
                            d->ext_rdma ? "the externalMemoryRDMA feature"
                                        : "VK_NV_external_memory_rdma");
        if (result == VK_SUCCESS) result = VK_ERROR_FEATURE_NOT_PRESENT;
    }
    if (result != VK_SUCCESS) return result;

    icd_buffer *b = calloc(1, sizeof(*b));
    if (!b) return VK_ERROR_OUT_OF_HOST_MEMORY;
    b->device = d;
    b->size = ci->size;
    b->usage = ci->usage;
    b->external_types = check.external_types;
    /* Independent of DEDICATED_ONLY, as on a real driver: a program must honour either. */
    b->requires_dedicated = check.external_types != 0 && d->physical->cfg->requires_dedicated;
    b->next = d->buffers;
    d->buffers = b;
    *pBuffer = (VkBuffer)(uintptr_t)b;
    icd_state_created(ICD_OBJECT_BUFFER);
    icd_state_flush();
    return VK_SUCCESS;
}

static VKAPI_ATTR void VKAPI_CALL icd_DestroyBuffer(VkDevice device, VkBuffer buffer,
                                                    const VkAllocationCallbacks *pAllocator) {
    static const char call[] = "vkDestroyBuffer";
    (void)pAllocator;
    icd_state_count_call(call);
    icd_device *d = icd_device_from(device, call, VUID_vkDestroyBuffer_device_parameter);
    if (!d || buffer == VK_NULL_HANDLE) return;
    for (icd_buffer **p = &d->buffers; *p; p = &(*p)->next) {
        if ((uint64_t)(uintptr_t)*p == (uint64_t)buffer) {
            icd_buffer *b = *p;
            *p = b->next;
            free(b);
            icd_state_destroyed(ICD_OBJECT_BUFFER);
            icd_state_flush();
            return;
        }
    }
    icd_invalid_parameter(VUID_vkDestroyBuffer_buffer_parameter, call,
                          "buffer is not a live VkBuffer of this device");
}

static void fill_requirements(const icd_buffer *b, VkMemoryRequirements *req) {
    const icd_device_config *c = b->device->physical->cfg;
    req->size = required_size(b);
    req->alignment = c->alignment;
    req->memoryTypeBits = c->memory_type_bits;
}

static VKAPI_ATTR void VKAPI_CALL icd_GetBufferMemoryRequirements(
    VkDevice device, VkBuffer buffer, VkMemoryRequirements *pMemoryRequirements) {
    static const char call[] = "vkGetBufferMemoryRequirements";
    icd_state_count_call(call);
    icd_device *d = icd_device_from(device, call,
                                    VUID_vkGetBufferMemoryRequirements_device_parameter);
    if (!d) return;
    icd_buffer *b = buffer_from(d, buffer);
    if (!b)
        return icd_invalid_parameter(VUID_vkGetBufferMemoryRequirements_buffer_parameter, call,
                                     "buffer is not a live VkBuffer of this device");
    if (!pMemoryRequirements)
        return icd_invalid_parameter(
            VUID_vkGetBufferMemoryRequirements_pMemoryRequirements_parameter, call,
            "pMemoryRequirements is NULL");
    fill_requirements(b, pMemoryRequirements);
}

static void fill_requirements_chain(void *context, void *structure, const icd_chain_rule *rule,
                                    bool allowed) {
    const icd_buffer *b = context;
    if (!allowed) return;
    icd_chain_clear(structure, rule);
    if (rule->stype == VK_STRUCTURE_TYPE_MEMORY_DEDICATED_REQUIREMENTS) {
        VkMemoryDedicatedRequirements *r = structure;
        r->requiresDedicatedAllocation = b->requires_dedicated ? VK_TRUE : VK_FALSE;
        r->prefersDedicatedAllocation = r->requiresDedicatedAllocation;
    }
}

static VKAPI_ATTR void VKAPI_CALL icd_GetBufferMemoryRequirements2(
    VkDevice device, const VkBufferMemoryRequirementsInfo2 *pInfo,
    VkMemoryRequirements2 *pMemoryRequirements) {
    static const char call[] = "vkGetBufferMemoryRequirements2";
    icd_state_count_call(call);
    icd_device *d = icd_device_from(device, call,
                                    VUID_vkGetBufferMemoryRequirements2_device_parameter);
    if (!d) return;
    if (!pInfo)
        return icd_invalid_parameter(VUID_vkGetBufferMemoryRequirements2_pInfo_parameter, call,
                                     "pInfo is NULL");
    if (!pMemoryRequirements)
        return icd_invalid_parameter(
            VUID_vkGetBufferMemoryRequirements2_pMemoryRequirements_parameter, call,
            "pMemoryRequirements is NULL");
    icd_check_stype(call, &icd_parent_VkBufferMemoryRequirementsInfo2, pInfo);
    icd_chain_walk(call, &icd_parent_VkBufferMemoryRequirementsInfo2, pInfo->pNext, d->api_version,
                   d->ext_flags, NULL, NULL);
    icd_check_stype(call, &icd_parent_VkMemoryRequirements2, pMemoryRequirements);
    icd_buffer *b = buffer_from(d, pInfo->buffer);
    if (!b) {
        icd_state_violation(VUID_VkBufferMemoryRequirementsInfo2_buffer_parameter,
                            "%s: buffer is not a live VkBuffer of this device", call);
        return;
    }
    fill_requirements(b, &pMemoryRequirements->memoryRequirements);
    icd_chain_walk(call, &icd_parent_VkMemoryRequirements2, pMemoryRequirements->pNext,
                   d->api_version, d->ext_flags, fill_requirements_chain, b);
}

/* ------------------------------------------------------------------ memory */

typedef struct allocate_check {
    bool has_export;
    VkExternalMemoryHandleTypeFlags export_types;
    bool has_dedicated;
    VkBuffer dedicated_buffer;
    VkImage dedicated_image;
} allocate_check;

static void check_allocate_chain(void *context, void *structure, const icd_chain_rule *rule,
                                 bool allowed) {
    allocate_check *check = context;
    if (!allowed) return;
    if (rule->stype == VK_STRUCTURE_TYPE_EXPORT_MEMORY_ALLOCATE_INFO) {
        check->has_export = true;
        check->export_types = ((const VkExportMemoryAllocateInfo *)structure)->handleTypes;
    } else if (rule->stype == VK_STRUCTURE_TYPE_MEMORY_DEDICATED_ALLOCATE_INFO) {
        const VkMemoryDedicatedAllocateInfo *info = structure;
        check->has_dedicated = true;
        check->dedicated_buffer = info->buffer;
        check->dedicated_image = info->image;
    }
}

static VKAPI_ATTR VkResult VKAPI_CALL icd_AllocateMemory(VkDevice device,
                                                         const VkMemoryAllocateInfo *pAllocateInfo,
                                                         const VkAllocationCallbacks *pAllocator,
                                                         VkDeviceMemory *pMemory) {
    static const char call[] = "vkAllocateMemory";
    (void)pAllocator;
    icd_device *d = icd_device_from(device, call, VUID_vkAllocateMemory_device_parameter);
    VkResult r = icd_state_enter(call, device_index(d));
    if (r != VK_SUCCESS) return r;
    if (!d) return VK_ERROR_INITIALIZATION_FAILED;
    if (!pAllocateInfo || !pMemory) {
        if (!pAllocateInfo)
            icd_invalid_parameter(VUID_vkAllocateMemory_pAllocateInfo_parameter, call,
                                  "pAllocateInfo is NULL");
        else
            icd_invalid_parameter(VUID_vkAllocateMemory_pMemory_parameter, call, "pMemory is NULL");
        return VK_ERROR_VALIDATION_FAILED_EXT;
    }
    const VkMemoryAllocateInfo *info = pAllocateInfo;
    const icd_device_config *c = d->physical->cfg;
    icd_check_stype(call, &icd_parent_VkMemoryAllocateInfo, info);
    allocate_check check = {0};
    icd_chain_walk(call, &icd_parent_VkMemoryAllocateInfo, info->pNext, d->api_version,
                   d->ext_flags, check_allocate_chain, &check);

    VkResult result = VK_SUCCESS;
    uint32_t type = info->memoryTypeIndex;
    bool type_valid = type < c->type_count;
    if (info->allocationSize == 0) {
        icd_state_violation(VUID_VkMemoryAllocateInfo_allocationSize_00638,
                            "vkAllocateMemory: allocationSize is 0");
        result = VK_ERROR_VALIDATION_FAILED_EXT;
    }
    if (!type_valid) {
        icd_state_violation(VUID_vkAllocateMemory_pAllocateInfo_01714,
                            "vkAllocateMemory: memoryTypeIndex %u, memoryTypeCount is %u", type,
                            c->type_count);
        result = VK_ERROR_VALIDATION_FAILED_EXT;
    }
    if (d->memory_count >= ICD_MAX_MEMORY_ALLOCATIONS) {
        icd_state_violation(VUID_vkAllocateMemory_maxMemoryAllocationCount_04101,
                            "vkAllocateMemory: %u allocations alive", d->memory_count);
        if (result == VK_SUCCESS) result = VK_ERROR_TOO_MANY_OBJECTS;
    }

    bool rdma_export = check.has_export && (check.export_types & RDMA_HANDLE);
    if (check.has_export && (check.export_types & ~(VkExternalMemoryHandleTypeFlags)RDMA_HANDLE)) {
        icd_state_violation(VUID_VkExportMemoryAllocateInfo_handleTypes_00656,
                            "vkAllocateMemory: export handle types 0x%x are not supported",
                            (unsigned)(check.export_types & ~(unsigned)RDMA_HANDLE));
        if (result == VK_SUCCESS) result = VK_ERROR_INVALID_EXTERNAL_HANDLE;
    }
    if (rdma_export) {
        if (!d->feature_rdma) {
            icd_state_violation("ICD-externalMemoryRDMA-not-enabled",
                                "vkAllocateMemory: VkExportMemoryAllocateInfo names "
                                "VK_EXTERNAL_MEMORY_HANDLE_TYPE_RDMA_ADDRESS_BIT_NV but the device "
                                "was created without %s",
                                d->ext_rdma ? "the externalMemoryRDMA feature"
                                            : "VK_NV_external_memory_rdma");
            if (result == VK_SUCCESS) result = VK_ERROR_FEATURE_NOT_PRESENT;
        } else if (!c->exportable) {
            icd_state_violation(VUID_VkExportMemoryAllocateInfo_handleTypes_00656,
                                "vkAllocateMemory: RDMA export is not EXPORTABLE on device %u",
                                d->physical->index);
            if (result == VK_SUCCESS) result = VK_ERROR_INVALID_EXTERNAL_HANDLE;
        }
        if (type_valid && !(c->types[type].flags & VK_MEMORY_PROPERTY_RDMA_CAPABLE_BIT_NV)) {
            icd_state_violation("ICD-rdma-export-needs-rdma-capable-type",
                                "vkAllocateMemory: RDMA export from memory type %u, which lacks "
                                "VK_MEMORY_PROPERTY_RDMA_CAPABLE_BIT_NV",
                                type);
            if (result == VK_SUCCESS) result = VK_ERROR_INVALID_EXTERNAL_HANDLE;
        }
        if (c->dedicated_only && !(check.has_dedicated && check.dedicated_buffer)) {
            icd_state_violation(VUID_VkMemoryAllocateInfo_pNext_00639,
                                "vkAllocateMemory: RDMA export is DEDICATED_ONLY on device %u but "
                                "no VkMemoryDedicatedAllocateInfo names a buffer",
                                d->physical->index);
            if (result == VK_SUCCESS) result = VK_ERROR_VALIDATION_FAILED_EXT;
        }
    }
    if (check.has_dedicated) {
        if (check.dedicated_image != VK_NULL_HANDLE) {
            icd_state_violation(VUID_VkMemoryDedicatedAllocateInfo_image_parameter,
                                "vkAllocateMemory: this device has no images");
            if (result == VK_SUCCESS) result = VK_ERROR_VALIDATION_FAILED_EXT;
        }
        if (check.dedicated_buffer != VK_NULL_HANDLE) {
            icd_buffer *b = buffer_from(d, check.dedicated_buffer);
            if (!b) {
                icd_state_violation(VUID_VkMemoryDedicatedAllocateInfo_buffer_parameter,
                                    "vkAllocateMemory: dedicated buffer is not a live VkBuffer");
                if (result == VK_SUCCESS) result = VK_ERROR_VALIDATION_FAILED_EXT;
            } else {
                if (info->allocationSize != required_size(b)) {
                    icd_state_violation(VUID_VkMemoryDedicatedAllocateInfo_buffer_01435,
                                        "vkAllocateMemory: allocationSize %llu, the buffer "
                                        "requires %llu",
                                        (unsigned long long)info->allocationSize,
                                        (unsigned long long)required_size(b));
                    if (result == VK_SUCCESS) result = VK_ERROR_VALIDATION_FAILED_EXT;
                }
                if (type_valid && type < 32 && !(c->memory_type_bits >> type & 1)) {
                    icd_state_violation("ICD-dedicated-memoryTypeIndex-not-in-memoryTypeBits",
                                        "vkAllocateMemory: memory type %u is not in the dedicated "
                                        "buffer's memoryTypeBits 0x%x",
                                        type, c->memory_type_bits);
                    if (result == VK_SUCCESS) result = VK_ERROR_VALIDATION_FAILED_EXT;
                }
            }
        }
    }
    if (result != VK_SUCCESS) return result;

    uint32_t heap = c->types[type].heap;
    const icd_heap_config *h = &c->heaps[heap];
    icd_state_last_allocation(d->physical->index, type, info->allocationSize,
                              check.has_export ? check.export_types : 0,
                              check.has_dedicated && check.dedicated_buffer);
    if (info->allocationSize > h->size) {
        icd_state_violation(VUID_vkAllocateMemory_pAllocateInfo_01713,
                            "vkAllocateMemory: allocationSize %llu is larger than heap %u (%llu)",
                            (unsigned long long)info->allocationSize, heap,
                            (unsigned long long)h->size);
        return VK_ERROR_OUT_OF_DEVICE_MEMORY;
    }
    /* Over the heap's budget is a real outcome, not a mistake of the caller. */
    uint64_t used = h->usage + d->physical->heap_allocated[heap];
    if (used > h->budget || info->allocationSize > h->budget - used) {
        icd_state_flush();
        return VK_ERROR_OUT_OF_DEVICE_MEMORY;
    }

    icd_memory *m = calloc(1, sizeof(*m));
    if (!m) return VK_ERROR_OUT_OF_HOST_MEMORY;
    m->device = d;
    m->size = info->allocationSize;
    m->type_index = type;
    m->heap_index = heap;
    m->export_types = check.has_export ? check.export_types : 0;
    m->dedicated_buffer = check.has_dedicated ? (uint64_t)check.dedicated_buffer : 0;
    m->next = d->memories;
    d->memories = m;
    d->memory_count++;
    d->physical->heap_allocated[heap] += m->size;
    *pMemory = (VkDeviceMemory)(uintptr_t)m;
    icd_state_created(ICD_OBJECT_MEMORY);
    icd_state_flush();
    return VK_SUCCESS;
}

static VKAPI_ATTR void VKAPI_CALL icd_FreeMemory(VkDevice device, VkDeviceMemory memory,
                                                 const VkAllocationCallbacks *pAllocator) {
    static const char call[] = "vkFreeMemory";
    (void)pAllocator;
    icd_state_count_call(call);
    icd_device *d = icd_device_from(device, call, VUID_vkFreeMemory_device_parameter);
    if (!d || memory == VK_NULL_HANDLE) return;
    for (icd_memory **p = &d->memories; *p; p = &(*p)->next) {
        if ((uint64_t)(uintptr_t)*p == (uint64_t)memory) {
            icd_memory *m = *p;
            *p = m->next;
            release_memory(m);
            icd_state_destroyed(ICD_OBJECT_MEMORY);
            icd_state_flush();
            return;
        }
    }
    icd_invalid_parameter(VUID_vkFreeMemory_memory_parameter, call,
                          "memory is not a live VkDeviceMemory of this device");
}

/* The binding rules, which vkBindBufferMemory states for its parameters and
 * vkBindBufferMemory2 for each VkBindBufferMemoryInfo. */
typedef struct bind_rules {
    const char *name; /* what the messages name */
    const char *buffer_parameter, *memory_parameter, *buffer_unbound, *offset_in_memory,
        *memory_type, *offset_aligned, *size_fits, *dedicated_memory, *dedicated_buffer,
        *export_types;
} bind_rules;

static const bind_rules bind_memory_rules = {
    .name = "vkBindBufferMemory",
    .buffer_parameter = VUID_vkBindBufferMemory_buffer_parameter,
    .memory_parameter = VUID_vkBindBufferMemory_memory_parameter,
    .buffer_unbound = VUID_vkBindBufferMemory_buffer_07459,
    .offset_in_memory = VUID_vkBindBufferMemory_memoryOffset_01031,
    .memory_type = VUID_vkBindBufferMemory_memory_01035,
    .offset_aligned = VUID_vkBindBufferMemory_memoryOffset_01036,
    .size_fits = VUID_vkBindBufferMemory_size_01037,
    .dedicated_memory = VUID_vkBindBufferMemory_memory_01508,
    .dedicated_buffer = VUID_vkBindBufferMemory_buffer_01444,
    .export_types = VUID_vkBindBufferMemory_memory_02726,
};

static const bind_rules bind_memory_info_rules = {
    .name = "VkBindBufferMemoryInfo",
    .buffer_parameter = VUID_VkBindBufferMemoryInfo_buffer_parameter,
    .memory_parameter = VUID_VkBindBufferMemoryInfo_memory_parameter,
    .buffer_unbound = VUID_VkBindBufferMemoryInfo_buffer_07459,
    .offset_in_memory = VUID_VkBindBufferMemoryInfo_memoryOffset_01031,
    .memory_type = VUID_VkBindBufferMemoryInfo_memory_01035,
    .offset_aligned = VUID_VkBindBufferMemoryInfo_memoryOffset_01036,
    .size_fits = VUID_VkBindBufferMemoryInfo_size_01037,
    .dedicated_memory = VUID_VkBindBufferMemoryInfo_memory_01508,
    .dedicated_buffer = VUID_VkBindBufferMemoryInfo_buffer_01444,
    .export_types = VUID_VkBindBufferMemoryInfo_memory_02726,
};

static VkResult bind_buffer(icd_device *d, const bind_rules *rules, VkBuffer buffer,
                            VkDeviceMemory memory, VkDeviceSize offset) {
    const char *prefix = rules->name;
    icd_buffer *b = buffer_from(d, buffer);
    icd_memory *m = memory_from(d, memory);
    if (!b)
        icd_state_violation(rules->buffer_parameter, "%s: buffer is not a live VkBuffer", prefix);
    if (!m)
        icd_state_violation(rules->memory_parameter, "%s: memory is not a live VkDeviceMemory",
                            prefix);
    if (!b || !m) return VK_ERROR_VALIDATION_FAILED_EXT;

    const icd_device_config *c = d->physical->cfg;
    bool ok = true;
    if (b->was_bound) {
        icd_state_violation(rules->buffer_unbound, "%s: the buffer is already bound to memory",
                            prefix);
        ok = false;
    }
    if (offset >= m->size) {
        icd_state_violation(rules->offset_in_memory, "%s: memoryOffset %llu, memory size %llu",
                            prefix, (unsigned long long)offset, (unsigned long long)m->size);
        ok = false;
    }
    if (m->type_index >= 32 || !(c->memory_type_bits >> m->type_index & 1)) {
        icd_state_violation(rules->memory_type,
                            "%s: memory type %u is not in the buffer's memoryTypeBits 0x%x", prefix,
                            m->type_index, c->memory_type_bits);
        ok = false;
    }
    if (offset % c->alignment != 0) {
        icd_state_violation(rules->offset_aligned,
                            "%s: memoryOffset %llu is not a multiple of %llu", prefix,
                            (unsigned long long)offset, (unsigned long long)c->alignment);
        ok = false;
    }
    if (offset < m->size && required_size(b) > m->size - offset) {
        icd_state_violation(rules->size_fits,
                            "%s: the buffer needs %llu bytes, memory has %llu after offset %llu",
                            prefix, (unsigned long long)required_size(b),
                            (unsigned long long)(m->size - offset), (unsigned long long)offset);
        ok = false;
    }
    if (m->dedicated_buffer && (m->dedicated_buffer != (uint64_t)buffer || offset != 0)) {
        icd_state_violation(rules->dedicated_memory,
                            "%s: memory is dedicated to another buffer or memoryOffset is not 0",
                            prefix);
        ok = false;
    }
    if (b->requires_dedicated && m->dedicated_buffer != (uint64_t)buffer) {
        icd_state_violation(rules->dedicated_buffer,
                            "%s: the buffer requires a dedicated allocation; memory is not "
                            "dedicated to it",
                            prefix);
        ok = false;
    }
    if (m->export_types && !(m->export_types & b->external_types)) {
        icd_state_violation(rules->export_types,
                            "%s: memory exports handle types 0x%x, the buffer was created for 0x%x",
                            prefix, (unsigned)m->export_types, (unsigned)b->external_types);
        ok = false;
    }
    if (!ok) return VK_ERROR_VALIDATION_FAILED_EXT;
    b->was_bound = true;
    b->bound = m;
    b->bound_offset = offset;
    return VK_SUCCESS;
}

static VKAPI_ATTR VkResult VKAPI_CALL icd_BindBufferMemory(VkDevice device, VkBuffer buffer,
                                                           VkDeviceMemory memory,
                                                           VkDeviceSize memoryOffset) {
    static const char call[] = "vkBindBufferMemory";
    icd_device *d = icd_device_from(device, call, VUID_vkBindBufferMemory_device_parameter);
    VkResult r = icd_state_enter(call, device_index(d));
    if (r != VK_SUCCESS) return r;
    if (!d) return VK_ERROR_INITIALIZATION_FAILED;
    return bind_buffer(d, &bind_memory_rules, buffer, memory, memoryOffset);
}

static VKAPI_ATTR VkResult VKAPI_CALL icd_BindBufferMemory2(
    VkDevice device, uint32_t bindInfoCount, const VkBindBufferMemoryInfo *pBindInfos) {
    static const char call[] = "vkBindBufferMemory2";
    icd_device *d = icd_device_from(device, call, VUID_vkBindBufferMemory2_device_parameter);
    VkResult r = icd_state_enter(call, device_index(d));
    if (r != VK_SUCCESS) return r;
    if (!d) return VK_ERROR_INITIALIZATION_FAILED;
    if (bindInfoCount == 0) {
        icd_state_violation(VUID_vkBindBufferMemory2_bindInfoCount_arraylength,
                            "vkBindBufferMemory2: bindInfoCount is 0");
        return VK_ERROR_VALIDATION_FAILED_EXT;
    }
    if (!pBindInfos) {
        icd_invalid_parameter(VUID_vkBindBufferMemory2_pBindInfos_parameter, call,
                              "pBindInfos is NULL");
        return VK_ERROR_VALIDATION_FAILED_EXT;
    }
    VkResult result = VK_SUCCESS;
    for (uint32_t i = 0; i < bindInfoCount; i++) {
        const VkBindBufferMemoryInfo *info = &pBindInfos[i];
        icd_check_stype(call, &icd_parent_VkBindBufferMemoryInfo, info);
        icd_chain_walk(call, &icd_parent_VkBindBufferMemoryInfo, info->pNext, d->api_version,
                       d->ext_flags, NULL, NULL);
        VkResult one = bind_buffer(d, &bind_memory_info_rules, info->buffer, info->memory,
                                   info->memoryOffset);
        if (result == VK_SUCCESS) result = one;
    }
    return result;
}

static VKAPI_ATTR VkResult VKAPI_CALL icd_GetMemoryRemoteAddressNV(
    VkDevice device, const VkMemoryGetRemoteAddressInfoNV *pMemoryGetRemoteAddressInfo,
    VkRemoteAddressNV *pAddress) {
    static const char call[] = "vkGetMemoryRemoteAddressNV";
    icd_device *d = icd_device_from(device, call, VUID_vkGetMemoryRemoteAddressNV_device_parameter);
    VkResult r = icd_state_enter(call, device_index(d));
    if (r != VK_SUCCESS) return r;
    if (!d) return VK_ERROR_INITIALIZATION_FAILED;
    if (!d->ext_rdma) {
        icd_state_violation("ICD-vkGetMemoryRemoteAddressNV-extension-not-enabled",
                            "vkGetMemoryRemoteAddressNV: the device was created without "
                            "VK_NV_external_memory_rdma");
        return VK_ERROR_EXTENSION_NOT_PRESENT;
    }
    const VkMemoryGetRemoteAddressInfoNV *info = pMemoryGetRemoteAddressInfo;
    if (!info || !pAddress) {
        if (!info)
            icd_invalid_parameter(
                VUID_vkGetMemoryRemoteAddressNV_pMemoryGetRemoteAddressInfo_parameter, call,
                "pMemoryGetRemoteAddressInfo is NULL");
        else
            icd_invalid_parameter(VUID_vkGetMemoryRemoteAddressNV_pAddress_parameter, call,
                                  "pAddress is NULL");
        return VK_ERROR_VALIDATION_FAILED_EXT;
    }
    icd_check_stype(call, &icd_parent_VkMemoryGetRemoteAddressInfoNV, info);
    icd_chain_walk(call, &icd_parent_VkMemoryGetRemoteAddressInfoNV, info->pNext, d->api_version,
                   d->ext_flags, NULL, NULL);
    icd_memory *m = memory_from(d, info->memory);
    if (!m) {
        icd_state_violation(VUID_VkMemoryGetRemoteAddressInfoNV_memory_parameter,
                            "vkGetMemoryRemoteAddressNV: memory is not a live VkDeviceMemory");
        return VK_ERROR_INVALID_EXTERNAL_HANDLE;
    }
    if (info->handleType != RDMA_HANDLE) {
        icd_state_violation(VUID_VkMemoryGetRemoteAddressInfoNV_handleType_04966,
                            "vkGetMemoryRemoteAddressNV: handleType 0x%x; only "
                            "VK_EXTERNAL_MEMORY_HANDLE_TYPE_RDMA_ADDRESS_BIT_NV has an address",
                            (unsigned)info->handleType);
        return VK_ERROR_INVALID_EXTERNAL_HANDLE;
    }
    if (!(m->export_types & RDMA_HANDLE)) {
        icd_state_violation(VUID_VkMemoryGetRemoteAddressInfoNV_handleType_04966,
                            "vkGetMemoryRemoteAddressNV: memory was not allocated with "
                            "VkExportMemoryAllocateInfo naming "
                            "VK_EXTERNAL_MEMORY_HANDLE_TYPE_RDMA_ADDRESS_BIT_NV");
        return VK_ERROR_INVALID_EXTERNAL_HANDLE;
    }
    *pAddress = (VkRemoteAddressNV)(uintptr_t)d->physical->cfg->remote_address;
    return VK_SUCCESS;
}

/* ------------------------------------------------------------- proc table */

static VKAPI_ATTR PFN_vkVoidFunction VKAPI_CALL icd_GetDeviceProcAddr(VkDevice device,
                                                                      const char *pName);

#define DEVICE_ENTRY(name, fn, version, extension) \
    {name, (PFN_vkVoidFunction)(fn), version, extension, true}
static const struct {
    const char *name;
    PFN_vkVoidFunction fn;
    uint32_t version;      /* core version that brings it */
    const char *extension; /* or the extension that does */
    bool device_level;     /* false: reachable from the instance only */
} device_commands[] = {
    {"vkCreateDevice", (PFN_vkVoidFunction)icd_CreateDevice, 0, NULL, false},
    DEVICE_ENTRY("vkGetDeviceProcAddr", icd_GetDeviceProcAddr, VK_API_VERSION_1_0, NULL),
    DEVICE_ENTRY("vkDestroyDevice", icd_DestroyDevice, VK_API_VERSION_1_0, NULL),
    DEVICE_ENTRY("vkDeviceWaitIdle", icd_DeviceWaitIdle, VK_API_VERSION_1_0, NULL),
    DEVICE_ENTRY("vkGetDeviceQueue", icd_GetDeviceQueue, VK_API_VERSION_1_0, NULL),
    DEVICE_ENTRY("vkGetDeviceQueue2", icd_GetDeviceQueue2, VK_API_VERSION_1_1, NULL),
    DEVICE_ENTRY("vkCreateBuffer", icd_CreateBuffer, VK_API_VERSION_1_0, NULL),
    DEVICE_ENTRY("vkDestroyBuffer", icd_DestroyBuffer, VK_API_VERSION_1_0, NULL),
    DEVICE_ENTRY("vkGetBufferMemoryRequirements", icd_GetBufferMemoryRequirements,
                 VK_API_VERSION_1_0, NULL),
    DEVICE_ENTRY("vkGetBufferMemoryRequirements2", icd_GetBufferMemoryRequirements2,
                 VK_API_VERSION_1_1, NULL),
    DEVICE_ENTRY("vkGetBufferMemoryRequirements2KHR", icd_GetBufferMemoryRequirements2, 0,
                 VK_KHR_GET_MEMORY_REQUIREMENTS_2_EXTENSION_NAME),
    DEVICE_ENTRY("vkAllocateMemory", icd_AllocateMemory, VK_API_VERSION_1_0, NULL),
    DEVICE_ENTRY("vkFreeMemory", icd_FreeMemory, VK_API_VERSION_1_0, NULL),
    DEVICE_ENTRY("vkBindBufferMemory", icd_BindBufferMemory, VK_API_VERSION_1_0, NULL),
    DEVICE_ENTRY("vkBindBufferMemory2", icd_BindBufferMemory2, VK_API_VERSION_1_1, NULL),
    DEVICE_ENTRY("vkBindBufferMemory2KHR", icd_BindBufferMemory2, 0,
                 VK_KHR_BIND_MEMORY_2_EXTENSION_NAME),
    DEVICE_ENTRY("vkGetMemoryRemoteAddressNV", icd_GetMemoryRemoteAddressNV, 0,
                 VK_NV_EXTERNAL_MEMORY_RDMA_EXTENSION_NAME),
};
#define DEVICE_COMMAND_COUNT (sizeof(device_commands) / sizeof(device_commands[0]))

PFN_vkVoidFunction icd_device_command(const char *name) {
    for (size_t i = 0; i < DEVICE_COMMAND_COUNT; i++) {
        if (strcmp(device_commands[i].name, name) == 0) return device_commands[i].fn;
    }
    return NULL;
}

PFN_vkVoidFunction icd_device_proc(icd_device *d, const char *name) {
    for (size_t i = 0; i < DEVICE_COMMAND_COUNT; i++) {
        if (strcmp(device_commands[i].name, name) != 0) continue;
        if (!device_commands[i].device_level) return NULL;
        /* As the spec says: commands of versions or extensions the device was
         * not created with are NULL. The probe relies on that. */
        if (device_commands[i].extension)
            return device_has_extension(d, device_commands[i].extension) ? device_commands[i].fn
                                                                         : NULL;
        return d->api_version >= device_commands[i].version ? device_commands[i].fn : NULL;
    }
    return NULL;
}

static VKAPI_ATTR PFN_vkVoidFunction VKAPI_CALL icd_GetDeviceProcAddr(VkDevice device,
                                                                      const char *pName) {
    if (!pName || icd_hidden(pName)) return NULL;
    icd_device *d = icd_device_from(device, "vkGetDeviceProcAddr",
                                    VUID_vkGetDeviceProcAddr_device_parameter);
    if (!d) return NULL;
    return icd_device_proc(d, pName);
}
