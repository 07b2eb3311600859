package io.github.xlsnap.examples;

import io.github.xlsnap.core.CreateSpec;
import io.github.xlsnap.core.DomainRef;
import io.github.xlsnap.core.DomainSelector;
import io.github.xlsnap.core.RevertOptions;
import io.github.xlsnap.core.RiskyRevertException;
import io.github.xlsnap.core.Snapshot;
import io.github.xlsnap.core.SnapshotExistsException;
import io.github.xlsnap.core.SnapshotManager;
import java.util.List;
import java.util.function.Predicate;

/** Reacting to xlsnap's typed errors instead of parsing messages. */
public final class TypedErrorsExample {
  private TypedErrorsExample() {}

  /**
   * Takes a snapshot named {@code base}, or {@code base-2}, {@code base-3}... if the name is taken.
   *
   * @param manager the manager
   * @param domain the domain
   * @param base the preferred name
   * @return the snapshot taken
   */
  public static Snapshot createWithFreeName(SnapshotManager manager, DomainSelector domain, String base) {
    String name = base;
    for (int i = 2; ; i++) {
      try {
        return manager.create(domain, CreateSpec.builder().name(name).build());
      } catch (SnapshotExistsException taken) {
        name = base + "-" + i; // nothing was changed: try the next name
      }
    }
  }

  /**
   * Reverts, accepting a risky revert only for the reasons the caller accepts.
   *
   * @param manager the manager
   * @param domain the domain
   * @param snapshot the snapshot to revert to
   * @param acceptable which risk reasons are acceptable
   * @return the domain's new instance
   * @throws RiskyRevertException if a reason is not acceptable
   */
  public static DomainRef revertAccepting(
      SnapshotManager manager, DomainSelector domain, String snapshot, Predicate<String> acceptable) {
    try {
      return manager.revert(domain, snapshot, RevertOptions.DEFAULTS);
    } catch (RiskyRevertException risky) {
      List<String> reasons = risky.reasons();
      if (!reasons.stream().allMatch(acceptable)) {
        throw risky;
      }
      return manager.revert(domain, snapshot, RevertOptions.DEFAULTS.forced());
    }
  }
}
