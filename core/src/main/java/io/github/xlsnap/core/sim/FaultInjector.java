package io.github.xlsnap.core.sim;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import io.github.xlsnap.core.HypervisorException;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/** The faults armed on one {@link SimulatedHypervisor}. Thread-safe. */
final class FaultInjector {
  /** For each armed point, how many calls still pass before one fails. Guarded by {@code this}. */
  private final Map<SimFault, Integer> callsToSkip = new EnumMap<>(SimFault.class);

  synchronized void arm(SimFault point, int skipCalls) {
    requireNonNull(point, "point");
    checkArgument(skipCalls >= 0, "skipCalls %s < 0", skipCalls);
    callsToSkip.put(point, skipCalls);
  }

  synchronized void clear() {
    callsToSkip.clear();
  }

  synchronized Set<SimFault> pending() {
    return callsToSkip.isEmpty() ? Set.of() : Collections.unmodifiableSet(EnumSet.copyOf(callsToSkip.keySet()));
  }

  /**
   * Counts a call reaching the point and throws if this is the call the armed fault is for.
   *
   * @throws HypervisorException the injected fault, with the point's name as operation
   */
  void check(SimFault point) {
    boolean fire;
    synchronized (this) {
      Integer skip = callsToSkip.get(point);
      fire = skip != null && skip == 0;
      if (fire) {
        callsToSkip.remove(point);
      } else if (skip != null) {
        callsToSkip.put(point, skip - 1);
      }
    }
    if (fire) {
      throw new HypervisorException(point.name(), 0, "injected fault " + point, null);
    }
  }
}
