package io.kilosail.access;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * The secret a shop customer reads its checkout order with: 32 random bytes (URL-safe base64), answered by
 * {@code POST /v1/checkout}; only its SHA-256 is stored ({@code checkout_order.read_secret_hash}), so a copy of the
 * database opens no order. A plain hash is enough here: the secret is random and long, nothing to brute-force.
 */
public final class OrderSecrets {

  private static final SecureRandom RANDOM = new SecureRandom();

  private OrderSecrets() {
  }

  public static String newSecret() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** Hex SHA-256 of the secret's UTF-8 bytes. */
  public static String hash(String secret) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
          .digest(secret.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Compares two hashes in constant time (a stored one may be null: no secret issued yet). */
  public static boolean matches(String storedHash, String givenHash) {
    return storedHash != null && givenHash != null && MessageDigest.isEqual(
        storedHash.getBytes(StandardCharsets.US_ASCII), givenHash.getBytes(StandardCharsets.US_ASCII));
  }
}
