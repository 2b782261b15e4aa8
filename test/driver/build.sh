#!/usr/bin/env bash
# Builds the test-only Vulkan driver (an ICD) and its exercise program, and
# writes the ICD manifest the loader reads (VK_DRIVER_FILES=<out>/rdma_test_icd.json).
#
#   test/driver/build.sh [OUT_DIR]     (default: test/driver/build)
#
# Needs cc, the Vulkan headers and loader (libvulkan-dev) and cJSON (libcjson-dev).
# Safe to run from several processes at once; does nothing when up to date.
set -euo pipefail

src="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:-$src/build}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"

library="$out/librdma_test_icd.so"
exercise="$out/rdma_test_exercise"
manifest="$out/rdma_test_icd.json"
cc="${CC:-cc}"
cflags=(-std=gnu11 -O1 -g -Wall -Wextra -Werror)

icd_sources=("$src/icd_entry.c" "$src/instance.c" "$src/physical_device.c" "$src/device.c"
  "$src/params.c" "$src/chain.c" "$src/config.c" "$src/state.c" "$src/generated/chain_rules.c")
icd_inputs=("${icd_sources[@]}" "$src/icd.h" "$src/generated/chain_rules.h"
  "$src/generated/vuids.h" "$src/vk_result_names.h" "$src/build.sh")
exercise_inputs=("$src/exercise.c" "$src/vk_result_names.h" "$src/build.sh")

# One builder at a time (test files run in parallel); the others wait, then find
# everything up to date.
exec 9>"$out/.build.lock"
if command -v flock >/dev/null; then
  flock 9
fi

stale() {
  local target="$1"
  shift
  [[ -e "$target" ]] || return 0
  local input
  for input in "$@"; do
    [[ "$input" -nt "$target" ]] && return 0
  done
  return 1
}

if stale "$library" "${icd_inputs[@]}"; then
  # -z nodelete: the loader unloads drivers when the last instance goes, and
  # the counters must survive that to be written at exit.
  "$cc" "${cflags[@]}" -shared -fPIC -fvisibility=hidden -Wl,-z,nodelete -Wl,--no-undefined \
    -o "$library.tmp" "${icd_sources[@]}" -lcjson -lm
  mv -f "$library.tmp" "$library"
fi

if stale "$exercise" "${exercise_inputs[@]}"; then
  "$cc" "${cflags[@]}" -o "$exercise.tmp" "$src/exercise.c" -lvulkan -lcjson -ldl
  mv -f "$exercise.tmp" "$exercise"
fi

case "$library" in
*'"'* | *'\'*)
  echo "build.sh: cannot write a JSON manifest for the path $library" >&2
  exit 1
  ;;
esac
manifest_text="{
  \"file_format_version\": \"1.0.0\",
  \"ICD\": {
    \"library_path\": \"$library\",
    \"api_version\": \"1.3.239\"
  }
}"
if [[ ! -e "$manifest" ]] || [[ "$(cat "$manifest")" != "$manifest_text" ]]; then
  printf '%s\n' "$manifest_text" >"$manifest.tmp"
  mv -f "$manifest.tmp" "$manifest"
fi

printf '%s\n' "$manifest"
