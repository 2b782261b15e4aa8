/*
 * Exercises the test driver through the real Vulkan loader: the whole
 * VK_NV_external_memory_rdma flow (queries, device with the extension and
 * feature, exported buffer and memory, remote address, teardown), with
 * switches that bend one step at a time so tests can see each of the
 * driver's checks fire. Prints one JSON object on stdout.
 *
 *   rdma_test_exercise [--device N] [--api 1.0|1.1|1.2|1.3] [--no-ext] [--no-feature]
 *       [--feature-false] [--extra-ext NAME] [--no-queue] [--no-external-info] [--no-export]
 *       [--dedicated|--no-dedicated] [--type N] [--size N] [--alloc-size N] [--bind-offset N]
 *       [--bind2] [--requirements1] [--remote-handle-type N] [--ignore-budget]
 *       [--leak-buffer] [--leak-memory] [--leak-device] [--leak-instance]
 *       [--bogus-chain] [--pci-chain] [--budget-chain] [--chain-twice] [--queries-only]
 *       [--messenger] [--repeat N] [--direct LIBRARY [--abuse]]
 *
 * --direct loads the driver library itself (no loader, no layers), negotiates the
 * interface and calls it through vk_icdGetInstanceProcAddr: that reaches the driver's
 * own checks for mistakes the loader would catch first. --abuse (with --direct) then
 * feeds it NULL pointers, stale handles and looping chains: it must record them, not crash.
 */
#define VK_NO_PROTOTYPES
#include <cjson/cJSON.h>
#include <dlfcn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vulkan/vulkan.h>
#include <vulkan/vk_icd.h>

#include "vk_result_names.h"

/* The loader's entry point (linked); every other command is looked up. */
VKAPI_ATTR PFN_vkVoidFunction VKAPI_CALL vkGetInstanceProcAddr(VkInstance instance,
                                                               const char *pName);

static PFN_vkGetInstanceProcAddr get_instance_proc_addr = vkGetInstanceProcAddr;

#define INSTANCE_COMMANDS(X)                       \
    X(vkDestroyInstance)                           \
    X(vkEnumeratePhysicalDevices)                  \
    X(vkEnumerateDeviceExtensionProperties)        \
    X(vkGetPhysicalDeviceProperties2)              \
    X(vkGetPhysicalDeviceFeatures2)                \
    X(vkGetPhysicalDeviceMemoryProperties2)        \
    X(vkGetPhysicalDeviceExternalBufferProperties) \
    X(vkCreateDevice)                              \
    X(vkGetDeviceProcAddr)
#define DEVICE_COMMANDS(X)           \
    X(vkDestroyDevice)               \
    X(vkDeviceWaitIdle)              \
    X(vkGetDeviceQueue)              \
    X(vkCreateBuffer)                \
    X(vkDestroyBuffer)               \
    X(vkGetBufferMemoryRequirements) \
    X(vkAllocateMemory)              \
    X(vkFreeMemory)                  \
    X(vkBindBufferMemory)
/* Vulkan 1.1 commands: NULL from a 1.0 device, and the flow copes. */
#define OPTIONAL_DEVICE_COMMANDS(X)   \
    X(vkGetBufferMemoryRequirements2) \
    X(vkBindBufferMemory2)

#define DECLARE(name) static PFN_##name name;
static PFN_vkCreateInstance vkCreateInstance;
INSTANCE_COMMANDS(DECLARE)
DEVICE_COMMANDS(DECLARE)
OPTIONAL_DEVICE_COMMANDS(DECLARE)
#undef DECLARE

