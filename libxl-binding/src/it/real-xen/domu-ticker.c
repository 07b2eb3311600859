/*
 * The PV test guests' counter (the real-xen stage; domu-init.sh execs it once /dev/xvda is there, PVH guests
 * run the same loop in shell), built by build-images.sh. Every second: i = i + 1 in memory, read sector 0 of
 * the disk (the counter the disk holds), write "DISKTICK i" to sector 0 (O_DIRECT, then fsync, so it reaches
 * QEMU's qdisk backend at once), then print
 *   @@DOMU_TICK i disk_before='DISKTICK m'
 * on the console, which xenconsoled logs in dom0 ('empty' when the sector held no text, @@DOMU_WRITE_ERR i
 * when the write failed). After a restore the first line shows the memory counter (i) and the disk's (m).
 *
 * It does what the shell loop it replaces did (dd | head | tr, printf | dd, sleep 1), in one process: that
 * loop started about seven processes a second in every guest, and in a PV guest under QEMU TCG each fork and
 * exec is a burst of emulated page-table hypercalls, CPU the stage's two vCPUs lack (NOTES-real-xen.md, runs
 * 44-51). The device is opened anew each tick, as each dd did.
 *
 * No C library: x86-64 Linux system calls only, so the binary is a few KiB (with glibc linked in statically the
 * guests' initramfs grew by 750 KiB).
 */
#define SYS_WRITE 1
#define SYS_OPEN 2
#define SYS_CLOSE 3
#define SYS_PREAD64 17
#define SYS_PWRITE64 18
#define SYS_NANOSLEEP 35
#define SYS_EXIT 60
#define SYS_FSYNC 74
#define O_RDWR 02
#define O_DIRECT 040000
#define EINTR 4
#define SECTOR 512

static long syscall4(long number, long a, long b, long c, long d) {
  register long r10 __asm__("r10") = d;
  long result;
  __asm__ volatile("syscall" : "=a"(result) : "a"(number), "D"(a), "S"(b), "d"(c), "r"(r10) : "rcx", "r11", "memory");
  return result;
}

/* the compiler may turn the zeroing loop below into a call of memset, which no library provides here */
void *memset(void *to, int value, unsigned long n) {
  unsigned char *p = to;
  while (n-- > 0) {
    *p++ = (unsigned char) value;
  }
  return to;
}

static unsigned long length(const char *s) {
  unsigned long n = 0;
  while (s[n] != '\0') {
    n++;
  }
  return n;
}

/* appends s to line at *at */
static void put(char *line, unsigned long *at, const char *s) {
  for (unsigned long k = 0; s[k] != '\0'; k++) {
    line[(*at)++] = s[k];
  }
}

/* appends n in decimal, at least width digits (zeros before) */
static void put_number(char *line, unsigned long *at, long n, int width) {
  char digits[24];
  int count = 0;
  do {
    digits[count++] = (char) ('0' + n % 10);
    n /= 10;
  } while (n > 0);
  while (count < width) {
    digits[count++] = '0';
  }
  while (count > 0) {
    line[(*at)++] = digits[--count];
  }
}

static void say(const char *line, unsigned long n) {
  syscall4(SYS_WRITE, 1, (long) line, (long) n, 0);
}

static char sector[SECTOR] __attribute__((aligned(4096)));

static void run(const char *device) {
  for (long i = 1;; i++) {
    char before[16];
    unsigned long n = 0;
    int written = 0;
    long fd = syscall4(SYS_OPEN, (long) device, O_RDWR | O_DIRECT, 0, 0);
    if (fd >= 0) {
      /* the first 15 bytes, NULs and newlines left out (head -c 15 | tr -d '\000\n') */
      if (syscall4(SYS_PREAD64, fd, (long) sector, SECTOR, 0) == SECTOR) {
        for (int k = 0; k < 15; k++) {
          if (sector[k] != '\0' && sector[k] != '\n') {
            before[n++] = sector[k];
          }
        }
      }
      memset(sector, 0, SECTOR);
      unsigned long at = 0;
      put(sector, &at, "DISKTICK ");
      put_number(sector, &at, i, 6);
      put(sector, &at, "\n");
      written = syscall4(SYS_PWRITE64, fd, (long) sector, SECTOR, 0) == SECTOR && syscall4(SYS_FSYNC, fd, 0, 0, 0) == 0;
      syscall4(SYS_CLOSE, fd, 0, 0, 0);
    }
    before[n] = '\0';
    char line[96];
    unsigned long at = 0;
    if (!written) {
      put(line, &at, "@@DOMU_WRITE_ERR ");
      put_number(line, &at, i, 1);
      put(line, &at, "\n");
      say(line, at);
      at = 0;
    }
    put(line, &at, "@@DOMU_TICK ");
    put_number(line, &at, i, 1);
    put(line, &at, " disk_before='");
    put(line, &at, n > 0 ? before : "empty");
    put(line, &at, "'\n");
    say(line, at);
    long second[2] = {1, 0};
    while (syscall4(SYS_NANOSLEEP, (long) second, (long) second, 0, 0) == -EINTR) {
    }
  }
}

/* called by _start below with the initial stack: argc, then argv */
void ticker_start(long *stack);
void ticker_start(long *stack) {
  char **argv = (char **) (stack + 1);
  const char *device = stack[0] > 1 ? argv[1] : "/dev/xvda";
  if (length(device) == 0) {
    syscall4(SYS_EXIT, 2, 0, 0, 0);
  }
  run(device);
}

__asm__(".text\n.global _start\n_start:\n  xor %rbp, %rbp\n  mov %rsp, %rdi\n  and $-16, %rsp\n  call ticker_start\n  hlt\n");
