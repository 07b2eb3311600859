package io.github.xlsnap.examples;

import io.github.xlsnap.cfg.SnapshotCfgFile;
import io.github.xlsnap.core.CreateSpec;
import io.github.xlsnap.core.DomainSelector;
import io.github.xlsnap.core.Snapshot;
import io.github.xlsnap.core.SnapshotManager;
import java.nio.file.Path;

/**
 * Taking a snapshot from a snapshot cfgfile, as {@code xl snapshot-create <domain> <cfgfile>} does:
 * the cfgfile's values win over the caller's options.
 */
public final class CfgFileExample {
  private CfgFileExample() {}

  /**
   * Takes a snapshot described by a cfgfile such as:
   *
   * <pre>
   * name="before-upgrade"
   * description="taken by the upgrade job"
   * disks=['xvda,1,qcow2,/var/lib/xen/images/vm1-xvda.before.qcow2']
   * </pre>
   *
   * @param manager the manager
   * @param domain the domain
   * @param cfgfile the snapshot cfgfile
   * @param options what the caller asked for (e.g. {@code --name}, {@code --live}); the cfgfile wins
   * @return the snapshot taken
   * @throws io.github.xlsnap.cfg.ConfigSyntaxException naming the file, line and column of a syntax error
   */
  public static Snapshot create(SnapshotManager manager, DomainSelector domain, Path cfgfile, CreateSpec options) {
    CreateSpec fromFile = SnapshotCfgFile.read(cfgfile);
    return manager.create(domain, fromFile.overriding(options));
  }
}