/* Looks up the instance's commands; the name of the first one missing, or NULL. */
static const char *load_instance(VkInstance instance) {
#define LOAD(name)                                              \
    name = (PFN_##name)get_instance_proc_addr(instance, #name); \
    if (!name) return #name;
    INSTANCE_COMMANDS(LOAD)
#undef LOAD
    return NULL;
}

static const char *load_device(VkDevice device) {
#define LOAD(name)                                         \
    name = (PFN_##name)vkGetDeviceProcAddr(device, #name); \
    if (!name) return #name;
    DEVICE_COMMANDS(LOAD)
#undef LOAD
#define LOAD_OPTIONAL(name) name = (PFN_##name)vkGetDeviceProcAddr(device, #name);
    OPTIONAL_DEVICE_COMMANDS(LOAD_OPTIONAL)
#undef LOAD_OPTIONAL
    return NULL;
}

/* Stands in for the loader: open the driver, negotiate, use its vk_icdGetInstanceProcAddr. */
static const char *load_driver(const char *library) {
    void *handle = dlopen(library, RTLD_NOW | RTLD_LOCAL);
    if (!handle) return "dlopen";
    PFN_vk_icdNegotiateLoaderICDInterfaceVersion negotiate =
        (PFN_vk_icdNegotiateLoaderICDInterfaceVersion)dlsym(
            handle, "vk_icdNegotiateLoaderICDInterfaceVersion");
    PFN_vk_icdGetInstanceProcAddr gipa =
        (PFN_vk_icdGetInstanceProcAddr)dlsym(handle, "vk_icdGetInstanceProcAddr");
    uint32_t version = 5;
    if (!negotiate || !gipa || negotiate(&version) != VK_SUCCESS || version != 5)
        return "vk_icdNegotiateLoaderICDInterfaceVersion";
    get_instance_proc_addr = gipa;
    return NULL;
}

#define RDMA_HANDLE VK_EXTERNAL_MEMORY_HANDLE_TYPE_RDMA_ADDRESS_BIT_NV

typedef struct options {
    uint32_t device;
    uint32_t api_version;
    bool no_ext, no_feature, feature_false, no_queue, no_external_info, no_export;
    bool force_dedicated, no_dedicated, bind2, requirements1, ignore_budget;
    bool leak_buffer, leak_memory, leak_device, leak_instance;
    bool bogus_chain, pci_chain, budget_chain, queries_only, messenger, abuse, chain_twice;
    const char *extra_ext;
    const char *direct;
    long long type;
    unsigned long long size, alloc_size, bind_offset;
    bool has_alloc_size;
    unsigned long long remote_handle_type;
    unsigned repeat;
} options;

static cJSON *steps, *messages;

static const char *result_name(VkResult r) {
    for (size_t i = 0; i < sizeof(vk_result_names) / sizeof(vk_result_names[0]); i++) {
        if (vk_result_names[i].value == r) return vk_result_names[i].name;
    }
    return "UNKNOWN_VkResult";
}

/* Records the step; true when it succeeded. */
static bool step(const char *call, VkResult r) {
    cJSON *s = cJSON_CreateObject();
    cJSON_AddStringToObject(s, "call", call);
    cJSON_AddStringToObject(s, "result", result_name(r));
    cJSON_AddNumberToObject(s, "code", r);
    cJSON_AddItemToArray(steps, s);
    return r == VK_SUCCESS;
}

static void hex(char *out, const uint8_t *bytes, size_t n) {
    for (size_t i = 0; i < n; i++) sprintf(out + 2 * i, "%02x", bytes[i]);
}

static VKAPI_ATTR VkBool32 VKAPI_CALL on_message(
    VkDebugUtilsMessageSeverityFlagBitsEXT severity, VkDebugUtilsMessageTypeFlagsEXT types,
    const VkDebugUtilsMessengerCallbackDataEXT *data, void *user) {
    (void)types, (void)user;
    cJSON *m = cJSON_CreateObject();
    const char *level = severity >= VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT     ? "error"
                        : severity >= VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT ? "warning"
                        : severity >= VK_DEBUG_UTILS_MESSAGE_SEVERITY_INFO_BIT_EXT    ? "info"
                                                                                      : "verbose";
    cJSON_AddStringToObject(m, "severity", level);
    cJSON_AddStringToObject(m, "id", data && data->pMessageIdName ? data->pMessageIdName : "");
    cJSON_AddStringToObject(m, "message", data && data->pMessage ? data->pMessage : "");
    cJSON_AddItemToArray(messages, m);
    return VK_FALSE;
}

static bool has_extension(const VkExtensionProperties *list, uint32_t n, const char *name) {
    for (uint32_t i = 0; i < n; i++)
        if (strncmp(list[i].extensionName, name, VK_MAX_EXTENSION_NAME_SIZE) == 0) return true;
    return false;
}

/* A driver's char[size] as a JSON string, read no further than the array (a driver
 * with the unterminatedStrings quirk fills it to the last byte). */
static cJSON *fixed_string(const char *text, size_t size) {
    char copy[VK_MAX_DESCRIPTION_SIZE + 1];
    size_t n = strnlen(text, size < VK_MAX_DESCRIPTION_SIZE ? size : VK_MAX_DESCRIPTION_SIZE);
    memcpy(copy, text, n);
    copy[n] = '\0';
    return cJSON_CreateString(copy);
}

/* Steps 1-6 for one physical device: what the probe reads. */
static cJSON *query_device(VkPhysicalDevice pd, const options *o) {
    cJSON *dev = cJSON_CreateObject();
    uint32_t ext_count = 0;
    VkResult r = vkEnumerateDeviceExtensionProperties(pd, NULL, &ext_count, NULL);
    VkExtensionProperties *exts = calloc(ext_count ? ext_count : 1, sizeof(*exts));
    if (r == VK_SUCCESS) r = vkEnumerateDeviceExtensionProperties(pd, NULL, &ext_count, exts);
    step("vkEnumerateDeviceExtensionProperties", r);
    if (r != VK_SUCCESS) ext_count = 0;
    cJSON *names = cJSON_AddArrayToObject(dev, "extensions");
    for (uint32_t i = 0; i < ext_count; i++)
        cJSON_AddItemToArray(names, fixed_string(exts[i].extensionName, VK_MAX_EXTENSION_NAME_SIZE));
    bool rdma = has_extension(exts, ext_count, VK_NV_EXTERNAL_MEMORY_RDMA_EXTENSION_NAME);
    bool budget = has_extension(exts, ext_count, VK_EXT_MEMORY_BUDGET_EXTENSION_NAME);
    bool pci = has_extension(exts, ext_count, VK_EXT_PCI_BUS_INFO_EXTENSION_NAME);
    free(exts);

    /* Properties. Unknown sType 0x7fff0000 for --bogus-chain. */
    VkPhysicalDevicePCIBusInfoPropertiesEXT pci_info = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PCI_BUS_INFO_PROPERTIES_EXT};
    VkBaseOutStructure bogus = {.sType = (VkStructureType)0x7fff0000};
    VkPhysicalDeviceDriverProperties driver = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES};
    VkPhysicalDeviceIDProperties id = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_ID_PROPERTIES,
                                       .pNext = &driver};
    VkPhysicalDeviceProperties2 props = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2,
                                         .pNext = &id};
    void **tail = &driver.pNext;
    if (pci || o->pci_chain) {
        *tail = &pci_info;
        tail = &pci_info.pNext;
    }
    if (o->bogus_chain) *tail = &bogus;
    vkGetPhysicalDeviceProperties2(pd, &props);
    char uuid[33];
    cJSON_AddItemToObject(dev, "name",
                          fixed_string(props.properties.deviceName, VK_MAX_PHYSICAL_DEVICE_NAME_SIZE));
    cJSON_AddNumberToObject(dev, "vendorID", props.properties.vendorID);
    cJSON_AddNumberToObject(dev, "deviceID", props.properties.deviceID);
    cJSON_AddNumberToObject(dev, "driverVersion", props.properties.driverVersion);
    hex(uuid, id.deviceUUID, VK_UUID_SIZE);
    cJSON_AddStringToObject(dev, "deviceUUID", uuid);
    hex(uuid, id.driverUUID, VK_UUID_SIZE);
    cJSON_AddStringToObject(dev, "driverUUID", uuid);
    cJSON_AddItemToObject(dev, "driverName", fixed_string(driver.driverName, VK_MAX_DRIVER_NAME_SIZE));
    cJSON_AddItemToObject(dev, "driverInfo", fixed_string(driver.driverInfo, VK_MAX_DRIVER_INFO_SIZE));
    if (pci || o->pci_chain) {
        char bus[32];
        snprintf(bus, sizeof(bus), "%04x:%02x:%02x.%x", pci_info.pciDomain, pci_info.pciBus,
                 pci_info.pciDevice, pci_info.pciFunction);
        cJSON_AddStringToObject(dev, "pci", bus);
    }

    VkPhysicalDeviceExternalMemoryRDMAFeaturesNV rdma_features = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_EXTERNAL_MEMORY_RDMA_FEATURES_NV};
    VkPhysicalDeviceFeatures2 features = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2,
                                          .pNext = rdma ? &rdma_features : NULL};
    vkGetPhysicalDeviceFeatures2(pd, &features);
    cJSON_AddBoolToObject(dev, "externalMemoryRDMA", rdma_features.externalMemoryRDMA);

    VkPhysicalDeviceMemoryBudgetPropertiesEXT budgets = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_BUDGET_PROPERTIES_EXT};
    VkPhysicalDeviceMemoryProperties2 memory = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_PROPERTIES_2,
        .pNext = budget || o->budget_chain ? &budgets : NULL};
    vkGetPhysicalDeviceMemoryProperties2(pd, &memory);
    const VkPhysicalDeviceMemoryProperties *mp = &memory.memoryProperties;
    /* The counts as reported, which a driver with quirks sets past the arrays. */
    cJSON_AddNumberToObject(dev, "memoryTypeCount", mp->memoryTypeCount);
    cJSON_AddNumberToObject(dev, "memoryHeapCount", mp->memoryHeapCount);
    cJSON *heaps = cJSON_AddArrayToObject(dev, "heaps");
    for (uint32_t i = 0; i < mp->memoryHeapCount && i < VK_MAX_MEMORY_HEAPS; i++) {
        cJSON *h = cJSON_CreateObject();
        cJSON_AddNumberToObject(h, "size", (double)mp->memoryHeaps[i].size);
        cJSON_AddNumberToObject(h, "flags", mp->memoryHeaps[i].flags);
        if (budget) {
            cJSON_AddNumberToObject(h, "budget", (double)budgets.heapBudget[i]);
            cJSON_AddNumberToObject(h, "usage", (double)budgets.heapUsage[i]);
        }
        cJSON_AddItemToArray(heaps, h);
    }
    cJSON *types = cJSON_AddArrayToObject(dev, "types");
    for (uint32_t i = 0; i < mp->memoryTypeCount && i < VK_MAX_MEMORY_TYPES; i++) {
        cJSON *t = cJSON_CreateObject();
        cJSON_AddNumberToObject(t, "flags", mp->memoryTypes[i].propertyFlags);
        cJSON_AddNumberToObject(t, "heap", mp->memoryTypes[i].heapIndex);
        cJSON_AddItemToArray(types, t);
    }

    VkPhysicalDeviceExternalBufferInfo info = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_EXTERNAL_BUFFER_INFO,
        .usage = VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT,
        .handleType = RDMA_HANDLE};
    VkExternalBufferProperties external = {.sType = VK_STRUCTURE_TYPE_EXTERNAL_BUFFER_PROPERTIES};
    vkGetPhysicalDeviceExternalBufferProperties(pd, &info, &external);
    VkExternalMemoryFeatureFlags f = external.externalMemoryProperties.externalMemoryFeatures;
    cJSON_AddBoolToObject(dev, "exportable", (f & VK_EXTERNAL_MEMORY_FEATURE_EXPORTABLE_BIT) != 0);
    cJSON_AddBoolToObject(dev, "dedicatedOnly",
                          (f & VK_EXTERNAL_MEMORY_FEATURE_DEDICATED_ONLY_BIT) != 0);
    cJSON_AddNumberToObject(dev, "compatibleHandleTypes",
                            external.externalMemoryProperties.compatibleHandleTypes);
    return dev;
}

