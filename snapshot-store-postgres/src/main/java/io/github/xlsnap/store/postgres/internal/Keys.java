package io.github.xlsnap.store.postgres.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The 64-bit keys of the store's advisory locks: the first 8 bytes of SHA-256 of the lock's purpose,
 * the schema and the object, so that stores in different schemas of one database, and locks of
 * different purposes, never share a key (but by a 2^-64 chance).
 */
public final class Keys {
  private Keys() {}

  /**
   * Returns a lock's key.
   *
   * @param purpose what the lock is for ({@code "lease"}, {@code "commit"}, {@code "migrate"})
   * @param schema the store's schema
   * @param object the locked object, e.g. a domain's UUID
   * @return the key
   */
  public static long of(String purpose, String schema, String object) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      byte[] h = sha.digest(("xlsnap\0" + purpose + "\0" + schema + "\0" + object).getBytes(StandardCharsets.UTF_8));
      return ByteBuffer.wrap(h).getLong();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from the JVM", e);
    }
  }

  /**
   * Returns the MD5 hex digest of a text's UTF-8 bytes, as PostgreSQL's {@code md5(text)} does.
   *
   * @param text the text
   * @return 32 lowercase hex digits
   */
  public static String md5(String text) {
    try {
      MessageDigest md = MessageDigest.getInstance("MD5");
      return java.util.HexFormat.of().formatHex(md.digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("MD5 is missing from the JVM", e);
    }
  }
}
