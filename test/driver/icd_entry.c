/*
 * The loader interface of the test driver: interface negotiation and the lookups the
 * loader calls (vk_icdGetInstanceProcAddr, vk_icdGetPhysicalDeviceProcAddr), which answer
 * from the command tables of instance.c, physical_device.c and device.c.
 */
#include "icd.h"

#include <string.h>

#define MIN_INTERFACE_VERSION 2
#define MAX_INTERFACE_VERSION 5

/* ------------------------------------------------------------ hidden commands */

/* Process-wide, because the loader asks for global commands before any instance
 * exists; read from the config on the first lookup, again at each vkCreateInstance. */
static struct {
    bool loaded;
    uint32_t count;
    char names[ICD_MAX_HIDDEN][ICD_CALL_NAME_SIZE];
} hidden;

void icd_set_hidden(const icd_config *config) {
    hidden.loaded = true;
    hidden.count = config->hidden_count;
    memcpy(hidden.names, config->hidden, sizeof(hidden.names));
}

bool icd_hidden(const char *name) {
    if (!hidden.loaded) {
        icd_config config;
        /* A config error is reported again, and fails, at vkCreateInstance. */
        if (icd_config_load(&config)) {
            icd_set_hidden(&config);
            icd_config_free(&config);
        }
        hidden.loaded = true;
    }
    for (uint32_t i = 0; i < hidden.count; i++) {
        if (strcmp(hidden.names[i], name) == 0) return true;
    }
    return false;
}

/* ------------------------------------------------------------ loader entry */

ICD_EXPORT VKAPI_ATTR VkResult VKAPI_CALL
vk_icdNegotiateLoaderICDInterfaceVersion(uint32_t *pVersion);
ICD_EXPORT VKAPI_ATTR PFN_vkVoidFunction VKAPI_CALL vk_icdGetInstanceProcAddr(VkInstance instance,
                                                                              const char *pName);
ICD_EXPORT VKAPI_ATTR PFN_vkVoidFunction VKAPI_CALL
vk_icdGetPhysicalDeviceProcAddr(VkInstance instance, const char *pName);

VKAPI_ATTR VkResult VKAPI_CALL vk_icdNegotiateLoaderICDInterfaceVersion(uint32_t *pVersion) {
    if (!pVersion) return VK_ERROR_INITIALIZATION_FAILED;
    /* Interface 5 is the newest this driver needs: it takes any apiVersion. */
    if (*pVersion < MIN_INTERFACE_VERSION) return VK_ERROR_INCOMPATIBLE_DRIVER;
    if (*pVersion > MAX_INTERFACE_VERSION) *pVersion = MAX_INTERFACE_VERSION;
    icd_state_set_interface_version(*pVersion);
    return VK_SUCCESS;
}

/* ----------------------------------------------------------- proc tables */

PFN_vkVoidFunction icd_find_command(const icd_command *table, size_t count, const char *name) {
    for (size_t i = 0; i < count; i++) {
        if (strcmp(table[i].name, name) == 0) return table[i].fn;
    }
    return NULL;
}

/* The loader's own entry points, answered like global commands. */
static const icd_command entry_commands[] = {
    ICD_COMMAND("vkGetInstanceProcAddr", vk_icdGetInstanceProcAddr),
    ICD_COMMAND("vk_icdNegotiateLoaderICDInterfaceVersion",
                vk_icdNegotiateLoaderICDInterfaceVersion),
    ICD_COMMAND("vk_icdGetInstanceProcAddr", vk_icdGetInstanceProcAddr),
    ICD_COMMAND("vk_icdGetPhysicalDeviceProcAddr", vk_icdGetPhysicalDeviceProcAddr),
};

VKAPI_ATTR PFN_vkVoidFunction VKAPI_CALL vk_icdGetInstanceProcAddr(VkInstance instance,
                                                                   const char *pName) {
    if (!pName || icd_hidden(pName)) return NULL;
    PFN_vkVoidFunction fn = icd_find_command(entry_commands, ICD_COUNT(entry_commands), pName);
    if (!fn) fn = icd_global_command(pName);
    if (fn || instance == VK_NULL_HANDLE) return fn;
    fn = icd_instance_command(pName);
    if (!fn) fn = icd_physical_device_command(pName);
    /* Device commands are reachable through the instance too (the loader
     * builds its device dispatch from here before a device exists). */
    if (!fn) fn = icd_device_command(pName);
    return fn;
}

VKAPI_ATTR PFN_vkVoidFunction VKAPI_CALL vk_icdGetPhysicalDeviceProcAddr(VkInstance instance,
                                                                         const char *pName) {
    (void)instance;
    if (!pName || icd_hidden(pName)) return NULL;
    return icd_physical_device_command(pName);
}