typedef struct run {
    VkInstance instance;
    VkDebugUtilsMessengerEXT messenger;
    VkDevice device;
    VkBuffer buffer;
    VkDeviceMemory memory;
} run;

static const char *allocation_flow(VkPhysicalDevice pd, const options *o, run *rr, cJSON *report) {
    VkPhysicalDeviceMemoryBudgetPropertiesEXT budgets = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_BUDGET_PROPERTIES_EXT};
    VkPhysicalDeviceMemoryProperties2 memory = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_PROPERTIES_2};
    uint32_t ext_count = 0;
    vkEnumerateDeviceExtensionProperties(pd, NULL, &ext_count, NULL);
    VkExtensionProperties *exts = calloc(ext_count ? ext_count : 1, sizeof(*exts));
    vkEnumerateDeviceExtensionProperties(pd, NULL, &ext_count, exts);
    bool has_budget = has_extension(exts, ext_count, VK_EXT_MEMORY_BUDGET_EXTENSION_NAME);
    free(exts);
    if (has_budget) memory.pNext = &budgets;
    vkGetPhysicalDeviceMemoryProperties2(pd, &memory);

    VkPhysicalDeviceExternalBufferInfo info = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_EXTERNAL_BUFFER_INFO,
        .usage = VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT,
        .handleType = RDMA_HANDLE};
    VkExternalBufferProperties external = {.sType = VK_STRUCTURE_TYPE_EXTERNAL_BUFFER_PROPERTIES};
    vkGetPhysicalDeviceExternalBufferProperties(pd, &info, &external);
    bool dedicated_only = (external.externalMemoryProperties.externalMemoryFeatures &
                           VK_EXTERNAL_MEMORY_FEATURE_DEDICATED_ONLY_BIT) != 0;

    /* Device with the extension and the feature. */
    float priority = 1.0f;
    VkDeviceQueueCreateInfo queue = {.sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO,
                                     .queueFamilyIndex = 0,
                                     .queueCount = 1,
                                     .pQueuePriorities = &priority};
    VkPhysicalDeviceExternalMemoryRDMAFeaturesNV rdma_features = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_EXTERNAL_MEMORY_RDMA_FEATURES_NV,
        .externalMemoryRDMA = o->feature_false ? VK_FALSE : VK_TRUE};
    const char *ext_names[2];
    uint32_t ext_n = 0;
    if (!o->no_ext) ext_names[ext_n++] = VK_NV_EXTERNAL_MEMORY_RDMA_EXTENSION_NAME;
    if (o->extra_ext) ext_names[ext_n++] = o->extra_ext;
    VkDeviceCreateInfo dci = {.sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO,
                              .pNext = o->no_feature ? NULL : &rdma_features,
                              .queueCreateInfoCount = o->no_queue ? 0 : 1,
                              .pQueueCreateInfos = o->no_queue ? NULL : &queue,
                              .enabledExtensionCount = ext_n,
                              .ppEnabledExtensionNames = ext_n ? ext_names : NULL};
    /* --chain-twice: two of a structure that may appear twice (VkDevicePrivateDataCreateInfo)
     * ahead of two of one that may not (the RDMA features). */
    VkPhysicalDeviceExternalMemoryRDMAFeaturesNV rdma_again = rdma_features;
    VkDevicePrivateDataCreateInfo private_data[2];
    if (o->chain_twice) {
        for (int i = 0; i < 2; i++) {
            private_data[i] = (VkDevicePrivateDataCreateInfo){
                .sType = VK_STRUCTURE_TYPE_DEVICE_PRIVATE_DATA_CREATE_INFO,
                .pNext = i == 0 ? (void *)&private_data[1] : (void *)&rdma_features,
                .privateDataSlotRequestCount = 1};
        }
        rdma_features.pNext = &rdma_again;
        dci.pNext = &private_data[0];
    }
    if (!step("vkCreateDevice", vkCreateDevice(pd, &dci, NULL, &rr->device))) {
        rr->device = VK_NULL_HANDLE;
        return "vkCreateDevice";
    }
    const char *missing = load_device(rr->device);
    if (missing) return missing;

    if (!o->no_queue) {
        VkQueue q = VK_NULL_HANDLE;
        vkGetDeviceQueue(rr->device, 0, 0, &q);
        cJSON_AddBoolToObject(report, "queue", q != VK_NULL_HANDLE);
    }
    PFN_vkGetMemoryRemoteAddressNV get_remote_address =
        (PFN_vkGetMemoryRemoteAddressNV)vkGetDeviceProcAddr(rr->device,
                                                            "vkGetMemoryRemoteAddressNV");
    cJSON_AddBoolToObject(report, "getMemoryRemoteAddressNV", get_remote_address != NULL);

    /* Exported buffer. */
    VkExternalMemoryBufferCreateInfo external_info = {
        .sType = VK_STRUCTURE_TYPE_EXTERNAL_MEMORY_BUFFER_CREATE_INFO, .handleTypes = RDMA_HANDLE};
    VkBufferCreateInfo bci = {.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO,
                              .pNext = o->no_external_info ? NULL : &external_info,
                              .size = o->size,
                              .usage = VK_BUFFER_USAGE_TRANSFER_SRC_BIT |
                                       VK_BUFFER_USAGE_TRANSFER_DST_BIT,
                              .sharingMode = VK_SHARING_MODE_EXCLUSIVE};
    if (!step("vkCreateBuffer", vkCreateBuffer(rr->device, &bci, NULL, &rr->buffer))) {
        rr->buffer = VK_NULL_HANDLE;
        return "vkCreateBuffer";
    }

    VkMemoryDedicatedRequirements dedicated_req = {
        .sType = VK_STRUCTURE_TYPE_MEMORY_DEDICATED_REQUIREMENTS};
    VkMemoryRequirements2 req = {.sType = VK_STRUCTURE_TYPE_MEMORY_REQUIREMENTS_2,
                                 .pNext = &dedicated_req};
    if (o->requirements1 || !vkGetBufferMemoryRequirements2) {
        vkGetBufferMemoryRequirements(rr->device, rr->buffer, &req.memoryRequirements);
    } else {
        VkBufferMemoryRequirementsInfo2 req_info = {
            .sType = VK_STRUCTURE_TYPE_BUFFER_MEMORY_REQUIREMENTS_INFO_2, .buffer = rr->buffer};
        vkGetBufferMemoryRequirements2(rr->device, &req_info, &req);
    }
    cJSON_AddNumberToObject(report, "requirementsSize", (double)req.memoryRequirements.size);
    cJSON_AddNumberToObject(report, "requirementsAlignment",
                            (double)req.memoryRequirements.alignment);
    cJSON_AddNumberToObject(report, "memoryTypeBits", req.memoryRequirements.memoryTypeBits);
    cJSON_AddBoolToObject(report, "requiresDedicatedAllocation",
                          dedicated_req.requiresDedicatedAllocation);

    /* An RDMA-capable type allowed for the buffer; then its own heap's budget. */
    const VkPhysicalDeviceMemoryProperties *mp = &memory.memoryProperties;
    long long type = -1;
    if (o->type >= 0) {
        type = o->type;
    } else {
        for (uint32_t i = 0; i < mp->memoryTypeCount && i < 32; i++) {
            if ((req.memoryRequirements.memoryTypeBits >> i & 1) &&
                (mp->memoryTypes[i].propertyFlags & VK_MEMORY_PROPERTY_RDMA_CAPABLE_BIT_NV)) {
                type = i;
                break;
            }
        }
    }
    if (type < 0) return "no RDMA-capable memory type";
    cJSON_AddNumberToObject(report, "memoryTypeIndex", (double)type);
    VkDeviceSize size = o->has_alloc_size ? o->alloc_size : req.memoryRequirements.size;
    if (has_budget && !o->ignore_budget && type < mp->memoryTypeCount) {
        uint32_t heap = mp->memoryTypes[type].heapIndex;
        VkDeviceSize budget = budgets.heapBudget[heap], usage = budgets.heapUsage[heap];
        if (usage > budget || size > budget - usage) return "over budget";
    }

    VkMemoryDedicatedAllocateInfo dedicated = {
        .sType = VK_STRUCTURE_TYPE_MEMORY_DEDICATED_ALLOCATE_INFO, .buffer = rr->buffer};
    VkExportMemoryAllocateInfo export_info = {
        .sType = VK_STRUCTURE_TYPE_EXPORT_MEMORY_ALLOCATE_INFO, .handleTypes = RDMA_HANDLE};
    bool use_dedicated = !o->no_dedicated && (o->force_dedicated || dedicated_only ||
                                              dedicated_req.requiresDedicatedAllocation);
    const void *chain = NULL;
    if (use_dedicated) {
        dedicated.pNext = chain;
        chain = &dedicated;
    }
    if (!o->no_export) {
        export_info.pNext = chain;
        chain = &export_info;
    }
    cJSON_AddBoolToObject(report, "dedicated", use_dedicated);
    VkMemoryAllocateInfo mai = {.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO,
                                .pNext = chain,
                                .allocationSize = size,
                                .memoryTypeIndex = (uint32_t)type};
    if (!step("vkAllocateMemory", vkAllocateMemory(rr->device, &mai, NULL, &rr->memory))) {
        rr->memory = VK_NULL_HANDLE;
        return "vkAllocateMemory";
    }

    VkResult r;
    if (o->bind2) {
        if (!vkBindBufferMemory2) return "vkBindBufferMemory2 unavailable";
        VkBindBufferMemoryInfo bind = {.sType = VK_STRUCTURE_TYPE_BIND_BUFFER_MEMORY_INFO,
                                       .buffer = rr->buffer,
                                       .memory = rr->memory,
                                       .memoryOffset = o->bind_offset};
        r = vkBindBufferMemory2(rr->device, 1, &bind);
        if (!step("vkBindBufferMemory2", r)) return "vkBindBufferMemory2";
    } else {
        r = vkBindBufferMemory(rr->device, rr->buffer, rr->memory, o->bind_offset);
        if (!step("vkBindBufferMemory", r)) return "vkBindBufferMemory";
    }

    if (!get_remote_address) return "vkGetMemoryRemoteAddressNV unavailable";
    VkMemoryGetRemoteAddressInfoNV remote_info = {
        .sType = VK_STRUCTURE_TYPE_MEMORY_GET_REMOTE_ADDRESS_INFO_NV,
        .memory = rr->memory,
        .handleType = (VkExternalMemoryHandleTypeFlagBits)o->remote_handle_type};
    VkRemoteAddressNV address = NULL;
    if (!step("vkGetMemoryRemoteAddressNV", get_remote_address(rr->device, &remote_info, &address)))
        return "vkGetMemoryRemoteAddressNV";
    char text[32];
    snprintf(text, sizeof(text), "0x%llx", (unsigned long long)(uintptr_t)address);
    cJSON_AddStringToObject(report, "remoteAddress", text);
    return NULL;
}

