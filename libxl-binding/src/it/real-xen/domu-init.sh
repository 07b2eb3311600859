#!/bin/sh
# /init of the test guest (PV domU). Every second: i = i + 1 in memory, read sector 0 of /dev/xvda (the
# counter the disk holds), write "DISKTICK i" to sector 0 with O_DIRECT (so it reaches QEMU's qdisk
# backend at once), then print "@@DOMU_TICK i disk_before='DISKTICK m'" on the console, which
# xenconsoled logs in dom0. After a restore the first line shows the memory counter (i) and the disk's (m).
mount -t proc proc /proc
mount -t devtmpfs devtmpfs /dev
insmod /lib/modules/xen-blkfront.ko 2>/dev/null
n=0; while [ ! -b /dev/xvda ] && [ $n -lt 120 ]; do n=$((n+1)); sleep 0.5; done
echo "@@DOMU_BOOTED xvda=$([ -b /dev/xvda ] && echo yes || echo no)"
i=0
while true; do
  i=$((i+1))
  before=$(dd if=/dev/xvda bs=512 count=1 iflag=direct 2>/dev/null | head -c 15 | tr -d '\000\n')
  printf 'DISKTICK %06d\n' "$i" | dd of=/dev/xvda bs=512 seek=0 conv=sync,notrunc,fsync oflag=direct 2>/dev/null \
    || echo "@@DOMU_WRITE_ERR $i"
  echo "@@DOMU_TICK $i disk_before='${before:-empty}'"
  sleep 1
done
