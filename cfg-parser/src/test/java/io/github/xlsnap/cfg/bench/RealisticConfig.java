package io.github.xlsnap.cfg.bench;

import java.util.Random;

/**
 * Generates a large, realistic xl configuration: blocks of per-guest keys with comments, numbers as
 * xl users write them (decimal, hex), strings with escapes, {@code +=} on strings and lists, vif
 * lists, nested cpu lists, and {@code disk += [...]} items in every disk spec form (positional,
 * {@code key=value}, cdrom), so that the final {@code disk} list holds three disks per block.
 * Deterministic for a given size.
 */
public final class RealisticConfig {
  private RealisticConfig() {}

  /**
   * Generates a configuration of at least {@code minChars} characters (ASCII, so as many bytes).
   *
   * @param minChars the least length
   * @return the text, ending with a newline
   */
  public static String generate(int minChars) {
    Random r = new Random(42);
    StringBuilder b = new StringBuilder(minChars + 4096);
    b.append("# Generated xl.cfg for the cfg-parser benchmark: many guests' keys in one file.\n")
        .append("name = \"bench\"\nuuid = \"6f1f9d2c-8d2e-4e7a-9c1b-1b2f3c4d5e6f\"\ntype = \"pvh\"\n")
        .append("memory = 4096\nmaxmem = 0x2000\nvcpus = 8\nkernel = \"/boot/vmlinuz\"\n")
        .append("disk = [ '/srv/xen/bench/root.qcow2,qcow2,xvda,rw' ]\n\n");
    for (int i = 0; b.length() < minChars; i++) {
      String g = "guest" + i;
      b.append("# ").append(g).append(": ").append(i % 3 == 0 ? "web tier" : i % 3 == 1 ? "database" : "batch")
          .append(", owner team-").append(r.nextInt(100)).append('\n');
      b.append(g).append(".name = \"").append(g).append("\"\n");
      b.append(g).append(".memory = ").append(i % 2 == 0 ? "0x" + Integer.toHexString(512 << r.nextInt(5)) : 1024 + r.nextInt(8192))
          .append("  # MiB\n");
      b.append(g).append(".vcpus = ").append(1 + r.nextInt(16)).append("; ").append(g).append(".on_crash = 'restart'\n");
      b.append(g).append(".extra = \"console=hvc0 root=/dev/xvda1 ro\"\n");
      b.append(g).append(".extra += ' quiet loglevel=").append(r.nextInt(8)).append("'\n");
      b.append(g).append(".motd = 'line one\\nline \\\"two\\\"\\ttabbed'\n");
      b.append(g).append(".vif = [ 'mac=00:16:3e:").append(hex(r)).append(':').append(hex(r)).append(':').append(hex(r))
          .append(",bridge=xenbr0', 'mac=00:16:3e:").append(hex(r)).append(':').append(hex(r)).append(':').append(hex(r))
          .append(",bridge=xenbr1,rate=100Mb/s', ]\n");
      b.append(g).append(".cpus = [ [0, 1], [2, 3], [").append(r.nextInt(64)).append(", 0").append(r.nextInt(8)).append("] ]\n");
      b.append("disk += [\n")
          .append("    '/srv/xen/").append(g).append("/root.qcow2,qcow2,xvd").append(letter(i)).append(",rw',   # root\n")
          .append("    'format=raw, vdev=xvd").append(letter(i + 1)).append(", access=ro, target=/dev/vg0/").append(g)
          .append("-data',\n")
          .append("    'format=raw, vdev=hd").append(letter(i + 2)).append(", access=ro, devtype=cdrom, target=/srv/iso/")
          .append(g).append(".iso',\n")
          .append("]\n\n");
    }
    return b.toString();
  }

  private static String hex(Random r) {
    return String.format("%02x", r.nextInt(256));
  }

  private static char letter(int i) {
    return (char) ('a' + i % 26);
  }
}
