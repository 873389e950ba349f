package io.kilosail.webhooks.stripe;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Stripe's webhook signature: {@code Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>...]}, where each
 * {@code v1} is HMAC-SHA256 over {@code "<t>.<raw body>"} with an endpoint secret. Verified on the raw bytes as
 * received (a re-serialised body would not match), against every {@code v1} and every configured secret (two while
 * one is rolled to the next), in constant time; a timestamp older than the tolerance is refused, so a captured
 * request cannot be replayed later. Other schemes ({@code v0}) are ignored, as Stripe's libraries do.
 */
public final class StripeSignature {

  /** Why a request was refused; {@link #VALID} when it was not. */
  public enum Verdict {
    VALID, NO_HEADER, MALFORMED_HEADER, TIMESTAMP_TOO_OLD, NO_MATCHING_SIGNATURE
  }

  private final List<byte[]> secrets;
  private final long toleranceSeconds;

  public StripeSignature(List<String> secrets, long toleranceSeconds) {
    this.secrets = secrets.stream().map(s -> s.getBytes(StandardCharsets.UTF_8)).toList();
    this.toleranceSeconds = toleranceSeconds;
  }

  public Verdict verify(String header, byte[] rawBody, long nowEpochSeconds) {
    if (header == null || header.isBlank()) {
      return Verdict.NO_HEADER;
    }
    Long timestamp = null;
    List<byte[]> signatures = new ArrayList<>();
    for (String part : header.split(",")) {
      int eq = part.indexOf('=');
      if (eq <= 0) {
        return Verdict.MALFORMED_HEADER;
      }
      String key = part.substring(0, eq).trim();
      String value = part.substring(eq + 1).trim();
      if (key.equals("t")) {
        try {
          timestamp = Long.parseLong(value);
        } catch (NumberFormatException e) {
          return Verdict.MALFORMED_HEADER;
        }
      } else if (key.equals("v1")) {
        // Compared as text bytes: hex of any case would be Stripe's lower case; no decoding step to trip over.
        signatures.add(value.getBytes(StandardCharsets.US_ASCII));
      }
    }
    if (timestamp == null || signatures.isEmpty()) {
      return Verdict.MALFORMED_HEADER;
    }
    if (timestamp < nowEpochSeconds - toleranceSeconds) {
      return Verdict.TIMESTAMP_TOO_OLD;
    }
    boolean match = false;
    for (byte[] secret : secrets) {
      byte[] expected = hex(secret, timestamp, rawBody);
      for (byte[] signature : signatures) {
        // No early exit: the time taken says nothing about which comparison, or how much of it, matched.
        match |= MessageDigest.isEqual(expected, signature);
      }
    }
    return match ? Verdict.VALID : Verdict.NO_MATCHING_SIGNATURE;
  }

  private static byte[] hex(byte[] secret, long timestamp, byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      mac.update((timestamp + ".").getBytes(StandardCharsets.US_ASCII));
      return HexFormat.of().formatHex(mac.doFinal(body)).getBytes(StandardCharsets.US_ASCII);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }
}
