/*
 * What the test driver saw, kept per process and written as JSON to the file
 * named by RDMA_TEST_ICD_STATE, so a test can read it after the process that
 * used the driver has exited.
 */
#include "icd.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_MESSAGES 512
#define MAX_CALL_NAMES 128
#define MAX_FIRED 256
#define MAX_NAMES 64

typedef struct name_list {
    uint32_t count;
    char names[MAX_NAMES][VK_MAX_EXTENSION_NAME_SIZE];
} name_list;

typedef struct message_list {
    uint32_t count;
    uint64_t dropped;
    char *items[MAX_MESSAGES];
} message_list;

static struct {
    uint32_t interface_version;
    uint64_t live[ICD_OBJECT_KIND_COUNT];
    uint64_t created[ICD_OBJECT_KIND_COUNT];
    message_list violations;
    message_list config_errors;

    uint32_t call_count;
    struct {
        char name[ICD_CALL_NAME_SIZE];
        uint64_t count;
    } calls[MAX_CALL_NAMES];

    uint32_t fault_count;
    icd_fault faults[ICD_MAX_FAULTS];
    uint32_t fault_matches[ICD_MAX_FAULTS];
    char *faults_fingerprint;
    uint32_t fired_count;
    struct {
        char call[ICD_CALL_NAME_SIZE];
        int32_t device;
        VkResult result;
    } fired[MAX_FIRED];

    bool has_instance;
    uint32_t instance_api_version;
    name_list instance_extensions;

    bool has_device;
    uint32_t device_index;
    name_list device_extensions;
    bool device_feature_rdma;
    bool device_feature_struct;
    uint32_t device_queue_create_infos;

    bool has_allocation;
    uint32_t allocation_device;
    uint32_t allocation_type;
    uint64_t allocation_size;
    uint32_t allocation_export_types;
    bool allocation_dedicated;
} g;

static const char *const kind_names[ICD_OBJECT_KIND_COUNT] = {"instances", "devices", "buffers",
                                                               "memory"};

static void message_add(message_list *list, const char *text) {
    if (list->count >= MAX_MESSAGES) {
        list->dropped++;
        return;
    }
    char *copy = strdup(text);
    if (copy)
        list->items[list->count++] = copy;
    else
        list->dropped++;
}

static void message_clear(message_list *list) {
    for (uint32_t i = 0; i < list->count; i++) free(list->items[i]);
    list->count = 0;
    list->dropped = 0;
}

static void names_set(name_list *list, uint32_t count, const char *const *names) {
    list->count = 0;
    for (uint32_t i = 0; i < count && list->count < MAX_NAMES; i++) {
        if (!names[i]) continue;
        snprintf(list->names[list->count++], VK_MAX_EXTENSION_NAME_SIZE, "%s", names[i]);
    }
}

void icd_state_set_interface_version(uint32_t version) { g.interface_version = version; }

void icd_state_created(icd_object_kind kind) {
    g.live[kind]++;
    g.created[kind]++;
}

void icd_state_destroyed(icd_object_kind kind) {
    if (g.live[kind] > 0) g.live[kind]--;
}

void icd_state_violation(const char *id, const char *format, ...) {
    char text[1024];
    int n = snprintf(text, sizeof(text), "%s: ", id);
    if (n < 0 || (size_t)n >= sizeof(text)) n = 0;
    va_list args;
    va_start(args, format);
    vsnprintf(text + n, sizeof(text) - (size_t)n, format, args);
    va_end(args);
    message_add(&g.violations, text);
    icd_state_flush();
}

void icd_state_config_error(const char *format, ...) {
    char text[512];
    va_list args;
    va_start(args, format);
    vsnprintf(text, sizeof(text), format, args);
    va_end(args);
    fprintf(stderr, "rdma-test-icd: config: %s\n", text);
    message_add(&g.config_errors, text);
}

void icd_state_clear_config_errors(void) { message_clear(&g.config_errors); }

void icd_state_count_call(const char *call) {
    for (uint32_t i = 0; i < g.call_count; i++) {
        if (strcmp(g.calls[i].name, call) == 0) {
            g.calls[i].count++;
            return;
        }
    }
    if (g.call_count < MAX_CALL_NAMES) {
        snprintf(g.calls[g.call_count].name, ICD_CALL_NAME_SIZE, "%s", call);
        g.calls[g.call_count].count = 1;
        g.call_count++;
    }
}

