package io.github.xlsnap.examples.cli;

import io.github.xlsnap.cfg.SnapshotCfgFile;
import io.github.xlsnap.core.CreateSpec;
import java.nio.file.Path;

/** Reads snapshot cfgfiles for {@code snapshot-create}. */
final class CfgFiles {
  private CfgFiles() {}

  static CreateSpec snapshotSpec(Path cfgfile) {
    return SnapshotCfgFile.read(cfgfile.toAbsolutePath());
  }
}