/* Mistakes the loader would stop or crash on; the driver must record each and go on.
 * Everything is cleaned up correctly afterwards, so only the violations remain. */
static void abuse(VkPhysicalDevice pd, run *rr) {
    uint32_t count = 0;
    step("vkEnumeratePhysicalDevices(pCount NULL)",
         vkEnumeratePhysicalDevices(rr->instance, NULL, NULL));
    step("vkEnumeratePhysicalDevices(stale instance)",
         vkEnumeratePhysicalDevices((VkInstance)(uintptr_t)0x1000, &count, NULL));
    vkGetPhysicalDeviceProperties2(pd, NULL);
    vkGetPhysicalDeviceProperties2((VkPhysicalDevice)(uintptr_t)0x2000, NULL);

    VkPhysicalDeviceIDProperties looped = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_ID_PROPERTIES};
    looped.pNext = &looped;
    VkPhysicalDeviceProperties2 props = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2,
                                         .pNext = &looped};
    vkGetPhysicalDeviceProperties2(pd, &props);

    VkPhysicalDeviceExternalBufferInfo bad_info = {.handleType = 0x3};
    VkExternalBufferProperties bad_props = {0};
    vkGetPhysicalDeviceExternalBufferProperties(pd, &bad_info, &bad_props);
    vkGetPhysicalDeviceExternalBufferProperties(pd, NULL, NULL);
    step("vkCreateDevice(NULL)", vkCreateDevice(pd, NULL, NULL, NULL));

    float priority = 1.0f;
    VkDeviceQueueCreateInfo queue = {.sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO,
                                     .queueCount = 1,
                                     .pQueuePriorities = &priority};
    VkDeviceCreateInfo dci = {.sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO,
                              .queueCreateInfoCount = 1,
                              .pQueueCreateInfos = &queue};
    if (!step("vkCreateDevice", vkCreateDevice(pd, &dci, NULL, &rr->device))) {
        rr->device = VK_NULL_HANDLE;
        return;
    }
    if (load_device(rr->device)) return;
    VkDevice d = rr->device;
    step("vkCreateBuffer(NULL)", vkCreateBuffer(d, NULL, NULL, NULL));
    vkDestroyBuffer(d, (VkBuffer)(uintptr_t)0x3000, NULL);
    vkFreeMemory(d, (VkDeviceMemory)(uintptr_t)0x4000, NULL);
    VkMemoryRequirements req;
    vkGetBufferMemoryRequirements(d, (VkBuffer)(uintptr_t)0x3000, &req);
    step("vkBindBufferMemory(stale)",
         vkBindBufferMemory(d, (VkBuffer)(uintptr_t)0x3000, (VkDeviceMemory)(uintptr_t)0x4000, 0));
    if (vkBindBufferMemory2) step("vkBindBufferMemory2(NULL)", vkBindBufferMemory2(d, 1, NULL));
    VkQueue q;
    vkGetDeviceQueue(d, 7, 0, &q);
    vkGetDeviceQueue(d, 0, 0, NULL);
    VkMemoryAllocateInfo mai = {.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO,
                                .allocationSize = 0,
                                .memoryTypeIndex = 99};
    VkDeviceMemory m = VK_NULL_HANDLE;
    step("vkAllocateMemory(bad)", vkAllocateMemory(d, &mai, NULL, &m));
    VkBufferCreateInfo bci = {.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
    VkBuffer b = VK_NULL_HANDLE;
    step("vkCreateBuffer(bad)", vkCreateBuffer(d, &bci, NULL, &b));
}

