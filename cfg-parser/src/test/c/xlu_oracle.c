/*
 * xlu_oracle: reports what the real libxlutil (Xen 4.17) reads, as JSON lines, so that the Java
 * differential test can compare xlsnap's parser with it. Written for xlsnap; compiled by the test.
 *
 *   xlu_oracle cfg FILE KEY...   parse FILE with xlu_cfg_readdata, then query each KEY
 *   xlu_oracle disk SPEC...      parse each SPEC alone with xlu_disk_parse
 *
 * Output, one JSON object a line:
 *   {"parse":RC,"report":"..."}                          after xlu_cfg_readdata
 *   {"key":K,"string_rc":RC,"string":S,"long_rc":RC,"long":N,"list_rc":RC,"list":[...]}
 *   {"disk":SPEC,"rc":RC,"report":"...","pdev_path":...,"vdev":...,"format":N,...}
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libxl.h>
#include <libxlutil.h>

static void json_string(FILE *out, const char *s) {
  if (!s) { fputs("null", out); return; }
  fputc('"', out);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    switch (*p) {
    case '"': fputs("\\\"", out); break;
    case '\\': fputs("\\\\", out); break;
    case '\n': fputs("\\n", out); break;
    default:
      if (*p < 0x20 || *p == 0x7f) fprintf(out, "\\u%04x", *p);
      /* bytes >= 0x80 pass through: a UTF-8 file gives UTF-8 JSON */
      else fputc(*p, out);
    }
  }
  fputc('"', out);
}

static void json_list(XLU_Config *cfg, XLU_ConfigList *list, int depth) {
  fputc('[', stdout);
  for (int i = 0;; i++) {
    XLU_ConfigValue *v = xlu_cfg_get_listitem2(list, i);
    if (!v) break;
    if (i) fputc(',', stdout);
    if (xlu_cfg_value_type(v) == XLU_STRING) {
      char *s = NULL;
      xlu_cfg_value_get_string(cfg, v, &s, 1);
      json_string(stdout, s);  /* points into the config: not ours to free */
    } else {
      XLU_ConfigList *inner = NULL;
      xlu_cfg_value_get_list(cfg, v, &inner, 1);
      json_list(cfg, inner, depth + 1);
    }
  }
  fputc(']', stdout);
}

static char *slurp(const char *path, long *len) {
  FILE *f = fopen(path, "rb");
  if (!f) { perror(path); exit(2); }
  fseek(f, 0, SEEK_END);
  *len = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc(*len + 1);
  if (fread(buf, 1, *len, f) != (size_t)*len) { perror(path); exit(2); }
  buf[*len] = 0;
  fclose(f);
  return buf;
}

static void defbool(const char *name, libxl_defbool b) {
  printf(",\"%s\":", name);
  if (libxl_defbool_is_default(b)) fputs("null", stdout);
  else fputs(libxl_defbool_val(b) ? "true" : "false", stdout);
}

int main(int argc, char **argv) {
  char *report = NULL;
  size_t report_len = 0;
  if (argc < 2) { fprintf(stderr, "usage: xlu_oracle cfg FILE KEY... | disk SPEC...\n"); return 2; }
  if (!strcmp(argv[1], "cfg") && argc >= 3) {
    FILE *rep = open_memstream(&report, &report_len);
    XLU_Config *cfg = xlu_cfg_init(rep, argv[2]);
    long len;
    char *data = slurp(argv[2], &len);
    int rc = xlu_cfg_readdata(cfg, data, (int)len);
    fflush(rep);
    printf("{\"parse\":%d,\"report\":", rc);
    json_string(stdout, report);
    puts("}");
    if (rc == 0) {
      for (int i = 3; i < argc; i++) {
        const char *s = NULL;
        long l = 0;
        XLU_ConfigList *list = NULL;
        int src = xlu_cfg_get_string(cfg, argv[i], &s, 1);
        int lrc = xlu_cfg_get_long(cfg, argv[i], &l, 1);
        int listrc = xlu_cfg_get_list(cfg, argv[i], &list, NULL, 1);
        printf("{\"key\":");
        json_string(stdout, argv[i]);
        printf(",\"string_rc\":%d,\"string\":", src);
        json_string(stdout, src ? NULL : s);
        printf(",\"long_rc\":%d,\"long\":\"%ld\",\"list_rc\":%d,\"list\":", lrc, lrc ? 0L : l, listrc);
        if (listrc) fputs("null", stdout); else json_list(cfg, list, 0);
        puts("}");
      }
    }
    xlu_cfg_destroy(cfg);
    fclose(rep);
    free(data);
  } else if (!strcmp(argv[1], "disk")) {
    for (int i = 2; i < argc; i++) {
      free(report);
      report = NULL;
      FILE *rep = open_memstream(&report, &report_len);
      XLU_Config *cfg = xlu_cfg_init(rep, "disk");
      libxl_device_disk disk;
      libxl_device_disk_init(&disk);
      const char *specs[1] = { argv[i] };
      int rc = xlu_disk_parse(cfg, 1, specs, &disk);
      fflush(rep);
      printf("{\"disk\":");
      json_string(stdout, argv[i]);
      printf(",\"rc\":%d,\"report\":", rc);
      json_string(stdout, report);
      if (rc == 0) {
        printf(",\"pdev_path\":"); json_string(stdout, disk.pdev_path);
        printf(",\"vdev\":"); json_string(stdout, disk.vdev);
        printf(",\"format\":%d,\"backend\":%d,\"script\":", (int)disk.format, (int)disk.backend);
        json_string(stdout, disk.script);
        printf(",\"backend_domname\":"); json_string(stdout, disk.backend_domname);
        printf(",\"readwrite\":%d,\"is_cdrom\":%d,\"removable\":%d,\"direct_io_safe\":%s",
               disk.readwrite, disk.is_cdrom, disk.removable, disk.direct_io_safe ? "true" : "false");
        defbool("discard_enable", disk.discard_enable);
        printf(",\"specification\":%d,\"transport\":%d", (int)disk.specification, (int)disk.transport);
        defbool("trusted", disk.trusted);
      }
      puts("}");
      libxl_device_disk_dispose(&disk);
      xlu_cfg_destroy(cfg);
      fclose(rep);
    }
  } else {
    fprintf(stderr, "usage: xlu_oracle cfg FILE KEY... | disk SPEC...\n");
    return 2;
  }
  free(report);
  return 0;
}
