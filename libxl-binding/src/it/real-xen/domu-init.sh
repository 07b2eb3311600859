#!/bin/sh
# /init of the test guest (PV or PVH domU): waits for /dev/xvda, then runs the counter, domu-ticker.c. Every
# second: i = i + 1 in memory, read sector 0 of /dev/xvda (the counter the disk holds), write "DISKTICK i" to
# sector 0 with O_DIRECT (so it reaches QEMU's qdisk backend at once), then print
# "@@DOMU_TICK i disk_before='DISKTICK m'" on the console, which xenconsoled logs in dom0. After a restore the
# first line shows the memory counter (i) and the disk's (m).
mount -t proc proc /proc
mount -t devtmpfs devtmpfs /dev
insmod /lib/modules/xen-blkfront.ko 2>/dev/null
n=0; while [ ! -b /dev/xvda ] && [ $n -lt 120 ]; do n=$((n+1)); sleep 0.5; done
echo "@@DOMU_BOOTED xvda=$([ -b /dev/xvda ] && echo yes || echo no)"
exec /bin/domu-ticker /dev/xvda
