/*
 * Reads the test driver's JSON configuration. Every field is optional; any
 * field the driver does not know, or a value of the wrong kind, is a config
 * error so that a typo in a test cannot silently fall back to a default.
 */
#include "icd.h"
#include "vk_result_names.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PATH_SIZE 128

static const icd_heap_config default_heap = {
    .size = 85899345920ull, .budget = 80000000000ull, .usage = 1000000ull, .flags = 0x1};
static const icd_type_config default_type = {
    .flags = VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT | VK_MEMORY_PROPERTY_RDMA_CAPABLE_BIT_NV,
    .heap = 0};

void icd_config_default_device(icd_device_config *d, uint32_t index) {
    /* "RDMA-TEST-GPU-" + index and "RDMA-TEST-DRV-" + 1, as bytes. */
    static const uint8_t device_uuid[VK_UUID_SIZE] = {
        0x52, 0x44, 0x4d, 0x41, 0x2d, 0x54, 0x45, 0x53, 0x54, 0x2d, 0x47, 0x50, 0x55, 0x2d, 0, 0};
    static const uint8_t driver_uuid[VK_UUID_SIZE] = {
        0x52, 0x44, 0x4d, 0x41, 0x2d, 0x54, 0x45, 0x53, 0x54, 0x2d, 0x44, 0x52, 0x56, 0x2d, 0, 1};
    memset(d, 0, sizeof(*d));
    snprintf(d->name, sizeof(d->name), "Test RDMA GPU");
    d->vendor_id = 0x10de;
    d->device_id = 0x2323;
    d->device_type = VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU;
    d->api_version = VK_MAKE_API_VERSION(0, 1, 3, 239);
    d->driver_version = 2435301632u; /* 580.159.4 in NVIDIA's 10.8.8.6 packing */
    d->driver_id = VK_DRIVER_ID_NVIDIA_PROPRIETARY;
    snprintf(d->driver_name, sizeof(d->driver_name), "test-driver");
    snprintf(d->driver_info, sizeof(d->driver_info), "test 1.0");
    memcpy(d->device_uuid, device_uuid, VK_UUID_SIZE);
    d->device_uuid[14] = (uint8_t)(index >> 8);
    d->device_uuid[15] = (uint8_t)index;
    memcpy(d->driver_uuid, driver_uuid, VK_UUID_SIZE);
    d->pci_domain = 0;
    d->pci_bus = 6 + index;
    d->pci_device = 0;
    d->pci_function = 0;
    d->ext_rdma = true;
    d->ext_memory_budget = true;
    d->ext_pci_bus_info = true;
    d->feature_rdma = true;
    d->heap_count = 1;
    d->heaps[0] = default_heap;
    d->type_count = 1;
    d->types[0] = default_type;
    d->exportable = true;
    d->importable = false;
    d->dedicated_only = false;
    d->requires_dedicated = false;
    d->memory_type_bits = 0x1;
    d->alignment = 65536;
    d->remote_address = 0x7f0000001000ull;
}

/* ------------------------------------------------------------ value readers */

/* Paths name the field in messages ("devices[0].heaps[1].size"); a long one
 * is cut short, which only shortens a message. */
static void path_printf(char path[PATH_SIZE], const char *format, ...) ICD_PRINTF(2, 3);
static void path_printf(char path[PATH_SIZE], const char *format, ...) {
    va_list args;
    va_start(args, format);
    vsnprintf(path, PATH_SIZE, format, args);
    va_end(args);
}

static bool fail(const char *path, const char *what) {
    icd_state_config_error("%s: %s", path, what);
    return false;
}

