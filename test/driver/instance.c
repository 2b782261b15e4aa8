/*
 * Instances of the test driver: the global commands (vkCreateInstance and what may be
 * called before it), vkDestroyInstance and vkEnumeratePhysicalDevices. The physical
 * devices are made with their instance, from the config read at vkCreateInstance.
 */
#include "icd.h"

#include <stdlib.h>
#include <string.h>

#define ICD_API_VERSION VK_MAKE_API_VERSION(0, 1, 3, 239)

static icd_instance *instances;

icd_instance *icd_instance_list(void) { return instances; }

static icd_instance *instance_from(VkInstance handle, const char *call, const char *vuid) {
    for (icd_instance *i = instances; i; i = i->next) {
        if ((VkInstance)i == handle) return i;
    }
    icd_invalid_parameter(vuid, call, "instance is not a live VkInstance of this driver");
    return NULL;
}

/* ------------------------------------------------------------------ global */

static const VkExtensionProperties instance_extensions[] = {
    {VK_KHR_GET_PHYSICAL_DEVICE_PROPERTIES_2_EXTENSION_NAME,
     VK_KHR_GET_PHYSICAL_DEVICE_PROPERTIES_2_SPEC_VERSION},
    {VK_KHR_EXTERNAL_MEMORY_CAPABILITIES_EXTENSION_NAME,
     VK_KHR_EXTERNAL_MEMORY_CAPABILITIES_SPEC_VERSION},
};
#define INSTANCE_EXTENSION_COUNT (sizeof(instance_extensions) / sizeof(instance_extensions[0]))

static VKAPI_ATTR VkResult VKAPI_CALL icd_EnumerateInstanceExtensionProperties(
    const char *pLayerName, uint32_t *pPropertyCount, VkExtensionProperties *pProperties) {
    VkResult r = icd_state_enter("vkEnumerateInstanceExtensionProperties", -1);
    if (r != VK_SUCCESS) return r;
    if (pLayerName) return VK_ERROR_LAYER_NOT_PRESENT;
    return icd_copy_out("vkEnumerateInstanceExtensionProperties",
                        VUID_vkEnumerateInstanceExtensionProperties_pPropertyCount_parameter,
                        pPropertyCount, pProperties, instance_extensions, INSTANCE_EXTENSION_COUNT,
                        sizeof(instance_extensions[0]));
}

static VKAPI_ATTR VkResult VKAPI_CALL icd_EnumerateInstanceVersion(uint32_t *pApiVersion) {
    VkResult r = icd_state_enter("vkEnumerateInstanceVersion", -1);
    if (r != VK_SUCCESS) return r;
    if (!pApiVersion) {
        icd_invalid_parameter(VUID_vkEnumerateInstanceVersion_pApiVersion_parameter,
                              "vkEnumerateInstanceVersion", "pApiVersion is NULL");
        return VK_ERROR_INITIALIZATION_FAILED;
    }
    *pApiVersion = ICD_API_VERSION;
    return VK_SUCCESS;
}

static void free_instance(icd_instance *inst) {
    while (inst->devices) {
        icd_device *d = inst->devices;
        inst->devices = d->next;
        icd_device_release(d);
    }
    for (uint32_t i = 0; i < inst->physical_count; i++) free(inst->physical[i]);
    free(inst->physical);
    icd_config_free(&inst->config);
    free(inst);
}

