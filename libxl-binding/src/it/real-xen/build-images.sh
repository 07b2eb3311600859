#!/usr/bin/env bash
# real-xen stage, step 2: the two initramfs images, from the cache that fetch.sh fills.
#   $WORK/domu.cpio.gz: busybox + xen-blkfront.ko + domu-init.sh (the counter on memory and disk)
#   $WORK/vmlinux: the guest kernel uncompressed (the ELF inside Debian's bzImage), which build-share.sh puts in
#     the share: libxc would otherwise unpack the XZ payload of the bzImage under TCG on every `xl create`
#     (6.6 s per create here, 1.8-2.6 s with the ELF; libxl-binding/NOTES-real-xen.md, "Stage time")
#   $WORK/dom0.cpio.gz: busybox; xl, xenstored, xenconsoled, xen-init-dom0, libxl-save-helper and their
#     libraries; the Xen, virtio and 9p modules; /usr/libexec/xen-qemu-system-i386 (qemu-system-xen, the
#     path compiled into Debian's libxenlight) with its libraries and keymaps; qemu-img and qemu-io; the
#     guest initramfs domu.cpio.gz under /boot; dom0-init.sh as /init.
# Env: XLSNAP_XEN_CACHE, WORK (default: target/real-xen of this module).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${XLSNAP_XEN_CACHE:-$HOME/.cache/xlsnap/real-xen}
WORK=${WORK:-$HERE/../../../target/real-xen}
X=$CACHE/x
mkdir -p "$WORK"; WORK=$(cd "$WORK" && pwd)
KVER=$(ls "$X/lib/modules" | head -1)
MODS=$X/lib/modules/$KVER/kernel
t0=$(date +%s)

add_busybox() {
  mkdir -p "$1"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,run,etc,var/lib,var/log,root}
  cp /bin/busybox "$1/bin/busybox"
  for a in $(/bin/busybox --list); do [ -e "$1/bin/$a" ] || ln -s busybox "$1/bin/$a"; done
  ln -sfn ../run "$1/var/run"
}

# domU
D=$WORK/domu-root
rm -rf "$D" && add_busybox "$D"
mkdir -p "$D/lib/modules"
cp "$MODS/drivers/block/xen-blkfront.ko" "$D/lib/modules/"
install -m755 "$HERE/domu-init.sh" "$D/init"
# A shutdown request (libxl_domain_shutdown, xl shutdown) makes the guest kernel run /sbin/poweroff (orderly
# power-off). busybox's applet would signal init, which this /init does not handle: power off at once instead.
printf '#!/bin/sh\nexec /bin/busybox poweroff -f\n' > "$D/sbin/poweroff" && chmod 755 "$D/sbin/poweroff"
(cd "$D" && find . | cpio -H newc -o --quiet | gzip -9) > "$WORK/domu.cpio.gz"

