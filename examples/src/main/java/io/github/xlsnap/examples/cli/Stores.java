package io.github.xlsnap.examples.cli;

import io.github.xlsnap.core.spi.SnapshotStore;
import io.github.xlsnap.store.JsonSnapshotStore;
import io.github.xlsnap.store.postgres.PostgresSnapshotStore;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Opens the snapshot store the command line names with {@code --store}: a directory is the durable
 * JSON store; {@code postgresql://[user[:password]@]host[:port]/database[?...]} (libpq's form) or
 * {@code jdbc:postgresql://host[:port]/database[?...]} (the driver's) is the pool-wide PostgreSQL
 * store. Its password comes from the URL (libpq's user info, or the driver's {@code password}
 * property), else from {@code PGPASSWORD}; its user from the URL, else {@code PGUSER}, else the
 * driver's default. Its data root (memory images, on storage every host shares) is {@code --data-root},
 * else the default store directory; its host id is {@code --host-id}, else the host name.
 */
final class Stores {
  private Stores() {}

  /** What {@code --store} names. */
  sealed interface Spec permits Directory, Postgres {}

  /** A JSON store's root. */
  record Directory(Path root) implements Spec {}

  /** A PostgreSQL database: the JDBC URL without libpq's user info, and the credentials from it, if any. */
  record Postgres(String jdbcUrl, Optional<String> user, Optional<String> password) implements Spec {}

  /** Reads {@code --store}. */
  static Spec parse(String text) {
    if (text.startsWith("jdbc:postgresql:")) {
      return new Postgres(text, Optional.empty(), Optional.empty());
    }
    if (text.startsWith("postgresql://") || text.startsWith("postgres://")) {
      URI uri;
      try {
        uri = new URI(text);
      } catch (URISyntaxException e) {
        throw new ExitCodes.UsageException("--store: not a PostgreSQL URL (postgresql://host[:port]/database): "
            + e.getReason());
      }
      if (uri.getHost() == null) {
        throw new ExitCodes.UsageException("--store: a PostgreSQL URL names a host: postgresql://host[:port]/database");
      }
      Optional<String> user = Optional.empty();
      Optional<String> password = Optional.empty();
      if (uri.getRawUserInfo() != null) {
        String info = uri.getRawUserInfo();
        int colon = info.indexOf(':');
        user = Optional.of(decode(colon < 0 ? info : info.substring(0, colon))).filter(u -> !u.isEmpty());
        password = colon < 0 ? Optional.empty() : Optional.of(decode(info.substring(colon + 1)));
      }
      String host = uri.getHost().contains(":") && !uri.getHost().startsWith("[") ? "[" + uri.getHost() + "]"
          : uri.getHost();
      String jdbc = "jdbc:postgresql://" + host + (uri.getPort() < 0 ? "" : ":" + uri.getPort())
          + (uri.getRawPath() == null ? "/" : uri.getRawPath()) + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
      return new Postgres(jdbc, user, password);
    }
    if (text.contains("://")) {
      throw new ExitCodes.UsageException("--store " + text.replaceAll("//[^/@]*@", "//***@")
          + ": unknown URL; use a directory, postgresql://... or jdbc:postgresql:...");
    }
    return new Directory(Path.of(text));
  }

  private static String decode(String s) {
    return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  /** Opens the store; {@code dataRoot} and {@code hostId} are for a PostgreSQL store. */
  static SnapshotStore open(Spec spec, Path dataRoot, Optional<String> hostId, Map<String, String> env) {
    if (spec instanceof Directory d) {
      return JsonSnapshotStore.open(d.root().toAbsolutePath());
    }
    Postgres p = (Postgres) spec;
    PostgresSnapshotStore.Builder b = PostgresSnapshotStore.builder(p.jdbcUrl()).dataRoot(dataRoot);
    p.user().or(() -> Optional.ofNullable(env.get("PGUSER")).filter(u -> !u.isEmpty())
        .filter(u -> !p.jdbcUrl().contains("user="))).ifPresent(b::user);
    p.password().or(() -> Optional.ofNullable(env.get("PGPASSWORD"))
        .filter(x -> !p.jdbcUrl().contains("password="))).ifPresent(b::password);
    hostId.ifPresent(b::hostId);
    return b.open();
  }
}