static void teardown(run *rr, const options *o) {
    if (rr->device) {
        if (!o->leak_buffer && rr->buffer && vkDestroyBuffer)
            vkDestroyBuffer(rr->device, rr->buffer, NULL);
        if (!o->leak_memory && rr->memory && vkFreeMemory)
            vkFreeMemory(rr->device, rr->memory, NULL);
        if (!o->leak_device && vkDeviceWaitIdle)
            step("vkDeviceWaitIdle", vkDeviceWaitIdle(rr->device));
        if (!o->leak_device && vkDestroyDevice) vkDestroyDevice(rr->device, NULL);
    }
    if (rr->messenger) {
        PFN_vkDestroyDebugUtilsMessengerEXT destroy =
            (PFN_vkDestroyDebugUtilsMessengerEXT)get_instance_proc_addr(
                rr->instance, "vkDestroyDebugUtilsMessengerEXT");
        if (destroy) destroy(rr->instance, rr->messenger, NULL);
    }
    if (rr->instance && !o->leak_instance && vkDestroyInstance)
        vkDestroyInstance(rr->instance, NULL);
}

static cJSON *run_once(const options *o) {
    cJSON *report = cJSON_CreateObject();
    run rr = {0};
    const char *failed = NULL;

    VkApplicationInfo app = {.sType = VK_STRUCTURE_TYPE_APPLICATION_INFO,
                             .pApplicationName = "rdma-test-exercise",
                             .apiVersion = o->api_version};
    VkDebugUtilsMessengerCreateInfoEXT messenger_info = {
        .sType = VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT,
        .messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT |
                           VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT,
        .messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT |
                       VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
                       VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT,
        .pfnUserCallback = on_message};
    const char *instance_exts[] = {VK_EXT_DEBUG_UTILS_EXTENSION_NAME};
    VkInstanceCreateInfo ici = {.sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO,
                                .pNext = o->messenger ? &messenger_info : NULL,
                                .pApplicationInfo = &app,
                                .enabledExtensionCount = o->messenger ? 1 : 0,
                                .ppEnabledExtensionNames = o->messenger ? instance_exts : NULL};
    if (!step("vkCreateInstance", vkCreateInstance(&ici, NULL, &rr.instance))) {
        rr.instance = VK_NULL_HANDLE;
        failed = "vkCreateInstance";
        goto done;
    }
    failed = load_instance(rr.instance);
    if (failed) goto done;
    if (o->messenger) {
        PFN_vkCreateDebugUtilsMessengerEXT create =
            (PFN_vkCreateDebugUtilsMessengerEXT)get_instance_proc_addr(
                rr.instance, "vkCreateDebugUtilsMessengerEXT");
        if (!create || !step("vkCreateDebugUtilsMessengerEXT",
                             create(rr.instance, &messenger_info, NULL, &rr.messenger))) {
            failed = "vkCreateDebugUtilsMessengerEXT";
            goto done;
        }
    }

    uint32_t count = 0;
    VkResult r = vkEnumeratePhysicalDevices(rr.instance, &count, NULL);
    VkPhysicalDevice *pds = calloc(count ? count : 1, sizeof(*pds));
    if (r == VK_SUCCESS) r = vkEnumeratePhysicalDevices(rr.instance, &count, pds);
    if (!step("vkEnumeratePhysicalDevices", r)) {
        free(pds);
        failed = "vkEnumeratePhysicalDevices";
        goto done;
    }
    cJSON *devices = cJSON_AddArrayToObject(report, "devices");
    for (uint32_t i = 0; i < count; i++) cJSON_AddItemToArray(devices, query_device(pds[i], o));
    if (o->queries_only || (o->abuse && count == 0)) {
        free(pds);
        goto done;
    }
    if (o->abuse) {
        abuse(pds[0], &rr);
        free(pds);
        goto done;
    }
    if (o->device >= count) {
        free(pds);
        failed = "no such device";
        goto done;
    }
    failed = allocation_flow(pds[o->device], o, &rr, report);
    free(pds);

done:
    teardown(&rr, o);
    cJSON_AddStringToObject(report, "outcome", failed ? failed : "ok");
    return report;
}

