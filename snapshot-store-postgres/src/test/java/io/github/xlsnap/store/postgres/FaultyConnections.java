package io.github.xlsnap.store.postgres;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

/**
 * The fault seam of a store's pooled connections: counts its I/O steps (each statement executed, each
 * batch, each commit) and fails the armed one as a broken connection would (SQLSTATE 08006). A failed
 * statement is not sent; a failed commit is sent and <em>then</em> reported failed, the acknowledgement
 * lost: the hardest case, which the store must settle by asking the database.
 */
final class FaultyConnections implements UnaryOperator<Connection> {
  private static final Set<String> EXECUTES = Set.of("execute", "executeQuery", "executeUpdate", "executeBatch",
      "executeLargeUpdate", "executeLargeBatch");

  private final AtomicInteger steps = new AtomicInteger();
  private volatile int armedAt = -1;
  private volatile boolean injected;
  /** Whether a failed commit is sent first (acknowledgement lost) or not sent at all. */
  private volatile boolean commitThenFail = true;

  /** Arms the {@code nth} step from now (1 = the next). */
  void arm(int nth) {
    steps.set(0);
    injected = false;
    armedAt = nth;
  }

  /** Makes a failed commit not reach the database at all, instead of failing after it did. */
  void failCommitsBeforeSending() {
    commitThenFail = false;
  }

  boolean injected() {
    return injected;
  }

  void disarm() {
    armedAt = -1;
  }

  private boolean fails() {
    int armed = armedAt;
    if (armed < 0) {
      return false;
    }
    if (steps.incrementAndGet() == armed) {
      injected = true;
      armedAt = -1;
      return true;
    }
    return false;
  }

  private static SQLException failure(String what) {
    return new SQLException("injected failure of " + what + ": An I/O error occurred while sending to the backend",
        "08006");
  }

  @Override
  public Connection apply(Connection real) {
    InvocationHandler h = (proxy, method, args) -> {
      String name = method.getName();
      if (name.equals("commit")) {
        if (fails()) {
          if (commitThenFail) {
            real.commit();
          }
          throw failure("commit");
        }
      }
      Object result = invoke(real, method, args);
      if (result instanceof Statement st && (name.equals("prepareStatement") || name.equals("createStatement"))) {
        return statement(st, method.getReturnType());
      }
      return result;
    };
    return (Connection) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Connection.class}, h);
  }

  private Object statement(Statement real, Class<?> type) {
    InvocationHandler h = (proxy, method, args) -> {
      if (EXECUTES.contains(method.getName()) && fails()) {
        throw failure(method.getName());
      }
      return invoke(real, method, args);
    };
    return Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {type}, h);
  }

  private static Object invoke(Object target, Method method, Object[] args) throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }
}
