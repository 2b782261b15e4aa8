/*
 * rdma-probe test driver: a Vulkan ICD used only by the test suite.
 *
 * It reports GPUs described by a JSON file (RDMA_TEST_ICD_CONFIG), checks what
 * it is handed against the specification's valid-usage rules, and writes what
 * it saw (live objects, violations, calls) to RDMA_TEST_ICD_STATE.
 */
#ifndef RDMA_TEST_ICD_H
#define RDMA_TEST_ICD_H

#define VK_NO_PROTOTYPES
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <vulkan/vulkan.h>
#include <vulkan/vk_icd.h>

#include "generated/vuids.h"

#define ICD_EXPORT __attribute__((visibility("default")))
#define ICD_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#define ICD_COUNT(array) (sizeof(array) / sizeof((array)[0]))

#define ICD_MAX_DEVICES 64
#define ICD_MAX_EXTRA_EXTENSIONS 32
#define ICD_MAX_FAULTS 64
#define ICD_MAX_HIDDEN 64           /* commands the lookups may be told to hide */
#define ICD_MAX_COUNT_SEQUENCE 64   /* physicalDeviceCounts entries */
#define ICD_CALL_NAME_SIZE 64
#define ICD_MAX_MEMORY_ALLOCATIONS 4096 /* VkPhysicalDeviceLimits::maxMemoryAllocationCount */

/* ------------------------------------------------------------------ config */

typedef struct icd_heap_config {
    uint64_t size;
    uint64_t budget;
    uint64_t usage;
    uint32_t flags;
} icd_heap_config;

typedef struct icd_type_config {
    uint32_t flags;
    uint32_t heap;
} icd_type_config;

/* Misbehaviour on purpose: what a driver nobody has seen might do. Zero/false: none. */
typedef struct icd_quirks {
    uint32_t memory_type_count; /* reported instead of the real count (may exceed 32) */
    uint32_t memory_heap_count; /* reported instead of the real count (may exceed 16) */
    bool heap_index_out_of_range; /* the last memory type names heap memoryHeapCount */
    bool unterminated_strings;    /* deviceName, driverName, driverInfo and one extension
                                     name fill their 256 bytes without a NUL */
    bool duplicate_extensions;    /* the first extension is reported twice */
    bool extensions_incomplete;   /* filling calls always return VK_INCOMPLETE */
} icd_quirks;

typedef struct icd_device_config {
    char name[VK_MAX_PHYSICAL_DEVICE_NAME_SIZE];
    uint32_t vendor_id;
    uint32_t device_id;
    uint32_t device_type;
    uint32_t api_version;
    uint32_t driver_version;
    uint32_t driver_id;
    char driver_name[VK_MAX_DRIVER_NAME_SIZE];
    char driver_info[VK_MAX_DRIVER_INFO_SIZE];
    uint8_t device_uuid[VK_UUID_SIZE];
    uint8_t driver_uuid[VK_UUID_SIZE];
    uint32_t pci_domain;
    uint32_t pci_bus;
    uint32_t pci_device;
    uint32_t pci_function;
    bool ext_rdma;
    bool ext_memory_budget;
    bool ext_pci_bus_info;
    uint32_t extra_extension_count;
    char extra_extensions[ICD_MAX_EXTRA_EXTENSIONS][VK_MAX_EXTENSION_NAME_SIZE];
    bool feature_rdma;
    uint32_t heap_count;
    icd_heap_config heaps[VK_MAX_MEMORY_HEAPS];
    uint32_t type_count;
    icd_type_config types[VK_MAX_MEMORY_TYPES];
    bool exportable;
    bool importable;
    bool dedicated_only;
    bool requires_dedicated; /* VkMemoryDedicatedRequirements of RDMA export buffers */
    uint32_t memory_type_bits;
    uint64_t alignment;
    uint64_t remote_address;
    icd_quirks quirks;
} icd_device_config;

typedef struct icd_fault {
    char call[ICD_CALL_NAME_SIZE];
    VkResult result;
    int32_t device; /* -1: any call, with or without a device */
    uint32_t skip;  /* matching calls that still do their work first */
    uint32_t count; /* how many calls fail after that; 0: all of them */
} icd_fault;

typedef struct icd_config {
    uint32_t device_count;
    icd_device_config *devices;
    uint32_t fault_count;
    icd_fault faults[ICD_MAX_FAULTS];
    char *faults_fingerprint; /* faults as compact JSON, to keep counters across reloads */
    uint32_t hidden_count;    /* commands every lookup answers with NULL */
    char hidden[ICD_MAX_HIDDEN][ICD_CALL_NAME_SIZE];
    uint32_t count_sequence_length; /* physicalDeviceCounts: one per vkEnumeratePhysicalDevices */
    uint32_t count_sequence[ICD_MAX_COUNT_SEQUENCE];
} icd_config;

