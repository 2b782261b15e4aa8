/**
 * The koffi prototype string of a Vulkan command, made from its registry declaration
 * (./generated/vk-prototypes.ts) by one rule, so that no signature is typed by hand.
 * Plain strings: ffi-types.ts hands them to koffi.proto once, at module load.
 *
 * The rule, parameter by parameter:
 * - passed by value: a dispatchable handle is `void *` (an opaque pointer the binding
 *   keeps as a BigInt); a non-dispatchable handle, VkDeviceSize or any other scalar is its
 *   C type (`uint64_t`, `uint32_t`, ...);
 * - `const T *`, read by the driver: a string stays `const char *`; a struct the binding
 *   declares stays `const T *` (koffi encodes the object it is handed); a struct it does
 *   not declare is `void *`, because the binding only ever passes NULL there (pAllocator);
 * - `T *`, written by the driver:
 *   - the element count of an array parameter (another parameter's len names it) is
 *     `_Inout_ uint32_t *`: the two-call idiom sends the capacity and reads the count back;
 *   - an output array (it has a len) or an output struct is `void *`: the binding
 *     allocates that memory, encodes what the driver must find there (sType, pNext
 *     chains, markers) and decodes it after the call; koffi's own output conversion
 *     would send sType as 0 and lose the results of chained structs;
 *   - a single handle is `_Out_ void **` when dispatchable, `_Out_ uint64_t *` when not;
 *     a single scalar is `_Out_` its C type;
 *   - an address typedef'd as `void *` (VkRemoteAddressNV) is `_Out_ uint64_t *`: the
 *     binding reports it as a number, and every target the tool is built for is 64-bit;
 * - the return type: VkResult stays VkResult (ffi-types.ts aliases it to int32_t), void
 *   stays void, and a function pointer (PFN_vkVoidFunction) is `void *`, an address the
 *   binding decodes with the prototype of the command it asked for.
 * Everything else (pointers to pointers, functions by value, a const pointer to a scalar)
 * is refused: no command the binding calls has one, and a guessed mapping would reach a
 * driver untested.
 */
import type { VkParam, VkPrototypeDescriptor, VkReturnType } from './registry-types.js';

const SCALARS = new Set([
  'char',
  'float',
  'double',
  'size_t',
  'int8_t',
  'uint8_t',
  'int16_t',
  'uint16_t',
  'int32_t',
  'uint32_t',
  'int64_t',
  'uint64_t',
]);

class UnmappedDeclaration extends TypeError {
  constructor(where: string, declaration: VkReturnType) {
    const pointers = '*'.repeat(declaration.pointers ?? 0);
    super(
      `${where}: no koffi mapping for ${declaration.const ? 'const ' : ''}${declaration.type}${pointers} (${declaration.c})`,
    );
  }
}

function valueType(where: string, declaration: VkReturnType): string {
  if (declaration.c === 'dispatchable') return 'void *';
  if (SCALARS.has(declaration.c)) return declaration.c;
  throw new UnmappedDeclaration(where, declaration);
}

/** What the driver reads through a `const T *`. */
function inputPointer(where: string, param: VkParam, declared: ReadonlySet<string>): string {
  if (param.c === 'char') return 'const char *';
  if (param.c === 'struct') return declared.has(param.type) ? `const ${param.type} *` : 'void *';
  throw new UnmappedDeclaration(where, param);
}

/** What the driver writes through a `T *`. */
function outputPointer(where: string, param: VkParam, counts: ReadonlySet<string>): string {
  if (counts.has(param.name)) {
    if (param.c !== 'uint32_t') throw new UnmappedDeclaration(where, param);
    return '_Inout_ uint32_t *';
  }
  if (param.len !== undefined || param.c === 'struct') return 'void *';
  if (param.c === 'dispatchable') return '_Out_ void **';
  if (param.c === 'pointer') return '_Out_ uint64_t *';
  if (SCALARS.has(param.c)) return `_Out_ ${param.c} *`;
  throw new UnmappedDeclaration(where, param);
}

function paramType(
  where: string,
  param: VkParam,
  counts: ReadonlySet<string>,
  declared: ReadonlySet<string>,
): string {
  switch (param.pointers ?? 0) {
    case 0:
      return valueType(where, param);
    case 1:
      return param.const
        ? inputPointer(where, param, declared)
        : outputPointer(where, param, counts);
    default:
      throw new UnmappedDeclaration(where, param);
  }
}

function returnType(where: string, returns: VkReturnType): string {
  if ((returns.pointers ?? 0) === 0) {
    if (returns.type === 'VkResult') return 'VkResult';
    if (returns.c === 'void') return 'void';
    if (returns.c === 'funcpointer') return 'void *';
  }
  return valueType(where, returns);
}

/** `void *` + `name` is `void *name`; `uint64_t` + `name` is `uint64_t name`. */
function declare(type: string, name: string): string {
  return type.endsWith('*') ? `${type}${name}` : `${type} ${name}`;
}

/**
 * The koffi prototype string of `command`, for a function type named `functionName`
 * (PFN_<command> by default, as the Vulkan headers name the pointer types). `declared`
 * holds the structs ffi-types.ts defines under their C names.
 */
export function koffiSignature(
  command: string,
  prototype: VkPrototypeDescriptor,
  declared: ReadonlySet<string>,
  functionName = `PFN_${command}`,
): string {
  const counts = new Set(
    prototype.params.flatMap((param) => (param.len ?? '').split(',').map((len) => len.trim())),
  );
  const params = prototype.params.map((param) =>
    declare(paramType(`${command}.${param.name}`, param, counts, declared), param.name),
  );
  return `${declare(returnType(command, prototype.returns), functionName)}(${params.join(', ')})`;
}
