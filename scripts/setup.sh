#!/usr/bin/env bash
# One-time set-up of a Debian/Ubuntu machine for building and testing rdma-probe:
# the Vulkan loader, the lavapipe software driver, the Khronos validation layer,
# vulkaninfo, the Vulkan headers, cJSON and a C compiler (for the test driver and the
# struct-layout test), qemu-user with an arm64 C runtime (to run the arm64 binary in
# tests), util-linux's `script` (to run the CLI on a pseudo-terminal in tests), promtool and
# node_exporter (the real consumers of the Prometheus output, in tests), groff and zsh (to
# check the man page and the zsh completion), then the project's npm dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(libvulkan1 libvulkan-dev mesa-vulkan-drivers vulkan-validationlayers vulkan-tools
  libcjson-dev gcc libc6-dev bsdutils prometheus prometheus-node-exporter
  groff-base zsh
  qemu-user-static libc6-arm64-cross libstdc++6-arm64-cross libgcc-s1-arm64-cross)
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null

npm ci --no-audit --no-fund