VkResult icd_state_enter(const char *call, int32_t device) {
    icd_state_count_call(call);
    VkResult result = VK_SUCCESS;
    for (uint32_t i = 0; i < g.fault_count; i++) {
        const icd_fault *f = &g.faults[i];
        if (strcmp(f->call, call) != 0) continue;
        if (f->device >= 0 && f->device != device) continue;
        uint32_t seen = g.fault_matches[i]++;
        if (result != VK_SUCCESS || seen < f->skip) continue;
        if (f->count != 0 && seen - f->skip >= f->count) continue;
        result = f->result;
    }
    if (result != VK_SUCCESS) {
        if (g.fired_count < MAX_FIRED) {
            snprintf(g.fired[g.fired_count].call, ICD_CALL_NAME_SIZE, "%s", call);
            g.fired[g.fired_count].device = device;
            g.fired[g.fired_count].result = result;
            g.fired_count++;
        }
        icd_state_flush();
    }
    return result;
}

void icd_state_set_faults(const icd_fault *faults, uint32_t count, const char *fingerprint) {
    const char *new_print = fingerprint ? fingerprint : "";
    const char *old_print = g.faults_fingerprint ? g.faults_fingerprint : "";
    /* The same list read again (each vkCreateInstance reads the file) keeps
     * its counters, so "skip" counts calls across instances of one process. */
    if (strcmp(new_print, old_print) == 0 && count == g.fault_count) return;
    free(g.faults_fingerprint);
    g.faults_fingerprint = strdup(new_print);
    g.fault_count = count <= ICD_MAX_FAULTS ? count : ICD_MAX_FAULTS;
    memcpy(g.faults, faults, g.fault_count * sizeof(*faults));
    memset(g.fault_matches, 0, sizeof(g.fault_matches));
}

void icd_state_last_instance(uint32_t api_version, uint32_t extension_count,
                             const char *const *extensions) {
    g.has_instance = true;
    g.instance_api_version = api_version;
    names_set(&g.instance_extensions, extension_count, extensions);
}

void icd_state_last_device(uint32_t device_index, uint32_t extension_count,
                           const char *const *extensions, bool feature_rdma,
                           bool feature_struct_chained, uint32_t queue_create_info_count) {
    g.has_device = true;
    g.device_index = device_index;
    names_set(&g.device_extensions, extension_count, extensions);
    g.device_feature_rdma = feature_rdma;
    g.device_feature_struct = feature_struct_chained;
    g.device_queue_create_infos = queue_create_info_count;
}

void icd_state_last_allocation(uint32_t device_index, uint32_t memory_type_index,
                               uint64_t allocation_size, uint32_t export_handle_types,
                               bool dedicated) {
    g.has_allocation = true;
    g.allocation_device = device_index;
    g.allocation_type = memory_type_index;
    g.allocation_size = allocation_size;
    g.allocation_export_types = export_handle_types;
    g.allocation_dedicated = dedicated;
}

/* ------------------------------------------------------------------ output */

static cJSON *names_json(const name_list *list) {
    cJSON *arr = cJSON_CreateArray();
    for (uint32_t i = 0; i < list->count; i++)
        cJSON_AddItemToArray(arr, cJSON_CreateString(list->names[i]));
    return arr;
}

static cJSON *messages_json(const message_list *list) {
    cJSON *arr = cJSON_CreateArray();
    for (uint32_t i = 0; i < list->count; i++)
        cJSON_AddItemToArray(arr, cJSON_CreateString(list->items[i]));
    return arr;
}

static void add_version(cJSON *obj, const char *key, uint32_t version) {
    char text[32];
    snprintf(text, sizeof(text), "%u.%u.%u", VK_API_VERSION_MAJOR(version),
             VK_API_VERSION_MINOR(version), VK_API_VERSION_PATCH(version));
    cJSON_AddStringToObject(obj, key, text);
}

