/*
 * The walk that checks a pNext chain against what may extend its structure. Which
 * structures those are, and the VUIDs of the rules, come from the registry
 * (generated/chain_rules.c): only structures of Vulkan 1.1-1.3 and of the three
 * extensions this driver can report are known; anything else is a violation.
 */
#include "icd.h"

#include <string.h>

#define HEADER_SIZE sizeof(VkBaseOutStructure)
#define MAX_CHAIN_LENGTH 128

static const icd_chain_rule *find_rule(const icd_chain_parent *parent, VkStructureType stype) {
    for (size_t i = 0; i < parent->count; i++) {
        if (parent->rules[i].stype == stype) return &parent->rules[i];
    }
    return NULL;
}

void icd_chain_walk(const char *call, const icd_chain_parent *parent, const void *first,
                    uint32_t version, uint32_t extensions, icd_chain_visit visit, void *context) {
    const VkBaseOutStructure *links[MAX_CHAIN_LENGTH];
    uint32_t length = 0;
    for (VkBaseOutStructure *s = (VkBaseOutStructure *)first; s; s = s->pNext) {
        bool loop = false;
        for (uint32_t i = 0; i < length; i++) loop = loop || links[i] == s;
        if (loop || length == MAX_CHAIN_LENGTH) {
            icd_state_violation(parent->pnext_vuid, "%s: the pNext chain of %s %s", call,
                                parent->name, loop ? "loops back on itself" : "is too long");
            return;
        }
        const icd_chain_rule *rule = find_rule(parent, s->sType);
        /* Reported at its second appearance only. */
        uint32_t appearances = 0;
        for (uint32_t i = 0; i < length; i++) appearances += links[i]->sType == s->sType;
        bool repeated = appearances == 1;
        links[length++] = s;
        if (!rule) {
            icd_state_violation(parent->pnext_vuid, "%s: sType %d may not extend %s; ignored", call,
                                (int)s->sType, parent->name);
            continue;
        }
        /* A known rule means something may extend the parent, so it has a uniqueness rule. */
        if (repeated && !rule->allow_duplicate) {
            icd_state_violation(parent->unique_vuid,
                                "%s: %s appears twice in the pNext chain of %s", call, rule->name,
                                parent->name);
        }
        bool by_version = rule->version != 0 && version >= rule->version;
        bool by_extension = (rule->extension & (extensions | ICD_EXT_ALWAYS)) != 0;
        bool allowed = by_version || by_extension;
        if (!allowed) {
            if (rule->extension)
                icd_state_violation(parent->pnext_vuid,
                                    "%s: %s needs %s, which is not %s; left untouched", call,
                                    rule->name, rule->extension_name,
                                    strcmp(call, "vkCreateDevice") == 0 ? "enabled"
                                                                        : "supported");
            else
                icd_state_violation(parent->pnext_vuid,
                                    "%s: %s needs Vulkan %u.%u, the device has %u.%u", call,
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

void icd_check_stype(const char *call, const icd_chain_parent *parent, const void *structure) {
    const VkBaseInStructure *s = structure;
    if (s && s->sType != parent->stype) {
        icd_state_violation(parent->stype_vuid, "%s: %s.sType is %d, expected %d", call,
                            parent->name, (int)s->sType, (int)parent->stype);
    }
}
