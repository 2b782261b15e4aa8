/*
 * What every command of the test driver does with its plain parameters: records a
 * pointer or handle that breaks its rule, and answers the two-call enumeration idiom.
 */
#include "icd.h"

#include <string.h>

void icd_invalid_parameter(const char *vuid, const char *call, const char *what) {
    icd_state_violation(vuid, "%s: %s", call, what);
}

/* Enumeration protocol: NULL array asks for the count; a short array gets
 * what fits and VK_INCOMPLETE. */
VkResult icd_copy_out(const char *call, const char *count_vuid, uint32_t *count, void *out,
                      const void *items, uint32_t item_count, size_t item_size) {
    if (!count) {
        icd_invalid_parameter(count_vuid, call, "the count pointer is NULL");
        return VK_ERROR_INITIALIZATION_FAILED;
    }
    if (!out) {
        *count = item_count;
        return VK_SUCCESS;
    }
    uint32_t n = *count < item_count ? *count : item_count;
    if (n) memcpy(out, items, n * item_size);
    *count = n;
    return n < item_count ? VK_INCOMPLETE : VK_SUCCESS;
}
