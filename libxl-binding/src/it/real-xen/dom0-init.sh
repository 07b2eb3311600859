#!/bin/sh
# /init of dom0 for the real-xen stage: a hand-written "xencommons" (xenstored, xen-init-dom0,
# xenconsoled), the 9p share from the host, then /share/run-tests.sh (the JUnit console launcher on the
# test class path, reports to /share/out). Prints @@MARK lines for timing and @@RESULT at the end.
export PATH=/usr/lib/xen-4.17/bin:/bin:/sbin:/usr/bin:/usr/sbin:/usr/local/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm /run /tmp && mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /run
mount -t tmpfs -o size=1200m tmpfs /tmp
mount -t tmpfs tmpfs /dev/shm
mkdir -p /run/xen /run/xenstored /run/lock /var/lib/xenstored /var/lib/xen /var/log/xen/console
now() { cut -d' ' -f1 /proc/uptime; }
mark() { echo "@@MARK $* dom0_uptime=$(now)"; }
finish() {
  echo "@@RESULT $1"
  if [ -d /share/out ]; then
    cp /var/log/xen/*.log /var/log/xen/console/*.log /share/out/logs/ 2>/dev/null
    xl dmesg > /share/out/logs/xl-dmesg.txt 2>&1
  fi
  sync; poweroff -f
}
mark DOM0_USERSPACE
for m in xen-evtchn xen-privcmd xenfs xen-gntdev xen-gntalloc; do insmod /lib/modules/$m.ko || echo "insmod $m failed"; done
mount -t xenfs xenfs /proc/xen || finish "FAIL mount xenfs"
XENSTORED_ROOTDIR=/var/lib/xenstored xenstored --pid-file /run/xen/xenstored.pid || finish "FAIL xenstored"
n=0; while ! xenstore-read -s / >/dev/null 2>&1; do n=$((n+1)); [ $n -gt 120 ] && finish "FAIL xenstored not answering"; sleep 0.5; done
xen-init-dom0 || finish "FAIL xen-init-dom0"
xenconsoled --pid-file=/run/xen/xenconsoled.pid --log=guest --log-dir=/var/log/xen/console || finish "FAIL xenconsoled"
for m in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci netfs fscache 9pnet 9pnet_virtio 9p; do
  insmod /lib/modules/$m.ko || echo "insmod $m failed"
done
mkdir -p /share
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144,cache=loose share /share || finish "FAIL mount 9p share"
mkdir -p /share/out/logs
mark TOOLSTACK_UP
xl info | grep -E 'xen_version|virt_caps|free_memory'
[ -x /share/run-tests.sh ] || finish "FAIL no /share/run-tests.sh"
mark TESTS_START
/share/run-tests.sh; rc=$?
mark TESTS_DONE rc=$rc
xl list
finish "DONE rc=$rc"
