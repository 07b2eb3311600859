/*
 * P5's peer: libxlutil's own parser of xl config files (xlu_cfg_readdata), timed warm on a file held
 * in memory. Prints one line per measured parse, "SAMPLE p5.c <ms>", after WARMUP untimed parses.
 * Build: gcc -O2 -o xlu-parse xlu-parse.c -lxlutil      (libxen-dev)
 * Usage: xlu-parse <file> [measured parses, default 20]
 * From the team's research scripts (perf/cfg-parse/xlu-parse.c), which printed the best of 20.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <libxl.h>
#include <libxlutil.h>

#define WARMUP 5

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s <file> [parses]\n", argv[0]);
    return 2;
  }
  int parses = argc > 2 ? atoi(argv[2]) : 20;
  FILE *f = fopen(argv[1], "rb");
  if (!f) {
    perror(argv[1]);
    return 1;
  }
  static char buf[1 << 24];
  size_t n = fread(buf, 1, sizeof buf, f);
  fclose(f);
  FILE *devnull = fopen("/dev/null", "w");
  for (int r = 0; r < WARMUP + parses; r++) {
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    XLU_Config *c = xlu_cfg_init(devnull, argv[1]);
    if (!c || xlu_cfg_readdata(c, buf, (int) n)) {
      fprintf(stderr, "%s: libxlutil could not parse it\n", argv[1]);
      return 1;
    }
    xlu_cfg_destroy(c);
    clock_gettime(CLOCK_MONOTONIC, &b);
    if (r >= WARMUP) {
      printf("SAMPLE p5.c %.4f\n", (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6);
    }
  }
  return 0;
}