static unsigned long long number(const char *text) { return strtoull(text, NULL, 0); }

static uint32_t parse_version(const char *text) {
    unsigned major = 1, minor = 0;
    sscanf(text, "%u.%u", &major, &minor);
    return VK_MAKE_API_VERSION(0, major, minor, 0);
}

int main(int argc, char **argv) {
    options o = {.api_version = VK_API_VERSION_1_3,
                 .type = -1,
                 .size = 1 << 20,
                 .remote_handle_type = RDMA_HANDLE,
                 .repeat = 1};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define FLAG(name, field)       \
    if (strcmp(a, name) == 0) { \
        o.field = true;         \
        continue;               \
    }
#define VALUE(name, code)            \
    if (strcmp(a, name) == 0 && v) { \
        code;                        \
        i++;                         \
        continue;                    \
    }
        FLAG("--no-ext", no_ext)
        FLAG("--no-feature", no_feature)
        FLAG("--feature-false", feature_false)
        FLAG("--no-queue", no_queue)
        FLAG("--no-external-info", no_external_info)
        FLAG("--no-export", no_export)
        FLAG("--dedicated", force_dedicated)
        FLAG("--no-dedicated", no_dedicated)
        FLAG("--bind2", bind2)
        FLAG("--requirements1", requirements1)
        FLAG("--ignore-budget", ignore_budget)
        FLAG("--leak-buffer", leak_buffer)
        FLAG("--leak-memory", leak_memory)
        FLAG("--leak-device", leak_device)
        FLAG("--leak-instance", leak_instance)
        FLAG("--bogus-chain", bogus_chain)
        FLAG("--pci-chain", pci_chain)
        FLAG("--budget-chain", budget_chain)
        FLAG("--queries-only", queries_only)
        FLAG("--abuse", abuse)
        FLAG("--chain-twice", chain_twice)
        FLAG("--messenger", messenger)
        VALUE("--device", o.device = (uint32_t)number(v))
        VALUE("--extra-ext", o.extra_ext = v)
        VALUE("--direct", o.direct = v)
        VALUE("--type", o.type = (long long)number(v))
        VALUE("--size", o.size = number(v))
        VALUE("--alloc-size", (o.alloc_size = number(v), o.has_alloc_size = true))
        VALUE("--bind-offset", o.bind_offset = number(v))
        VALUE("--remote-handle-type", o.remote_handle_type = number(v))
        VALUE("--repeat", o.repeat = (unsigned)number(v))
        VALUE("--api", o.api_version = parse_version(v))
#undef FLAG
#undef VALUE
        fprintf(stderr, "rdma_test_exercise: unknown argument %s\n", a);
        return 2;
    }

    if (o.direct ? o.messenger : o.abuse) {
        fprintf(stderr,
                "rdma_test_exercise: --messenger needs the loader, --abuse needs --direct\n");
        return 2;
    }
    const char *failed = o.direct ? load_driver(o.direct) : NULL;
    vkCreateInstance = (PFN_vkCreateInstance)get_instance_proc_addr(NULL, "vkCreateInstance");
    if (failed || !vkCreateInstance) {
        fprintf(stderr, "rdma_test_exercise: cannot load %s: %s\n",
                o.direct ? o.direct : "the loader", failed ? failed : "vkCreateInstance");
        return 2;
    }

    cJSON *out = cJSON_CreateObject();
    cJSON *runs = cJSON_AddArrayToObject(out, "runs");
    for (unsigned n = 0; n < o.repeat; n++) {
        steps = cJSON_CreateArray();
        messages = cJSON_CreateArray();
        cJSON *report = run_once(&o);
        cJSON_AddItemToObject(report, "steps", steps);
        cJSON_AddItemToObject(report, "messages", messages);
        cJSON_AddItemToArray(runs, report);
    }
    char *text = cJSON_Print(out);
    printf("%s\n", text);
    cJSON_free(text);
    cJSON_Delete(out);
    return 0;
}
