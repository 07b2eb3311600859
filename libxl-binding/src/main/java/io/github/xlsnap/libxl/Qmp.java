package io.github.xlsnap.libxl;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.xlsnap.core.HypervisorException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * A short-lived QMP client on one of QEMU's monitor sockets (JSON lines over a Unix socket): reads the
 * greeting, negotiates capabilities, then runs commands one at a time and collects the asynchronous
 * events that arrive in between. Every read has a deadline: QEMU's monitor sockets accept one client,
 * and a socket another client holds accepts the connection but never greets.
 *
 * <p>For a domain's device model, xlsnap uses {@code /var/run/xen/qmp-libxenstat-<domid>}, the second
 * socket libxl gives every QEMU it starts: holding libxl's own {@code qmp-libxl-<domid>} would stall
 * libxl. Not thread-safe; one command at a time.
 */
final class Qmp implements AutoCloseable {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final Path socket;
  private final Duration timeout;
  private final SocketChannel channel;
  private final Selector selector;
  private final ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
  private final ByteArrayOutputStream line = new ByteArrayOutputStream();
  private final Deque<JsonNode> events = new ArrayDeque<>();
  private long nextId = 1;
  private boolean closed;

  private Qmp(Path socket, Duration timeout, SocketChannel channel, Selector selector) {
    this.socket = socket;
    this.timeout = timeout;
    this.channel = channel;
    this.selector = selector;
    buffer.flip();
  }

  /**
   * Connects, reads the greeting and leaves capabilities negotiation mode. Waits first while a libxl
   * operation that may start a process runs ({@link ChildFds}).
   *
   * @param socket the monitor's Unix socket
   * @param timeout the deadline of each read
   * @return the connected client
   * @throws HypervisorException if the socket cannot be reached or QEMU does not answer in time
   */
  static Qmp connect(Path socket, Duration timeout) {
    requireNonNull(socket, "socket");
    requireNonNull(timeout, "timeout");
    SocketChannel channel = null;
    Selector selector = null;
    ChildFds.PROCESS.enterMonitor();
    try {
      channel = SocketChannel.open(StandardProtocolFamily.UNIX);
      channel.connect(UnixDomainSocketAddress.of(socket));
      channel.configureBlocking(false);
      selector = Selector.open();
      channel.register(selector, SelectionKey.OP_READ);
      ChildFds.closeOnExecAll("QMP connect");
    } catch (IOException | RuntimeException e) {
      closeQuietly(channel, selector);
      ChildFds.PROCESS.exitMonitor();
      if (e instanceof HypervisorException h) {
        throw h;
      }
      throw new HypervisorException("QMP connect", 0, "cannot connect to QEMU's monitor socket " + socket
          + ": " + describe(e), e);
    }
    Qmp qmp = new Qmp(socket, timeout, channel, selector);
    try {
      JsonNode greeting = qmp.readMessage("the greeting (is another client holding the socket?)");
      if (!greeting.has("QMP")) {
        throw qmp.failure("QMP connect", "expected QEMU's greeting, got " + abbreviate(greeting.toString()), null);
      }
      qmp.execute("qmp_capabilities", null);
      return qmp;
    } catch (RuntimeException e) {
      qmp.close();
      throw e;
    }
  }

  /**
   * Runs a command and returns its {@code return} value.
   *
   * @param command the QMP command, e.g. {@code query-block}
   * @param arguments its arguments, or {@code null} for none
   * @return the value QEMU returned
   * @throws HypervisorException naming the command, QEMU's error class and description if QEMU refused
   */
  JsonNode execute(String command, @Nullable ObjectNode arguments) {
    requireNonNull(command, "command");
    ObjectNode message = MAPPER.createObjectNode();
    message.put("execute", command);
    if (arguments != null) {
      message.set("arguments", arguments);
    }
    long id = nextId++;
    message.put("id", id);
    write(message);
    while (true) {
      JsonNode reply = readMessage("the reply to " + command);
      if (reply.has("event")) {
        events.add(reply);
        continue;
      }
      if (reply.path("id").asLong(-1) != id) {
        continue;
      }
      if (reply.has("error")) {
        JsonNode error = reply.get("error");
        throw failure("QMP " + command, "QEMU refused " + command + " " + (arguments == null ? "" : arguments)
            + ": " + error.path("class").asText("?") + ": " + error.path("desc").asText("?"), null);
      }
      return reply.path("return");
    }
  }