static bool read_u64(const cJSON *item, const char *path, uint64_t *out) {
    if (cJSON_IsNumber(item)) {
        double v = item->valuedouble;
        /* Integers above 2^53 arrive as strings (see quote_large_integers). */
        if (!(v >= 0) || v != floor(v) || v >= 9007199254740992.0)
            return fail(path, "expected an unsigned integer");
        *out = (uint64_t)v;
        return true;
    }
    if (cJSON_IsString(item)) {
        const char *s = item->valuestring;
        char *end = NULL;
        if (!isdigit((unsigned char)s[0])) return fail(path, "expected an unsigned integer");
        errno = 0;
        unsigned long long v = strtoull(s, &end, 0);
        if (errno != 0 || *end != '\0') return fail(path, "expected an unsigned 64-bit integer");
        *out = (uint64_t)v;
        return true;
    }
    return fail(path, "expected an unsigned integer (number or string)");
}

static bool read_u32(const cJSON *item, const char *path, uint32_t *out) {
    uint64_t v = 0;
    if (!read_u64(item, path, &v)) return false;
    if (v > UINT32_MAX) return fail(path, "does not fit in 32 bits");
    *out = (uint32_t)v;
    return true;
}

static bool read_bool(const cJSON *item, const char *path, bool *out) {
    if (!cJSON_IsBool(item)) return fail(path, "expected true or false");
    *out = cJSON_IsTrue(item);
    return true;
}

static bool read_string(const cJSON *item, const char *path, char *out, size_t size) {
    if (!cJSON_IsString(item)) return fail(path, "expected a string");
    if (strlen(item->valuestring) >= size) return fail(path, "string too long");
    snprintf(out, size, "%s", item->valuestring);
    return true;
}

static bool read_version(const cJSON *item, const char *path, uint32_t *out) {
    if (cJSON_IsString(item)) {
        unsigned major = 0, minor = 0, patch = 0;
        int used = 0;
        int n = sscanf(item->valuestring, "%u.%u.%u%n", &major, &minor, &patch, &used);
        bool in_range = major <= 127 && minor <= 1023 && patch <= 4095;
        if (n != 3 || item->valuestring[used] != '\0' || !in_range)
            return fail(path, "expected \"major.minor.patch\"");
        *out = VK_MAKE_API_VERSION(0, major, minor, patch);
        return true;
    }
    return read_u32(item, path, out);
}

static int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static bool read_uuid(const cJSON *item, const char *path, uint8_t out[VK_UUID_SIZE]) {
    if (!cJSON_IsString(item)) return fail(path, "expected 32 hex digits");
    uint8_t bytes[VK_UUID_SIZE];
    size_t digits = 0;
    for (const char *p = item->valuestring; *p; p++) {
        if (*p == '-') continue;
        int v = hex_value(*p);
        if (v < 0 || digits >= 2 * VK_UUID_SIZE) return fail(path, "expected 32 hex digits");
        if (digits % 2 == 0)
            bytes[digits / 2] = (uint8_t)(v << 4);
        else
            bytes[digits / 2] |= (uint8_t)v;
        digits++;
    }
    if (digits != 2 * VK_UUID_SIZE) return fail(path, "expected 32 hex digits");
    memcpy(out, bytes, VK_UUID_SIZE);
    return true;
}

static bool read_result(const cJSON *item, const char *path, VkResult *out) {
    if (cJSON_IsString(item)) {
        for (size_t i = 0; i < sizeof(vk_result_names) / sizeof(vk_result_names[0]); i++) {
            if (strcmp(item->valuestring, vk_result_names[i].name) == 0) {
                if (vk_result_names[i].value == VK_SUCCESS)
                    return fail(path, "expected a non-zero VkResult");
                *out = vk_result_names[i].value;
                return true;
            }
        }
        return fail(path, "unknown VkResult name");
    }
    if (cJSON_IsNumber(item)) {
        double v = item->valuedouble;
        if (v != floor(v) || v < INT32_MIN || v > INT32_MAX || v == 0)
            return fail(path, "expected a non-zero VkResult");
        *out = (VkResult)(int32_t)v;
        return true;
    }
    return fail(path, "expected a VkResult (number or name)");
}

