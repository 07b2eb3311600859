#!/usr/bin/env bash
# real-xen stage, step 1: host tools, and the Debian 12 .debs of Xen 4.17, its tools, the 6.1 kernel and
# qemu-system-xen, downloaded with `apt-get download` and extracted with `dpkg-deb -x` (never installed, so
# no bootloader or initramfs hooks run on this host). Cached: does nothing when $CACHE/ready exists.
# Env: XLSNAP_XEN_CACHE (default ~/.cache/xlsnap/real-xen).
set -euo pipefail
CACHE=${XLSNAP_XEN_CACHE:-$HOME/.cache/xlsnap/real-xen}
need=(qemu-system-x86_64 busybox cpio qemu-img gzip perl jlink)
missing=()
for t in "${need[@]}"; do command -v "$t" >/dev/null || missing+=("$t"); done
[ -x /bin/busybox ] && /bin/busybox --list | grep -qx insmod || missing+=(busybox-static)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      qemu-system-x86 busybox-static cpio qemu-utils gzip perl >/dev/null
  else
    echo "real-xen: missing ${missing[*]}; run: sudo apt-get install -y qemu-system-x86 busybox-static cpio qemu-utils" >&2
    exit 3
  fi
fi
if [ -f "$CACHE/ready" ]; then echo "real-xen: using cached Xen/kernel/QEMU in $CACHE"; exit 0; fi
t0=$(date +%s)
rm -rf "$CACHE/debs" "$CACHE/x"
mkdir -p "$CACHE/debs" "$CACHE/x"
kpkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
[ -n "$kpkg" ] || { apt-get update -qq; kpkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/{print $2; exit}'); }
echo "real-xen: kernel package $kpkg"
(cd "$CACHE/debs" && apt-get download -qq xen-hypervisor-4.17-amd64 xen-utils-4.17 xen-utils-common \
  xenstore-utils libxenmisc4.17 libxenstore4 libxentoolcore1 libxentoollog1 libxencall1 libxendevicemodel1 \
  libxenevtchn1 libxenforeignmemory1 libxengnttab1 libxenhypfs1 qemu-system-xen "$kpkg" 2>&1 | grep -v unsandboxed || true)
for d in "$CACHE"/debs/*.deb; do dpkg-deb -x "$d" "$CACHE/x"; done
# gunzip gives a 32-bit ELF with a multiboot1 header: QEMU's -kernel boots it directly
zcat "$CACHE"/x/boot/xen-4.17-amd64.gz > "$CACHE/xen.elf"
# the extracted tree is large (kernel modules); keep only what the images use
kver=$(ls "$CACHE/x/lib/modules" | head -1)
find "$CACHE/x/lib/modules/$kver/kernel" -name '*.ko' \
  ! -path '*/drivers/xen/*' ! -path '*/drivers/virtio/*' ! -path '*/net/9p/*' ! -path '*/fs/9p/*' \
  ! -path '*/fs/netfs/*' ! -path '*/fs/fscache/*' ! -name xen-blkfront.ko -delete
rm -f "$CACHE"/debs/*.deb
touch "$CACHE/ready"
echo "real-xen: fetch and extract took $(( $(date +%s) - t0 )) s"
