/**
 * Xen's xl configuration language as libxlutil 4.17 reads it: {@link io.github.xlsnap.cfg.XlConfig}
 * (parse, typed accessors, write back), the seed design's snapshot cfgfile
 * ({@link io.github.xlsnap.cfg.SnapshotCfgFile}) and a domain's {@code xl.cfg}
 * ({@link io.github.xlsnap.cfg.DomainXlConfig}, {@link io.github.xlsnap.cfg.XlDisk}). Values are
 * immutable and thread-safe; bad input raises a {@link io.github.xlsnap.cfg.ConfigSyntaxException}
 * or {@link io.github.xlsnap.cfg.ConfigValueException} naming the file, line and column.
 */
@NullMarked
package io.github.xlsnap.cfg;

import org.jspecify.annotations.NullMarked;