/* Reads the file named by RDMA_TEST_ICD_CONFIG (defaults when unset). On error
 * the messages go to icd_state_config_error and false is returned. */
bool icd_config_load(icd_config *config);
void icd_config_free(icd_config *config);
void icd_config_default_device(icd_device_config *device, uint32_t index);

/* ------------------------------------------------------------------- state */

typedef enum icd_object_kind {
    ICD_OBJECT_INSTANCE,
    ICD_OBJECT_DEVICE,
    ICD_OBJECT_BUFFER,
    ICD_OBJECT_MEMORY,
    ICD_OBJECT_KIND_COUNT
} icd_object_kind;

void icd_state_set_interface_version(uint32_t version);
void icd_state_created(icd_object_kind kind);
void icd_state_destroyed(icd_object_kind kind);
void icd_state_violation(const char *id, const char *format, ...) ICD_PRINTF(2, 3);
void icd_state_config_error(const char *format, ...) ICD_PRINTF(1, 2);
void icd_state_clear_config_errors(void);
/* Counts a call that faults cannot replace (one returning void). */
void icd_state_count_call(const char *call);
/* Counts the call and answers whether a configured fault replaces it:
 * VK_SUCCESS when the call should do its work. device is -1 when the call
 * has no device. */
VkResult icd_state_enter(const char *call, int32_t device);
void icd_state_set_faults(const icd_fault *faults, uint32_t count, const char *fingerprint);
void icd_state_last_instance(uint32_t api_version, uint32_t extension_count,
                             const char *const *extensions);
void icd_state_last_device(uint32_t device_index, uint32_t extension_count,
                           const char *const *extensions, bool feature_rdma,
                           bool feature_struct_chained, uint32_t queue_create_info_count);
void icd_state_last_allocation(uint32_t device_index, uint32_t memory_type_index,
                               uint64_t allocation_size, uint32_t export_handle_types,
                               bool dedicated);
/* Writes the state file when RDMA_TEST_ICD_STATE is set (temp file + rename). */
void icd_state_flush(void);

/* ----------------------------------------------------------------- objects */

/* Dispatchable objects start with the loader's slot, set to ICD_LOADER_MAGIC;
 * the loader later stores its dispatch table there. */

typedef struct icd_instance icd_instance;
typedef struct icd_device icd_device;

typedef struct icd_physical_device {
    VK_LOADER_DATA loader;
    icd_instance *instance;
    uint32_t index; /* position in the config's "devices" */
    const icd_device_config *cfg;
    uint64_t heap_allocated[VK_MAX_MEMORY_HEAPS]; /* live allocation bytes per heap */
} icd_physical_device;

struct icd_instance {
    VK_LOADER_DATA loader;
    icd_instance *next;
    uint32_t api_version;
    bool ext_get_physical_device_properties2;
    bool ext_external_memory_capabilities;
    icd_config config;
    uint32_t physical_count;
    uint32_t enumerate_calls; /* vkEnumeratePhysicalDevices calls, for physicalDeviceCounts */
    icd_physical_device **physical;
    icd_device *devices;
};

typedef struct icd_queue {
    VK_LOADER_DATA loader;
    icd_device *device;
} icd_queue;

typedef struct icd_memory icd_memory;

typedef struct icd_buffer {
    struct icd_buffer *next;
    icd_device *device;
    VkDeviceSize size;
    VkBufferUsageFlags usage;
    VkExternalMemoryHandleTypeFlags external_types;
    bool requires_dedicated;
    bool was_bound;
    icd_memory *bound; /* NULL once that memory is freed */
    VkDeviceSize bound_offset;
} icd_buffer;

struct icd_memory {
    icd_memory *next;
    icd_device *device;
    VkDeviceSize size;
    uint32_t type_index;
    uint32_t heap_index;
    VkExternalMemoryHandleTypeFlags export_types;
    uint64_t dedicated_buffer; /* the VkBuffer handle, compared, never dereferenced */
};

struct icd_device {
    VK_LOADER_DATA loader;
    icd_device *next;
    icd_physical_device *physical;
    uint32_t api_version; /* min(instance, physical device) */
    uint64_t enabled_extensions; /* bit i: the device's i-th extension */
    uint32_t ext_flags;          /* ICD_EXT_* of the enabled extensions */
    bool ext_rdma;
    bool feature_rdma;
    uint32_t queue_count;
    VkDeviceQueueCreateFlags queue_flags;
    icd_queue *queue;
    icd_buffer *buffers;
    icd_memory *memories;
    uint32_t memory_count;
};

/* Device extensions of a physical device, in the order they are reported (two more
 * for the unterminated and duplicate quirks). */
