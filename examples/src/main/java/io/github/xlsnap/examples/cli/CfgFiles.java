package io.github.xlsnap.examples.cli;

import io.github.xlsnap.core.CreateSpec;
import java.nio.file.Path;

/** Reads snapshot cfgfiles for {@code snapshot-create}. */
final class CfgFiles {
  private CfgFiles() {}

  static CreateSpec snapshotSpec(Path cfgfile) {
    throw new UnsupportedOperationException("cfgfiles are read by xlsnap-cfg-parser: " + cfgfile);
  }
}
