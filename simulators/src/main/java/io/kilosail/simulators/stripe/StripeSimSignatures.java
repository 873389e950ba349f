package io.kilosail.simulators.stripe;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.List;

/**
 * Stripe's webhook signature as Stripe computes it: {@code Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>...]}
 * where each {@code v1} is hex(HMAC-SHA256(endpoint secret, "<t>.<raw body>")), one per secret that is live (two
 * while a secret is being rotated).
 *
 * <p>Written from {@code shared/reference/third-parties.md} independently of kilosail's Stripe webhook verifier, so a
 * mistake in either reading fails a round trip instead of cancelling out.
 */
final class StripeSimSignatures {

  static final String HEADER = "Stripe-Signature";

  private static final char[] HEX_DIGITS = "0123456789abcdef".toCharArray();

  private StripeSimSignatures() {
  }

  /** The header value for {@code body} sent at {@code unixSeconds}, one {@code v1} per secret, in the given order. */
  static String header(List<String> secrets, long unixSeconds, byte[] body) {
    StringBuilder header = new StringBuilder("t=").append(unixSeconds);
    for (String secret : secrets) {
      header.append(",v1=").append(v1(secret, unixSeconds, body));
    }
    return header.toString();
  }

  /** One signature: hex(HMAC-SHA256(secret, "<t>.<body>")). */
  static String v1(String secret, long unixSeconds, byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      mac.update((unixSeconds + ".").getBytes(StandardCharsets.US_ASCII));
      return hex(mac.doFinal(body));
    } catch (GeneralSecurityException e) {
      // HmacSHA256 is required of every JVM; reaching this is a broken runtime, not bad input.
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }

  private static String hex(byte[] bytes) {
    char[] out = new char[bytes.length * 2];
    for (int i = 0; i < bytes.length; i++) {
      out[2 * i] = HEX_DIGITS[(bytes[i] >> 4) & 0xf];
      out[2 * i + 1] = HEX_DIGITS[bytes[i] & 0xf];
    }
    return new String(out);
  }
}
