package io.github.xlsnap.examples.cli;

import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Ctrl-C and SIGTERM during a command that changes a domain: instead of the JVM's default (run the
 * shutdown hooks and exit at once, in the middle of the operation, which would leave the domain
 * paused), the command's thread is interrupted. The operation sees the interrupt where it waits (the
 * libxl backend aborts its asynchronous call, a disk tool is stopped, a file write fails), rolls back
 * with the interrupt status set aside, and fails; the command then exits with 128 plus the signal's
 * number (130, 143) and one line. A second signal while that rollback runs is noted, not obeyed: the
 * rollback is what keeps the guest running, and a kill is still possible (a killed run is recovered
 * by the next command on the domain).
 *
 * <p>Uses {@code sun.misc.Signal} (module {@code jdk.unsupported}, in every JDK), through reflection so
 * that compiling against it raises no proprietary-API warning. Where a signal's
 * handler cannot be installed (the JVM runs with {@code -Xrs}, or the signal was ignored when it
 * started, as for a background job of a non-interactive shell), the default stays.
 */
final class Cancellation implements AutoCloseable {
  private static final Map<String, Integer> SIGNALS = Map.of("INT", 2, "TERM", 15);

  private final Thread worker;
  private final PrintWriter err;
  private final List<Object> installed = new ArrayList<>();
  private final List<Object> previous = new ArrayList<>();
  private volatile String received;
  private Method restore;

  private Cancellation(Thread worker, PrintWriter err) {
    this.worker = worker;
    this.err = err;
  }

  /**
   * Routes SIGINT and SIGTERM to interrupting the calling thread until {@link #close()}.
   *
   * @param err where a second signal is acknowledged
   * @return the installed handlers
   */
  static Cancellation onSignals(PrintWriter err) {
    Cancellation c = new Cancellation(Thread.currentThread(), err);
    try {
      Class<?> signalClass = Class.forName("sun.misc.Signal");
      Class<?> handlerClass = Class.forName("sun.misc.SignalHandler");
      Method handle = signalClass.getMethod("handle", signalClass, handlerClass);
      Method getName = signalClass.getMethod("getName");
      Object handler = Proxy.newProxyInstance(Cancellation.class.getClassLoader(), new Class<?>[] {handlerClass},
          (proxy, method, args) -> {
            if (method.getName().equals("handle") && args != null && args.length == 1) {
              c.handle((String) getName.invoke(args[0]));
              return null;
            }
            return switch (method.getName()) {
              case "hashCode" -> System.identityHashCode(proxy);
              case "equals" -> proxy == args[0];
              default -> "Cancellation handler";
            };
          });
      for (String name : SIGNALS.keySet()) {
        try {
          Object signal = signalClass.getConstructor(String.class).newInstance(name);
          Object old = handle.invoke(null, signal, handler);
          c.installed.add(signal);
          c.previous.add(old);
        } catch (InvocationTargetException e) {
          // -Xrs, or ignored at start-up (IllegalArgumentException): the default stays
        }
      }
      c.restore = handle;
    } catch (ReflectiveOperationException | RuntimeException e) {
      // no sun.misc.Signal in this runtime: the JVM's default stays
    }
    return c;
  }

  private void handle(String name) {
    if (received == null) {
      received = name;
      worker.interrupt();
    } else {
      synchronized (err) {
        err.println("xlsnap: SIG" + name + " again: still rolling back the cancelled operation");
        err.flush();
      }
    }
  }

  /**
   * The signal that cancelled the command.
   *
   * @return its name without the {@code SIG} prefix ({@code INT}, {@code TERM}), null if none came
   */
  String received() {
    return received;
  }

  /**
   * The exit code for a command a signal cancelled: 128 plus the signal's number, as a shell reports.
   *
   * @param name the signal's name, {@code INT} or {@code TERM}
   * @return 130 or 143
   */
  static int exitCode(String name) {
    return 128 + SIGNALS.get(name);
  }

  @Override
  public void close() {
    for (int i = 0; i < installed.size(); i++) {
      try {
        restore.invoke(null, installed.get(i), previous.get(i));
      } catch (ReflectiveOperationException e) {
        // the handler stays: it only interrupts this command's thread, which is done
      }
    }
  }

  /** A command cancelled by a signal: its exit code is 128 plus the signal's number. */
  static final class CancelledException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int exitCode;

    CancelledException(String signal, String message, Throwable cause) {
      super(message, cause);
      this.exitCode = Cancellation.exitCode(signal);
    }

    int exitCode() {
      return exitCode;
    }
  }
}