static VKAPI_ATTR VkResult VKAPI_CALL icd_CreateInstance(const VkInstanceCreateInfo *pCreateInfo,
                                                         const VkAllocationCallbacks *pAllocator,
                                                         VkInstance *pInstance) {
    static const char call[] = "vkCreateInstance";
    (void)pAllocator;
    icd_config config;
    /* The file is read for every instance, so a test can change it between
     * instances of one process. */
    if (!icd_config_load(&config)) {
        icd_state_count_call(call);
        icd_state_flush();
        return VK_ERROR_INITIALIZATION_FAILED;
    }
    icd_state_set_faults(config.faults, config.fault_count, config.faults_fingerprint);
    icd_set_hidden(&config);
    VkResult r = icd_state_enter(call, -1);
    if (r != VK_SUCCESS) {
        icd_config_free(&config);
        return r;
    }
    if (!pCreateInfo || !pInstance) {
        if (!pCreateInfo)
            icd_invalid_parameter(VUID_vkCreateInstance_pCreateInfo_parameter, call,
                                  "pCreateInfo is NULL");
        else
            icd_invalid_parameter(VUID_vkCreateInstance_pInstance_parameter, call,
                                  "pInstance is NULL");
        icd_config_free(&config);
        return VK_ERROR_INITIALIZATION_FAILED;
    }
    icd_check_stype(call, &icd_parent_VkInstanceCreateInfo, pCreateInfo);
    icd_chain_walk(call, &icd_parent_VkInstanceCreateInfo, pCreateInfo->pNext, 0, 0, NULL, NULL);

    uint32_t api_version = VK_API_VERSION_1_0;
    if (pCreateInfo->pApplicationInfo && pCreateInfo->pApplicationInfo->apiVersion != 0)
        api_version = pCreateInfo->pApplicationInfo->apiVersion;

    bool gpdp2 = false, emc = false;
    r = VK_SUCCESS;
    if (pCreateInfo->enabledExtensionCount && !pCreateInfo->ppEnabledExtensionNames) {
        icd_invalid_parameter(VUID_VkInstanceCreateInfo_ppEnabledExtensionNames_parameter, call,
                              "ppEnabledExtensionNames is NULL");
        r = VK_ERROR_INITIALIZATION_FAILED;
    }
    for (uint32_t i = 0; r == VK_SUCCESS && i < pCreateInfo->enabledExtensionCount; i++) {
        const char *name = pCreateInfo->ppEnabledExtensionNames[i];
        if (name && strcmp(name, VK_KHR_GET_PHYSICAL_DEVICE_PROPERTIES_2_EXTENSION_NAME) == 0) {
            gpdp2 = true;
        } else if (name && strcmp(name, VK_KHR_EXTERNAL_MEMORY_CAPABILITIES_EXTENSION_NAME) == 0) {
            emc = true;
        } else {
            icd_state_violation("ICD-vkCreateInstance-extension-not-present",
                                "instance extension %s is not supported", name ? name : "(NULL)");
            r = VK_ERROR_EXTENSION_NOT_PRESENT;
        }
    }
    icd_state_last_instance(api_version, r == VK_SUCCESS ? pCreateInfo->enabledExtensionCount : 0,
                            pCreateInfo->ppEnabledExtensionNames);
    if (r != VK_SUCCESS) {
        icd_config_free(&config);
        icd_state_flush();
        return r;
    }

    icd_instance *inst = calloc(1, sizeof(*inst));
    if (!inst) {
        icd_config_free(&config);
        return VK_ERROR_OUT_OF_HOST_MEMORY;
    }
    set_loader_magic_value(inst);
    inst->api_version = api_version;
    inst->ext_get_physical_device_properties2 = gpdp2;
    inst->ext_external_memory_capabilities = emc;
    inst->config = config;
    inst->physical_count = config.device_count;
    inst->physical = calloc(config.device_count ? config.device_count : 1, sizeof(*inst->physical));
    bool ok = inst->physical != NULL;
    for (uint32_t i = 0; ok && i < config.device_count; i++) {
        icd_physical_device *pd = calloc(1, sizeof(*pd));
        if (!pd) {
            inst->physical_count = i;
            ok = false;
            break;
        }
        set_loader_magic_value(pd);
        pd->instance = inst;
        pd->index = i;
        pd->cfg = &inst->config.devices[i];
        inst->physical[i] = pd;
    }
    if (!ok) {
        if (!inst->physical) inst->physical_count = 0;
        free_instance(inst);
        return VK_ERROR_OUT_OF_HOST_MEMORY;
    }
    inst->next = instances;
    instances = inst;
    *pInstance = (VkInstance)inst;
    icd_state_created(ICD_OBJECT_INSTANCE);
    icd_state_flush();
    return VK_SUCCESS;
}

static VKAPI_ATTR void VKAPI_CALL icd_DestroyInstance(VkInstance instance,
                                                      const VkAllocationCallbacks *pAllocator) {
    static const char call[] = "vkDestroyInstance";
    (void)pAllocator;
    icd_state_count_call(call);
    if (instance == VK_NULL_HANDLE) return;
    icd_instance *inst = instance_from(instance, call, VUID_vkDestroyInstance_instance_parameter);
    if (!inst) return;
    uint32_t live = 0;
    for (icd_device *d = inst->devices; d; d = d->next) live++;
    if (live) {
        icd_state_violation(VUID_vkDestroyInstance_instance_00629,
                            "vkDestroyInstance: %u VkDevice(s) of this instance still alive", live);
    }
    for (icd_instance **p = &instances; *p; p = &(*p)->next) {
        if (*p == inst) {
            *p = inst->next;
            break;
        }
    }
    free_instance(inst);
    icd_state_destroyed(ICD_OBJECT_INSTANCE);
    icd_state_flush();
}

static VKAPI_ATTR VkResult VKAPI_CALL icd_EnumeratePhysicalDevices(
    VkInstance instance, uint32_t *pPhysicalDeviceCount, VkPhysicalDevice *pPhysicalDevices) {
    static const char call[] = "vkEnumeratePhysicalDevices";
    VkResult r = icd_state_enter(call, -1);
    if (r != VK_SUCCESS) return r;
    icd_instance *inst = instance_from(instance, call,
                                       VUID_vkEnumeratePhysicalDevices_instance_parameter);
    if (!inst) return VK_ERROR_INITIALIZATION_FAILED;
    /* physicalDeviceCounts: a GPU count that changes from one call to the next. */
    uint32_t count = inst->physical_count;
    const icd_config *c = &inst->config;
    if (c->count_sequence_length) {
        uint32_t wanted = c->count_sequence[inst->enumerate_calls++ % c->count_sequence_length];
        if (wanted < count) count = wanted;
    }
    return icd_copy_out(call, VUID_vkEnumeratePhysicalDevices_pPhysicalDeviceCount_parameter,
                        pPhysicalDeviceCount, pPhysicalDevices, inst->physical, count,
                        sizeof(VkPhysicalDevice));
}

/* ----------------------------------------------------------- proc tables */

static const icd_command global_commands[] = {
    ICD_COMMAND("vkCreateInstance", icd_CreateInstance),
    ICD_COMMAND("vkEnumerateInstanceExtensionProperties", icd_EnumerateInstanceExtensionProperties),
    ICD_COMMAND("vkEnumerateInstanceVersion", icd_EnumerateInstanceVersion),
};

static const icd_command instance_commands[] = {
    ICD_COMMAND("vkDestroyInstance", icd_DestroyInstance),
    ICD_COMMAND("vkEnumeratePhysicalDevices", icd_EnumeratePhysicalDevices),
};

PFN_vkVoidFunction icd_global_command(const char *name) {
    return icd_find_command(global_commands, ICD_COUNT(global_commands), name);
}

PFN_vkVoidFunction icd_instance_command(const char *name) {
    return icd_find_command(instance_commands, ICD_COUNT(instance_commands), name);
}