# dom0
R=$WORK/dom0-root
rm -rf "$R" && add_busybox "$R"
export LD_LIBRARY_PATH=$X/usr/lib/x86_64-linux-gnu:$X/usr/lib/xen-4.17/lib/x86_64-linux-gnu
copy_libs() {  # the ldd closure of $1, with paths inside the extracted .debs mapped back to /
  ldd "$1" | awk '/=>/{print $3} /^\s*\/lib64/{print $1}' | while read -r lib; do
    [ -z "$lib" ] && continue
    local dst=${lib#$X}
    case $dst in /lib/*) dst=/usr$dst;; esac
    [ -e "$R$dst" ] && continue
    mkdir -p "$R$(dirname "$dst")"; cp -L "$lib" "$R$dst"
  done
}
copy_elf() {  # $1: path in dom0; from the extracted .debs if there, else from this host
  local p=$1 src
  if [ -e "$X$p" ]; then src=$X$p; else src=$p; fi
  mkdir -p "$R$(dirname "$p")"; cp -L "$src" "$R$p"
  copy_libs "$src"
}
for b in xl xenstored xenconsoled xen-init-dom0 libxl-save-helper; do copy_elf /usr/lib/xen-4.17/bin/$b; done
for b in xenstore-read xenstore-write xenstore-ls; do copy_elf /usr/bin/$b; done
copy_elf /usr/libexec/xen-qemu-system-i386
copy_elf /usr/bin/qemu-img
copy_elf /usr/bin/qemu-io
# glibc dlopen()s libgcc_s for pthread_cancel; ldd does not list it
cp -L /usr/lib/x86_64-linux-gnu/libgcc_s.so.1 "$R/usr/lib/x86_64-linux-gnu/"
mkdir -p "$R/usr/lib64"; [ -e "$R/usr/lib64/ld-linux-x86-64.so.2" ] || cp -L /lib64/ld-linux-x86-64.so.2 "$R/usr/lib64/"
ln -sfn usr/lib "$R/lib"; ln -sfn usr/lib64 "$R/lib64"
cp -a "$X/etc/xen" "$R/etc/"
# libxl passes "-vnc none" even to a PV guest's QEMU, which then needs its keymaps
mkdir -p "$R/usr/share/qemu"; cp -a /usr/share/qemu/keymaps "$R/usr/share/qemu/"
mkdir -p "$R/usr/lib/modules"
for m in xen-evtchn xen-privcmd xen-gntdev xen-gntalloc; do cp "$MODS/drivers/xen/$m.ko" "$R/usr/lib/modules/"; done
cp "$MODS/drivers/xen/xenfs/xenfs.ko" "$R/usr/lib/modules/"
for m in drivers/virtio/virtio drivers/virtio/virtio_ring drivers/virtio/virtio_pci_modern_dev \
         drivers/virtio/virtio_pci_legacy_dev drivers/virtio/virtio_pci fs/netfs/netfs fs/fscache/fscache \
         net/9p/9pnet net/9p/9pnet_virtio fs/9p/9p; do
  cp "$MODS/$m.ko" "$R/usr/lib/modules/"
done
mkdir -p "$R/boot"
# the payload of the bzImage: an XZ stream (Debian's kernels) or gzip, the vmlinux ELF (and its relocations)
K="$X/boot/vmlinuz-$KVER"
magic_at() { LC_ALL=C grep -m1 -obUaP "$1" "$K" | LC_ALL=C awk -F: 'NR == 1 {print $1}'; }
fmt=xz; off=$(magic_at '\xfd7zXZ\x00')
[ -n "$off" ] || { fmt=gzip; off=$(magic_at '\x1f\x8b\x08'); }
[ -n "$off" ] || { echo "build-images: neither an XZ nor a gzip payload in $K" >&2; exit 1; }
# (the decompressors stop at the end of their stream: what follows it is not theirs, hence no pipes)
tail -c +$((off + 1)) "$K" > "$WORK/vmlinux.payload"
case $fmt in
  xz) xz -dc --single-stream "$WORK/vmlinux.payload" > "$WORK/vmlinux" ;;
  gzip) gzip -dc "$WORK/vmlinux.payload" > "$WORK/vmlinux" 2>/dev/null || true ;;  # "trailing garbage ignored": exit 2
esac
rm -f "$WORK/vmlinux.payload"
[ "$(head -c 4 "$WORK/vmlinux" | od -An -c | tr -d ' ')" = '177ELF' ] || { echo "build-images: no ELF kernel in the bzImage" >&2; exit 1; }
cp "$WORK/domu.cpio.gz" "$R/boot/domu.cpio.gz"
install -m755 "$HERE/dom0-init.sh" "$R/init"
(cd "$R" && find . | cpio -H newc -o --quiet | gzip -1) > "$WORK/dom0.cpio.gz"
ls -l "$WORK/domu.cpio.gz" "$WORK/dom0.cpio.gz"
echo "real-xen: images built in $(( $(date +%s) - t0 )) s"