/* Every key of obj must be in allowed (NULL-terminated). */
static bool check_keys(const cJSON *obj, const char *path, const char *const *allowed) {
    bool ok = true;
    const cJSON *child = NULL;
    cJSON_ArrayForEach(child, obj) {
        bool known = false;
        for (const char *const *a = allowed; *a; a++) {
            if (child->string && strcmp(child->string, *a) == 0) {
                known = true;
                break;
            }
        }
        if (!known) {
            icd_state_config_error("%s: unknown field \"%s\"", path,
                                   child->string ? child->string : "");
            ok = false;
        }
    }
    return ok;
}

static bool expect_object(const cJSON *item, const char *path) {
    if (!cJSON_IsObject(item)) return fail(path, "expected an object");
    return true;
}

static bool expect_array(const cJSON *item, const char *path, int max) {
    if (!cJSON_IsArray(item)) return fail(path, "expected an array");
    if (cJSON_GetArraySize(item) > max) {
        icd_state_config_error("%s: at most %d entries", path, max);
        return false;
    }
    return true;
}

/* Runs reader on obj[key] when present; ok turns false on error. */
#define FIELD(obj, base, key, reader, ...)                                    \
    do {                                                                      \
        const cJSON *field_ = cJSON_GetObjectItemCaseSensitive((obj), (key)); \
        if (field_) {                                                         \
            char field_path_[PATH_SIZE];                                      \
            path_printf(field_path_, "%s.%s", (base), (key));                 \
            if (!reader(field_, field_path_, __VA_ARGS__)) ok = false;        \
        }                                                                     \
    } while (0)

/* ---------------------------------------------------------- device entries */

static bool parse_heap(const cJSON *obj, const char *path, icd_heap_config *heap) {
    static const char *const keys[] = {"size", "flags", "budget", "usage", NULL};
    if (!expect_object(obj, path)) return false;
    bool ok = check_keys(obj, path, keys);
    heap->size = default_heap.size;
    heap->flags = 0;
    heap->usage = 0;
    FIELD(obj, path, "size", read_u64, &heap->size);
    heap->budget = heap->size;
    FIELD(obj, path, "flags", read_u32, &heap->flags);
    FIELD(obj, path, "budget", read_u64, &heap->budget);
    FIELD(obj, path, "usage", read_u64, &heap->usage);
    return ok;
}

static bool parse_type(const cJSON *obj, const char *path, icd_type_config *type) {
    static const char *const keys[] = {"flags", "heap", NULL};
    if (!expect_object(obj, path)) return false;
    bool ok = check_keys(obj, path, keys);
    type->flags = 0;
    type->heap = 0;
    FIELD(obj, path, "flags", read_u32, &type->flags);
    FIELD(obj, path, "heap", read_u32, &type->heap);
    return ok;
}

static bool parse_pci(const cJSON *obj, const char *path, icd_device_config *d) {
    static const char *const keys[] = {"domain", "bus", "device", "function", NULL};
    if (!expect_object(obj, path)) return false;
    bool ok = check_keys(obj, path, keys);
    FIELD(obj, path, "domain", read_u32, &d->pci_domain);
    FIELD(obj, path, "bus", read_u32, &d->pci_bus);
    FIELD(obj, path, "device", read_u32, &d->pci_device);
    FIELD(obj, path, "function", read_u32, &d->pci_function);
    return ok;
}

static bool parse_extensions(const cJSON *obj, const char *path, icd_device_config *d) {
    static const char *const keys[] = {"rdma", "memoryBudget", "pciBusInfo", NULL};
    if (!expect_object(obj, path)) return false;
    bool ok = check_keys(obj, path, keys);
    FIELD(obj, path, "rdma", read_bool, &d->ext_rdma);
    FIELD(obj, path, "memoryBudget", read_bool, &d->ext_memory_budget);
    FIELD(obj, path, "pciBusInfo", read_bool, &d->ext_pci_bus_info);
    return ok;
}