#define ICD_MAX_DEVICE_EXTENSIONS (3 + ICD_MAX_EXTRA_EXTENSIONS + 2)
uint32_t icd_device_extensions(const icd_device_config *cfg,
                               VkExtensionProperties out[ICD_MAX_DEVICE_EXTENSIONS]);

icd_instance *icd_instance_list(void);
/* The object behind a handle, or NULL after recording the handle parameter's rule (vuid)
 * as broken. */
icd_physical_device *icd_physical_from(VkPhysicalDevice handle, const char *call,
                                       const char *vuid);
icd_device *icd_device_from(VkDevice handle, const char *call, const char *vuid);
void icd_device_release(icd_device *device); /* frees it and whatever it still owns */

/* -------------------------------------------------------------- commands */

typedef struct icd_command {
    const char *name;
    PFN_vkVoidFunction fn;
} icd_command;
#define ICD_COMMAND(name, fn) {name, (PFN_vkVoidFunction)(fn)}
PFN_vkVoidFunction icd_find_command(const icd_command *table, size_t count, const char *name);

/* Each file's commands, for the lookups of icd_entry.c: what may be called before any
 * instance exists (instance.c), the other instance commands (instance.c), the
 * physical-device commands (physical_device.c), the device commands (device.c). */
PFN_vkVoidFunction icd_global_command(const char *name);
PFN_vkVoidFunction icd_instance_command(const char *name);
PFN_vkVoidFunction icd_physical_device_command(const char *name);
PFN_vkVoidFunction icd_device_command(const char *name);
/* What vkGetDeviceProcAddr answers for a device: NULL for the commands of versions and
 * extensions it was not created with. */
PFN_vkVoidFunction icd_device_proc(icd_device *device, const char *name);

/* Whether the config's "hiddenCommands" names this command: every lookup
 * (vk_icdGetInstanceProcAddr, vk_icdGetPhysicalDeviceProcAddr, vkGetDeviceProcAddr)
 * then answers NULL for it. */
bool icd_hidden(const char *name);
void icd_set_hidden(const icd_config *config);

/* ------------------------------------------------------------ parameters */

/* Records a parameter of `call` that breaks its rule (a VUID_...-parameter), `what` saying
 * how: "pCreateInfo is NULL". */
void icd_invalid_parameter(const char *vuid, const char *call, const char *what);
/* The two-call enumeration idiom: a NULL array asks for the count; a short array gets
 * what fits and VK_INCOMPLETE. count_vuid: the rule of the count parameter. */
VkResult icd_copy_out(const char *call, const char *count_vuid, uint32_t *count, void *out,
                      const void *items, uint32_t item_count, size_t item_size);

/* ------------------------------------------------------------ pNext chains */

enum {
    ICD_EXT_RDMA = 1u << 0,
    ICD_EXT_MEMORY_BUDGET = 1u << 1,
    ICD_EXT_PCI_BUS_INFO = 1u << 2,
    ICD_EXT_ALWAYS = 1u << 3, /* structures the loader or layers add */
};

/* A structure that may extend another (or, for the loader's link structures, that the
 * loader puts in a chain). */
typedef struct icd_chain_rule {
    const char *name;
    VkStructureType stype;
    size_t size;
    uint32_t version;           /* core version that brings it, 0 if none */
    uint32_t extension;         /* ICD_EXT_* that brings it, 0 if none */
    const char *extension_name; /* that extension, for messages */
    uint32_t bool_count;        /* feature structures: VkBool32 members after pNext */
    bool allow_duplicate;       /* may appear more than once in one chain */
} icd_chain_rule;

/* A structure the driver is handed: its sType, what may extend it, and the VUIDs of the
 * rules about both (generated/chain_rules.c has one for each, from the registry). */
typedef struct icd_chain_parent {
    const char *name;
    VkStructureType stype;
    const char *stype_vuid;
    const char *pnext_vuid;
    const char *unique_vuid; /* NULL when nothing may extend it */
    const icd_chain_rule *rules;
    size_t count;
} icd_chain_parent;

#include "generated/chain_rules.h"

/* allowed: whether the version and extensions make the structure valid here. */
typedef void (*icd_chain_visit)(void *context, void *structure, const icd_chain_rule *rule,
                                bool allowed);

/* Walks a pNext chain: records a violation for each structure that may not
 * appear there (unknown, repeated, or from a version or extension that is not
 * available) and hands every known one to visit. */
void icd_chain_walk(const char *call, const icd_chain_parent *parent, const void *first,
                    uint32_t version, uint32_t extensions, icd_chain_visit visit, void *context);

/* Zeroes what follows sType and pNext, so output structures hold no stale data. */
void icd_chain_clear(void *structure, const icd_chain_rule *rule);

/* A structure's sType, checked against its VUID-...-sType-sType rule. */
void icd_check_stype(const char *call, const icd_chain_parent *parent, const void *structure);

#endif
