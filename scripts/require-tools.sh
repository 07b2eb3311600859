#!/usr/bin/env bash
# Makes sure the system tools xlsnap's tests and demo use are installed: qemu-img and qemu-io
# (Debian package qemu-utils); for libxl-binding's tests, libxenlight with its headers
# (libxen-dev) and gcc, which compiles the struct-layout check against libxl.h. Installs them when run as root on Debian/Ubuntu; otherwise says
# exactly what to install and fails.
set -euo pipefail

missing=()
command -v qemu-img >/dev/null 2>&1 || missing+=(qemu-utils)
command -v qemu-io >/dev/null 2>&1 || { [[ " ${missing[*]-} " == *" qemu-utils "* ]] || missing+=(qemu-utils); }
command -v mvn >/dev/null 2>&1 || missing+=(maven)
command -v javac >/dev/null 2>&1 || missing+=(openjdk-17-jdk-headless)
[ -f /usr/include/libxl.h ] && [ -e /usr/lib/x86_64-linux-gnu/libxenlight.so.4.17 ] || missing+=(libxen-dev)
command -v gcc >/dev/null 2>&1 || missing+=(gcc)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing ${missing[*]} ..." >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  exit 0
fi
echo "xlsnap needs: ${missing[*]}" >&2
echo "install them with: sudo apt-get install -y ${missing[*]}" >&2
exit 1