static bool parse_external_buffer(const cJSON *obj, const char *path, icd_device_config *d) {
    static const char *const keys[] = {"exportable", "importable", "dedicatedOnly", NULL};
    if (!expect_object(obj, path)) return false;
    bool ok = check_keys(obj, path, keys);
    FIELD(obj, path, "exportable", read_bool, &d->exportable);
    FIELD(obj, path, "importable", read_bool, &d->importable);
    FIELD(obj, path, "dedicatedOnly", read_bool, &d->dedicated_only);
    return ok;
}

static bool parse_extra_extensions(const cJSON *arr, const char *path, icd_device_config *d) {
    static const char *const builtin[] = {VK_NV_EXTERNAL_MEMORY_RDMA_EXTENSION_NAME,
                                          VK_EXT_MEMORY_BUDGET_EXTENSION_NAME,
                                          VK_EXT_PCI_BUS_INFO_EXTENSION_NAME};
    if (!expect_array(arr, path, ICD_MAX_EXTRA_EXTENSIONS)) return false;
    bool ok = true;
    const cJSON *item = NULL;
    uint32_t i = 0;
    cJSON_ArrayForEach(item, arr) {
        char item_path[PATH_SIZE];
        path_printf(item_path, "%s[%u]", path, i);
        char *name = d->extra_extensions[i++];
        if (!read_string(item, item_path, name, VK_MAX_EXTENSION_NAME_SIZE)) {
            ok = false;
            continue;
        }
        if (name[0] == '\0') ok = fail(item_path, "empty extension name");
        for (size_t b = 0; b < sizeof(builtin) / sizeof(builtin[0]); b++) {
            if (strcmp(name, builtin[b]) == 0) {
                icd_state_config_error("%s: %s is switched with \"extensions\"", item_path, name);
                ok = false;
            }
        }
    }
    d->extra_extension_count = i;
    return ok;
}

static bool parse_quirks(const cJSON *obj, const char *path, icd_device_config *d) {
    static const char *const keys[] = {"memoryTypeCount",      "memoryHeapCount",
                                       "heapIndexOutOfRange",  "unterminatedStrings",
                                       "duplicateExtensions",  "extensionsIncomplete",
                                       NULL};
    if (!expect_object(obj, path)) return false;
    bool ok = check_keys(obj, path, keys);
    icd_quirks *q = &d->quirks;
    FIELD(obj, path, "memoryTypeCount", read_u32, &q->memory_type_count);
    FIELD(obj, path, "memoryHeapCount", read_u32, &q->memory_heap_count);
    FIELD(obj, path, "heapIndexOutOfRange", read_bool, &q->heap_index_out_of_range);
    FIELD(obj, path, "unterminatedStrings", read_bool, &q->unterminated_strings);
    FIELD(obj, path, "duplicateExtensions", read_bool, &q->duplicate_extensions);
    FIELD(obj, path, "extensionsIncomplete", read_bool, &q->extensions_incomplete);
    return ok;
}