  /**
   * Waits for an event, first among those that arrived while commands ran.
   *
   * @param accept which events to take (the others are dropped)
   * @param what the awaited event, for the timeout's message
   * @param wait how long to wait in all
   * @return the event
   * @throws HypervisorException if none arrives in time
   */
  JsonNode awaitEvent(Predicate<JsonNode> accept, String what, Duration wait) {
    requireNonNull(accept, "accept");
    long deadline = System.nanoTime() + wait.toNanos();
    while (true) {
      while (!events.isEmpty()) {
        JsonNode event = events.poll();
        if (accept.test(event)) {
          return event;
        }
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw failure("QMP event", "no " + what + " from QEMU within " + wait, null);
      }
      JsonNode message = readMessage(what, Duration.ofNanos(Math.min(left, timeout.toNanos())));
      if (message.has("event")) {
        events.add(message);
      }
    }
  }

  /**
   * Makes an event predicate.
   *
   * @param name the event's name
   * @param device the value of its {@code data.device} (a block job's id)
   * @return whether an event is that one
   */
  static Predicate<JsonNode> event(String name, String device) {
    return e -> name.equals(e.path("event").asText()) && device.equals(e.path("data").path("device").asText());
  }

  /** A fresh argument object for {@link #execute}. */
  static ObjectNode arguments() {
    return MAPPER.createObjectNode();
  }

  private void write(JsonNode message) {
    byte[] bytes;
    try {
      bytes = (MAPPER.writeValueAsString(message) + "\n").getBytes(StandardCharsets.UTF_8);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    ByteBuffer out = ByteBuffer.wrap(bytes);
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      while (out.hasRemaining()) {
        if (channel.write(out) == 0) {
          if (System.nanoTime() > deadline) {
            throw failure("QMP write", "QEMU does not read its monitor socket", null);
          }
          Thread.onSpinWait();
        }
      }
    } catch (IOException e) {
      throw failure("QMP write", "cannot write to the monitor: " + describe(e), e);
    }
  }

  private JsonNode readMessage(String what) {
    return readMessage(what, timeout);
  }

  private JsonNode readMessage(String what, Duration wait) {
    long deadline = System.nanoTime() + wait.toNanos();
    while (true) {
      while (buffer.hasRemaining()) {
        byte b = buffer.get();
        if (b == '\n') {
          String text = line.toString(StandardCharsets.UTF_8).strip();
          line.reset();
          if (text.isEmpty()) {
            continue;
          }
          try {
            return MAPPER.readTree(text);
          } catch (JsonProcessingException e) {
            throw failure("QMP read", "not JSON from QEMU: " + abbreviate(text), e);
          }
        }
        line.write(b);
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw failure("QMP read", "no answer from QEMU within " + wait + " while waiting for " + what, null);
      }
      try {
        selector.select(Math.max(1, left / 1_000_000));
        Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
        while (keys.hasNext()) {
          keys.next();
          keys.remove();
        }
        buffer.clear();
        int n = channel.read(buffer);
        buffer.flip();
        if (n < 0) {
          throw failure("QMP read", "QEMU closed the monitor while we waited for " + what, null);
        }
      } catch (IOException e) {
        throw failure("QMP read", "cannot read the monitor: " + describe(e), e);
      }
    }
  }

  private HypervisorException failure(String operation, String message, @Nullable Throwable cause) {
    return new HypervisorException(operation, 0, message + " (" + socket + ")", cause);
  }

  /**
   * Describes an I/O failure. The channels are interruptible: interrupting the thread closes the
   * connection ({@link ClosedByInterruptException}, no message), and the thread stays interrupted.
   */
  private static String describe(Exception e) {
    if (e instanceof ClosedByInterruptException) {
      return "the thread was interrupted, which closed the connection";
    }
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }

  private static String abbreviate(String s) {
    return s.length() <= 300 ? s : s.substring(0, 300) + "...";
  }

  /** Disconnects, and lets libxl operations that start processes run again. Idempotent. */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    try {
      closeQuietly(channel, selector);
    } finally {
      ChildFds.PROCESS.exitMonitor();
    }
  }

  private static void closeQuietly(@Nullable SocketChannel channel, @Nullable Selector selector) {
    try {
      if (selector != null) {
        selector.close();
      }
    } catch (IOException e) {
      // nothing left to do
    }
    try {
      if (channel != null) {
        channel.close();
      }
    } catch (IOException e) {
      // nothing left to do
    }
  }
}
