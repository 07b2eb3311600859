/*
 * The test guest's counter (the real-xen stage; domu-init.sh execs it once /dev/xvda is there), built static by
 * build-images.sh. Every second: i = i + 1 in memory, read sector 0 of the disk (the counter the disk holds),
 * write "DISKTICK i" to sector 0 (O_DIRECT, then fsync, so it reaches QEMU's qdisk backend at once), then print
 *   @@DOMU_TICK i disk_before='DISKTICK m'
 * on the console, which xenconsoled logs in dom0 ('empty' when the sector held no text, @@DOMU_WRITE_ERR i
 * when the write failed). After a restore the first line shows the memory counter (i) and the disk's (m).
 *
 * It does what the shell loop it replaces did (dd | head | tr, printf | dd, sleep 1), in one process: that
 * loop started about seven processes a second in every guest, and in a PV guest under QEMU TCG each fork and
 * exec is a storm of emulated page-table hypercalls, CPU the stage's two vCPUs lacked (NOTES-real-xen.md).
 * The device is opened anew each tick, as each dd did.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SECTOR 512

int main(int argc, char **argv) {
  const char *device = argc > 1 ? argv[1] : "/dev/xvda";
  char *sector;
  if (posix_memalign((void **) &sector, 4096, SECTOR) != 0) {
    fputs("@@DOMU_TICKER no memory\n", stdout);
    return 1;
  }
  setvbuf(stdout, NULL, _IOLBF, 0);
  for (long i = 1;; i++) {
    char before[16];
    size_t n = 0;
    int written = 0;
    int fd = open(device, O_RDWR | O_DIRECT);
    if (fd >= 0) {
      /* the first 15 bytes, NULs and newlines left out (head -c 15 | tr -d '\000\n') */
      if (pread(fd, sector, SECTOR, 0) == SECTOR) {
        for (int k = 0; k < 15; k++) {
          if (sector[k] != '\0' && sector[k] != '\n') {
            before[n++] = sector[k];
          }
        }
      }
      memset(sector, 0, SECTOR);
      snprintf(sector, SECTOR, "DISKTICK %06ld\n", i);
      written = pwrite(fd, sector, SECTOR, 0) == SECTOR && fsync(fd) == 0;
      close(fd);
    }
    before[n] = '\0';
    if (!written) {
      printf("@@DOMU_WRITE_ERR %ld\n", i);
    }
    printf("@@DOMU_TICK %ld disk_before='%s'\n", i, n > 0 ? before : "empty");
    struct timespec second = {1, 0};
    while (nanosleep(&second, &second) != 0) {
    }
  }
}