static bool parse_device(const cJSON *obj, const char *path, icd_device_config *d) {
    static const char *const keys[] = {
        "name", "vendorID", "deviceID", "deviceType", "apiVersion", "driverVersion", "driverID",
        "driverName", "driverInfo", "deviceUUID", "driverUUID", "pci", "extensions",
        "extraExtensions", "externalMemoryRDMA", "heaps", "types", "externalBuffer",
        "memoryTypeBits", "requiresDedicatedAllocation", "alignment", "remoteAddress", "quirks",
        NULL};
    if (!expect_object(obj, path)) return false;
    bool ok = check_keys(obj, path, keys);
    FIELD(obj, path, "name", read_string, d->name, sizeof(d->name));
    FIELD(obj, path, "vendorID", read_u32, &d->vendor_id);
    FIELD(obj, path, "deviceID", read_u32, &d->device_id);
    FIELD(obj, path, "deviceType", read_u32, &d->device_type);
    FIELD(obj, path, "apiVersion", read_version, &d->api_version);
    FIELD(obj, path, "driverVersion", read_u32, &d->driver_version);
    FIELD(obj, path, "driverID", read_u32, &d->driver_id);
    FIELD(obj, path, "driverName", read_string, d->driver_name, sizeof(d->driver_name));
    FIELD(obj, path, "driverInfo", read_string, d->driver_info, sizeof(d->driver_info));
    FIELD(obj, path, "deviceUUID", read_uuid, d->device_uuid);
    FIELD(obj, path, "driverUUID", read_uuid, d->driver_uuid);
    FIELD(obj, path, "pci", parse_pci, d);
    FIELD(obj, path, "extensions", parse_extensions, d);
    FIELD(obj, path, "extraExtensions", parse_extra_extensions, d);
    FIELD(obj, path, "externalMemoryRDMA", read_bool, &d->feature_rdma);
    FIELD(obj, path, "externalBuffer", parse_external_buffer, d);
    FIELD(obj, path, "requiresDedicatedAllocation", read_bool, &d->requires_dedicated);
    FIELD(obj, path, "alignment", read_u64, &d->alignment);
    FIELD(obj, path, "remoteAddress", read_u64, &d->remote_address);
    FIELD(obj, path, "quirks", parse_quirks, d);

    char sub[PATH_SIZE];
    const cJSON *heaps = cJSON_GetObjectItemCaseSensitive(obj, "heaps");
    if (heaps) {
        path_printf(sub, "%s.heaps", path);
        if (expect_array(heaps, sub, VK_MAX_MEMORY_HEAPS)) {
            uint32_t i = 0;
            const cJSON *heap = NULL;
            cJSON_ArrayForEach(heap, heaps) {
                path_printf(sub, "%s.heaps[%u]", path, i);
                if (!parse_heap(heap, sub, &d->heaps[i])) ok = false;
                i++;
            }
            d->heap_count = i;
        } else {
            ok = false;
        }
    }
    const cJSON *types = cJSON_GetObjectItemCaseSensitive(obj, "types");
    if (types) {
        path_printf(sub, "%s.types", path);
        if (expect_array(types, sub, VK_MAX_MEMORY_TYPES)) {
            uint32_t i = 0;
            const cJSON *type = NULL;
            cJSON_ArrayForEach(type, types) {
                path_printf(sub, "%s.types[%u]", path, i);
                if (!parse_type(type, sub, &d->types[i])) ok = false;
                i++;
            }
            d->type_count = i;
        } else {
            ok = false;
        }
    }
    for (uint32_t i = 0; i < d->type_count; i++) {
        if (d->types[i].heap >= d->heap_count) {
            icd_state_config_error("%s.types[%u].heap: no heap %u", path, i, d->types[i].heap);
            ok = false;
        }
    }
    d->memory_type_bits =
        d->type_count >= 32 ? UINT32_MAX : (uint32_t)((1ull << d->type_count) - 1);
    FIELD(obj, path, "memoryTypeBits", read_u32, &d->memory_type_bits);
    if (d->alignment == 0 || (d->alignment & (d->alignment - 1)) != 0) {
        icd_state_config_error("%s.alignment: must be a power of two", path);
        ok = false;
    }
    if (d->device_type > VK_PHYSICAL_DEVICE_TYPE_CPU) {
        icd_state_config_error("%s.deviceType: must be 0..4", path);
        ok = false;
    }
    return ok;
}

