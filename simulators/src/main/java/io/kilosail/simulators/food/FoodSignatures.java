package io.kilosail.simulators.food;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;

/**
 * kilosail's upstream signature, as a food platform computes it: {@code X-Kilosail-Signature: v1=<hex
 * HMAC-SHA256(secret, timestamp + "." + rawBody)>}, {@code X-Kilosail-Timestamp} in Unix seconds.
 *
 * <p>Written from {@code docs/intake.md} and {@code openapi/intake.yaml} independently of kilosail's
 * {@code PlatformSignature}: the simulator signs its pushes and checks kilosail's callbacks with this, so a mistake in
 * either reading shows up as a 401 instead of cancelling out.
 */
final class FoodSignatures {

  static final String PLATFORM_HEADER = "X-Kilosail-Platform";
  static final String TIMESTAMP_HEADER = "X-Kilosail-Timestamp";
  static final String SIGNATURE_HEADER = "X-Kilosail-Signature";

  private static final String PREFIX = "v1=";
  private static final char[] HEX_DIGITS = "0123456789abcdef".toCharArray();

  private FoodSignatures() {
  }

  /** The header value for a body sent at {@code unixSeconds}. */
  static String sign(String secret, long unixSeconds, byte[] body) {
    return PREFIX + hex(hmac(secret, Long.toString(unixSeconds), body));
  }

  /**
   * Why a callback is not authentic, or null when it is. The timestamp must be within {@code toleranceSeconds} of
   * {@code nowSeconds} either way (a captured callback cannot be replayed later); several comma-separated {@code v1=}
   * values are accepted, as intake accepts them (secret rotation); the comparison is constant-time.
   */
  static String refusal(String secret, String timestamp, String signature, byte[] body, long nowSeconds,
                        long toleranceSeconds) {
    if (timestamp == null || timestamp.isBlank()) {
      return "header " + TIMESTAMP_HEADER + " is required";
    }
    if (signature == null || signature.isBlank()) {
      return "header " + SIGNATURE_HEADER + " is required";
    }
    if (!timestamp.matches("\\d{1,12}")) {
      return TIMESTAMP_HEADER + " must be Unix seconds, got '" + timestamp + "'";
    }
    if (Math.abs(nowSeconds - Long.parseLong(timestamp)) > toleranceSeconds) {
      return TIMESTAMP_HEADER + " " + timestamp + " is more than " + toleranceSeconds + " s away from our clock ("
          + nowSeconds + ")";
    }
    byte[] expected = hex(hmac(secret, timestamp, body)).getBytes(StandardCharsets.US_ASCII);
    boolean match = false;
    for (String part : signature.split(",")) {
      String value = part.trim();
      if (value.startsWith(PREFIX)) {
        // Hex is case-insensitive; every candidate is compared, so the timing does not tell which one matched.
        byte[] given = value.substring(PREFIX.length()).toLowerCase().getBytes(StandardCharsets.US_ASCII);
        match |= MessageDigest.isEqual(expected, given);
      }
    }
    return match ? null : SIGNATURE_HEADER + " does not match the body (v1=hex HMAC-SHA256(secret, timestamp + \".\" + rawBody))";
  }

  private static byte[] hmac(String secret, String timestamp, byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      mac.update(timestamp.getBytes(StandardCharsets.US_ASCII));
      mac.update((byte) '.');
      return mac.doFinal(body);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is in every JRE", e);
    }
  }

  private static String hex(byte[] bytes) {
    char[] out = new char[bytes.length * 2];
    for (int i = 0; i < bytes.length; i++) {
      out[2 * i] = HEX_DIGITS[(bytes[i] >> 4) & 0xF];
      out[2 * i + 1] = HEX_DIGITS[bytes[i] & 0xF];
    }
    return new String(out);
  }
}
