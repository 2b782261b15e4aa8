/*
 * The floor for rdma-probe's speed: the same Vulkan queries `rdma-probe list --json`
 * makes (instance, extensions, properties, features, memory and budget, external buffer
 * properties; no allocation), in plain C, printing a few facts per GPU.
 * Nothing can gather the same answers faster through the loader.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vulkan/vulkan.h>

static int has_extension(const VkExtensionProperties *list, uint32_t count, const char *name) {
    for (uint32_t i = 0; i < count; i++)
        if (strcmp(list[i].extensionName, name) == 0) return 1;
    return 0;
}

int main(void) {
    uint32_t loader_version = VK_API_VERSION_1_0;
    vkEnumerateInstanceVersion(&loader_version);
    VkApplicationInfo app = {
        .sType = VK_STRUCTURE_TYPE_APPLICATION_INFO,
        .pApplicationName = "vk-floor",
        .apiVersion = loader_version < VK_API_VERSION_1_3 ? loader_version : VK_API_VERSION_1_3,
    };
    VkInstanceCreateInfo create = {.sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO, .pApplicationInfo = &app};
    VkInstance instance;
    if (vkCreateInstance(&create, NULL, &instance) != VK_SUCCESS) return 3;

    uint32_t count = 0;
    vkEnumeratePhysicalDevices(instance, &count, NULL);
    VkPhysicalDevice *devices = calloc(count ? count : 1, sizeof *devices);
    vkEnumeratePhysicalDevices(instance, &count, devices);
    for (uint32_t d = 0; d < count; d++) {
        uint32_t n = 0;
        vkEnumerateDeviceExtensionProperties(devices[d], NULL, &n, NULL);
        VkExtensionProperties *ext = calloc(n ? n : 1, sizeof *ext);
        vkEnumerateDeviceExtensionProperties(devices[d], NULL, &n, ext);
        int rdma = has_extension(ext, n, "VK_NV_external_memory_rdma");
        int budget = has_extension(ext, n, "VK_EXT_memory_budget");
        int pci = has_extension(ext, n, "VK_EXT_pci_bus_info");
        int driver = has_extension(ext, n, "VK_KHR_driver_properties");

        VkPhysicalDevicePCIBusInfoPropertiesEXT pci_info = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PCI_BUS_INFO_PROPERTIES_EXT};
        VkPhysicalDeviceDriverProperties driver_props = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES,
                                                         .pNext = pci ? &pci_info : NULL};
        VkPhysicalDeviceIDProperties ids = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_ID_PROPERTIES,
                                            .pNext = driver ? (void *)&driver_props : (pci ? (void *)&pci_info : NULL)};
        VkPhysicalDeviceProperties2 props = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2, .pNext = &ids};
        vkGetPhysicalDeviceProperties2(devices[d], &props);

        VkBool32 feature = VK_FALSE;
        VkExternalMemoryFeatureFlags export_features = 0;
        if (rdma) {
            VkPhysicalDeviceExternalMemoryRDMAFeaturesNV rdma_features = {
                .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_EXTERNAL_MEMORY_RDMA_FEATURES_NV};
            VkPhysicalDeviceFeatures2 features = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2, .pNext = &rdma_features};
            vkGetPhysicalDeviceFeatures2(devices[d], &features);
            feature = rdma_features.externalMemoryRDMA;
            VkPhysicalDeviceExternalBufferInfo info = {
                .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_EXTERNAL_BUFFER_INFO,
                .usage = VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT,
                .handleType = VK_EXTERNAL_MEMORY_HANDLE_TYPE_RDMA_ADDRESS_BIT_NV};
            VkExternalBufferProperties out = {.sType = VK_STRUCTURE_TYPE_EXTERNAL_BUFFER_PROPERTIES};
            vkGetPhysicalDeviceExternalBufferProperties(devices[d], &info, &out);
            export_features = out.externalMemoryProperties.externalMemoryFeatures;
        }

        VkPhysicalDeviceMemoryBudgetPropertiesEXT budgets = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_BUDGET_PROPERTIES_EXT};
        VkPhysicalDeviceMemoryProperties2 memory = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_PROPERTIES_2,
                                                    .pNext = budget ? &budgets : NULL};
        vkGetPhysicalDeviceMemoryProperties2(devices[d], &memory);
        uint32_t rdma_types = 0;
        for (uint32_t t = 0; t < memory.memoryProperties.memoryTypeCount; t++)
            if (memory.memoryProperties.memoryTypes[t].propertyFlags & VK_MEMORY_PROPERTY_RDMA_CAPABLE_BIT_NV) rdma_types++;

        printf("{\"index\":%u,\"name\":\"%s\",\"extensions\":%u,\"rdma\":%d,\"feature\":%u,\"export\":%u,"
               "\"heaps\":%u,\"types\":%u,\"rdmaTypes\":%u}\n",
               d, props.properties.deviceName, n, rdma, feature, export_features,
               memory.memoryProperties.memoryHeapCount, memory.memoryProperties.memoryTypeCount, rdma_types);
        free(ext);
    }
    free(devices);
    vkDestroyInstance(instance, NULL);
    return 0;
}