static bool parse_fault(const cJSON *obj, const char *path, icd_fault *fault) {
    static const char *const keys[] = {"call", "result", "device", "skip", "count", NULL};
    if (!expect_object(obj, path)) return false;
    bool ok = check_keys(obj, path, keys);
    memset(fault, 0, sizeof(*fault));
    fault->device = -1;
    if (!cJSON_GetObjectItemCaseSensitive(obj, "call")) ok = fail(path, "\"call\" is required");
    if (!cJSON_GetObjectItemCaseSensitive(obj, "result")) ok = fail(path, "\"result\" is required");
    FIELD(obj, path, "call", read_string, fault->call, sizeof(fault->call));
    FIELD(obj, path, "result", read_result, &fault->result);
    uint32_t device = 0;
    bool has_device = cJSON_GetObjectItemCaseSensitive(obj, "device") != NULL;
    FIELD(obj, path, "device", read_u32, &device);
    if (has_device) {
        if (device >= ICD_MAX_DEVICES) ok = fail(path, "\"device\" out of range");
        fault->device = (int32_t)device;
    }
    FIELD(obj, path, "skip", read_u32, &fault->skip);
    FIELD(obj, path, "count", read_u32, &fault->count);
    return ok;
}

/* ------------------------------------------------------------------- file */

/* cJSON keeps numbers as doubles, which cannot hold every 64-bit size or
 * address. Positive integer literals too long to be exact are quoted before
 * parsing, so read_u64 converts their text with strtoull. */
static char *quote_large_integers(const char *text, size_t length) {
    char *out = malloc(length * 2 + 1);
    if (!out) return NULL;
    size_t o = 0;
    bool in_string = false, escaped = false;
    for (size_t i = 0; i < length;) {
        char c = text[i];
        if (in_string) {
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                in_string = false;
            out[o++] = c;
            i++;
            continue;
        }
        if (c == '"') {
            in_string = true;
            out[o++] = c;
            i++;
            continue;
        }
        if (c == '-' || isdigit((unsigned char)c)) {
            size_t end = i;
            bool digits_only = true;
            while (end < length &&
                   (isdigit((unsigned char)text[end]) || strchr("-+.eE", text[end]))) {
                if (!isdigit((unsigned char)text[end])) digits_only = false;
                end++;
            }
            bool quote = digits_only && end - i >= 16;
            if (quote) out[o++] = '"';
            memcpy(out + o, text + i, end - i);
            o += end - i;
            if (quote) out[o++] = '"';
            i = end;
            continue;
        }
        out[o++] = c;
        i++;
    }
    out[o] = '\0';
    return out;
}

static char *read_file(const char *path, size_t *length) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (len + 1 >= cap) {
            char *bigger = realloc(buf, cap * 2);
            if (!bigger) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = bigger;
            cap *= 2;
        }
        size_t n = fread(buf + len, 1, cap - len - 1, f);
        if (n == 0) break;
        len += n;
    }
    bool failed = ferror(f) != 0;
    fclose(f);
    if (!buf || failed) {
        free(buf);
        return NULL;
    }
    buf[len] = '\0';
    *length = len;
    return buf;
}

static bool parse_hidden(const cJSON *arr, icd_config *config) {
    if (!expect_array(arr, "hiddenCommands", ICD_MAX_HIDDEN)) return false;
    bool ok = true;
    const cJSON *item = NULL;
    uint32_t i = 0;
    cJSON_ArrayForEach(item, arr) {
        char path[PATH_SIZE];
        path_printf(path, "hiddenCommands[%u]", i);
        if (!read_string(item, path, config->hidden[i], ICD_CALL_NAME_SIZE)) ok = false;
        i++;
    }
    config->hidden_count = i;
    return ok;
}

static bool parse_count_sequence(const cJSON *arr, icd_config *config) {
    if (!expect_array(arr, "physicalDeviceCounts", ICD_MAX_COUNT_SEQUENCE)) return false;
    bool ok = true;
    const cJSON *item = NULL;
    uint32_t i = 0;
    cJSON_ArrayForEach(item, arr) {
        char path[PATH_SIZE];
        path_printf(path, "physicalDeviceCounts[%u]", i);
        if (!read_u32(item, path, &config->count_sequence[i])) ok = false;
        i++;
    }
    config->count_sequence_length = i;
    return ok;
}