static cJSON *state_json(void) {
    cJSON *root = cJSON_CreateObject();
    cJSON_AddNumberToObject(root, "pid", (double)getpid());
    cJSON_AddNumberToObject(root, "interfaceVersion", g.interface_version);
    cJSON *live = cJSON_AddObjectToObject(root, "live");
    cJSON *created = cJSON_AddObjectToObject(root, "created");
    for (int k = 0; k < ICD_OBJECT_KIND_COUNT; k++) {
        cJSON_AddNumberToObject(live, kind_names[k], (double)g.live[k]);
        cJSON_AddNumberToObject(created, kind_names[k], (double)g.created[k]);
    }
    cJSON_AddItemToObject(root, "violations", messages_json(&g.violations));
    cJSON_AddNumberToObject(root, "violationsDropped", (double)g.violations.dropped);
    cJSON_AddItemToObject(root, "configErrors", messages_json(&g.config_errors));

    cJSON *calls = cJSON_AddObjectToObject(root, "calls");
    for (uint32_t i = 0; i < g.call_count; i++)
        cJSON_AddNumberToObject(calls, g.calls[i].name, (double)g.calls[i].count);

    cJSON *fired = cJSON_AddArrayToObject(root, "faultsInjected");
    for (uint32_t i = 0; i < g.fired_count; i++) {
        cJSON *f = cJSON_CreateObject();
        cJSON_AddStringToObject(f, "call", g.fired[i].call);
        if (g.fired[i].device >= 0)
            cJSON_AddNumberToObject(f, "device", g.fired[i].device);
        else
            cJSON_AddNullToObject(f, "device");
        cJSON_AddNumberToObject(f, "result", g.fired[i].result);
        cJSON_AddItemToArray(fired, f);
    }

    if (g.has_instance) {
        cJSON *inst = cJSON_AddObjectToObject(root, "lastInstance");
        add_version(inst, "apiVersion", g.instance_api_version);
        cJSON_AddItemToObject(inst, "extensions", names_json(&g.instance_extensions));
    } else {
        cJSON_AddNullToObject(root, "lastInstance");
    }
    if (g.has_device) {
        cJSON *dev = cJSON_AddObjectToObject(root, "lastDevice");
        cJSON_AddNumberToObject(dev, "device", g.device_index);
        cJSON_AddItemToObject(dev, "extensions", names_json(&g.device_extensions));
        cJSON_AddBoolToObject(dev, "externalMemoryRDMA", g.device_feature_rdma);
        cJSON_AddBoolToObject(dev, "rdmaFeaturesChained", g.device_feature_struct);
        cJSON_AddNumberToObject(dev, "queueCreateInfoCount", g.device_queue_create_infos);
    } else {
        cJSON_AddNullToObject(root, "lastDevice");
    }
    if (g.has_allocation) {
        cJSON *alloc = cJSON_AddObjectToObject(root, "lastAllocation");
        cJSON_AddNumberToObject(alloc, "device", g.allocation_device);
        cJSON_AddNumberToObject(alloc, "memoryTypeIndex", g.allocation_type);
        cJSON_AddNumberToObject(alloc, "allocationSize", (double)g.allocation_size);
        cJSON_AddNumberToObject(alloc, "exportHandleTypes", g.allocation_export_types);
        cJSON_AddBoolToObject(alloc, "dedicated", g.allocation_dedicated);
    } else {
        cJSON_AddNullToObject(root, "lastAllocation");
    }
    return root;
}

void icd_state_flush(void) {
    const char *path = getenv("RDMA_TEST_ICD_STATE");
    if (!path || !*path) return;
    cJSON *root = state_json();
    char *text = root ? cJSON_Print(root) : NULL;
    cJSON_Delete(root);
    if (!text) return;

    static bool reported;
    char temp[4096];
    int n = snprintf(temp, sizeof(temp), "%s.%ld.tmp", path, (long)getpid());
    bool ok = n > 0 && (size_t)n < sizeof(temp);
    FILE *f = ok ? fopen(temp, "w") : NULL;
    if (f) {
        ok = fputs(text, f) >= 0 && fputc('\n', f) != EOF;
        ok = (fclose(f) == 0) && ok;
        ok = ok && rename(temp, path) == 0;
        if (!ok) unlink(temp);
    } else {
        ok = false;
    }
    if (!ok && !reported) {
        reported = true;
        fprintf(stderr, "rdma-test-icd: cannot write state file %s\n", path);
    }
    cJSON_free(text);
}

__attribute__((destructor)) static void icd_state_at_unload(void) { icd_state_flush(); }
