#!/usr/bin/env bash
# Makes sure the system tools xlsnap uses are installed, and installs them when run as root on
# Debian/Ubuntu; otherwise says exactly what to install and fails.
#   scripts/require-tools.sh demo   qemu-img and qemu-io (qemu-utils), Maven, a JDK
#   scripts/require-tools.sh test   also libxenlight and libxlutil with their headers (libxen-dev) and
#                                   gcc, for libxl-binding's layout check and cfg-parser's
#                                   differential test, Xen's example configs (xen-utils-common), and
#                                   QEMU (qemu-system-x86) for libxl-binding's QMP tests, and
#                                   PostgreSQL 15 (postgresql-15), whose server snapshot-store-postgres's
#                                   tests start privately, and groff (groff-base), with which the
#                                   distribution's test renders the man pages
set -euo pipefail
mode=${1:-test}

missing=()
command -v qemu-img >/dev/null 2>&1 || missing+=(qemu-utils)
command -v qemu-io >/dev/null 2>&1 || { [[ " ${missing[*]-} " == *" qemu-utils "* ]] || missing+=(qemu-utils); }
command -v mvn >/dev/null 2>&1 || missing+=(maven)
command -v javac >/dev/null 2>&1 || missing+=(openjdk-17-jdk-headless)
if [ "$mode" = test ]; then
  [ -f /usr/include/libxl.h ] && [ -e /usr/lib/x86_64-linux-gnu/libxenlight.so.4.17 ] || missing+=(libxen-dev)
  command -v gcc >/dev/null 2>&1 || missing+=(gcc)
  [ -f /etc/xen/xlexample.hvm ] || missing+=(xen-utils-common)
  command -v qemu-system-x86_64 >/dev/null 2>&1 || missing+=(qemu-system-x86)
  [ -x /usr/lib/postgresql/15/bin/initdb ] || missing+=(postgresql-15)
  command -v groff >/dev/null 2>&1 || missing+=(groff-base)
fi

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