static bool parse_root(const cJSON *root, icd_config *config) {
    static const char *const keys[] = {"devices", "faults", "hiddenCommands",
                                       "physicalDeviceCounts", NULL};
    if (!expect_object(root, "config")) return false;
    bool ok = check_keys(root, "config", keys);

    const cJSON *devices = cJSON_GetObjectItemCaseSensitive(root, "devices");
    if (devices) {
        if (!expect_array(devices, "devices", ICD_MAX_DEVICES)) return false;
        config->device_count = (uint32_t)cJSON_GetArraySize(devices);
    } else {
        config->device_count = 1;
    }
    config->devices = calloc(config->device_count ? config->device_count : 1,
                             sizeof(*config->devices));
    if (!config->devices) return fail("config", "out of memory");
    for (uint32_t i = 0; i < config->device_count; i++) {
        icd_config_default_device(&config->devices[i], i);
    }
    if (devices) {
        uint32_t i = 0;
        const cJSON *device = NULL;
        cJSON_ArrayForEach(device, devices) {
            char path[PATH_SIZE];
            path_printf(path, "devices[%u]", i);
            if (!parse_device(device, path, &config->devices[i])) ok = false;
            i++;
        }
    }

    const cJSON *faults = cJSON_GetObjectItemCaseSensitive(root, "faults");
    if (faults) {
        if (!expect_array(faults, "faults", ICD_MAX_FAULTS)) return false;
        uint32_t i = 0;
        const cJSON *fault = NULL;
        cJSON_ArrayForEach(fault, faults) {
            char path[PATH_SIZE];
            path_printf(path, "faults[%u]", i);
            if (!parse_fault(fault, path, &config->faults[i])) ok = false;
            i++;
        }
        config->fault_count = i;
        config->faults_fingerprint = cJSON_PrintUnformatted(faults);
    }
    const cJSON *hidden = cJSON_GetObjectItemCaseSensitive(root, "hiddenCommands");
    if (hidden && !parse_hidden(hidden, config)) ok = false;
    const cJSON *counts = cJSON_GetObjectItemCaseSensitive(root, "physicalDeviceCounts");
    if (counts && !parse_count_sequence(counts, config)) ok = false;
    return ok;
}

bool icd_config_load(icd_config *config) {
    memset(config, 0, sizeof(*config));
    icd_state_clear_config_errors();
    const char *path = getenv("RDMA_TEST_ICD_CONFIG");
    if (!path || !*path) {
        /* No file: one device with every default. */
        config->device_count = 1;
        config->devices = calloc(1, sizeof(*config->devices));
        if (!config->devices) return false;
        icd_config_default_device(&config->devices[0], 0);
        return true;
    }
    size_t length = 0;
    char *text = read_file(path, &length);
    if (!text) {
        icd_state_config_error("%s: cannot read: %s", path, strerror(errno));
        return false;
    }
    char *quoted = quote_large_integers(text, length);
    free(text);
    if (!quoted) return fail(path, "out of memory");
    cJSON *root = cJSON_Parse(quoted);
    if (!root) {
        const char *where = cJSON_GetErrorPtr();
        icd_state_config_error("%s: invalid JSON near \"%.20s\"", path, where ? where : "");
        free(quoted);
        return false;
    }
    bool ok = parse_root(root, config);
    cJSON_Delete(root);
    free(quoted);
    if (!ok) icd_config_free(config);
    return ok;
}

void icd_config_free(icd_config *config) {
    free(config->devices);
    config->devices = NULL;
    config->device_count = 0;
    if (config->faults_fingerprint) cJSON_free(config->faults_fingerprint);
    config->faults_fingerprint = NULL;
}
