/**
 * xlsnap cfg-parser: Xen's xl configuration language, the snapshot cfgfile of
 * {@code xl snapshot-create} and a domain's {@code xl.cfg}, read exactly as libxlutil 4.17 reads them.
 */
module io.github.xlsnap.cfg {
  requires transitive io.github.xlsnap.core;
  requires com.google.common;

  exports io.github.xlsnap.cfg;
}
