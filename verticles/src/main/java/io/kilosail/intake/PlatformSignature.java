package io.kilosail.intake;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;

/**
 * Verifies kilosail's ingress signature for upstream pushes: {@code X-Kilosail-Signature: v1=<hex HMAC-SHA256(secret,
 * timestamp + "." + rawBody)>} with {@code X-Kilosail-Timestamp} in Unix seconds. The timestamp is inside the MAC and
 * must be within the tolerance of our clock, so a captured request cannot be replayed later; the comparison is
 * constant-time so the signature cannot be guessed byte by byte from response times. Plain Java, no Vert.x.
 */
public final class PlatformSignature {

  public enum Failure { UNKNOWN_PLATFORM, MISSING_HEADER, BAD_TIMESTAMP, STALE_TIMESTAMP, BAD_SIGNATURE }

  /** The outcome; {@code failure} is null when the request is authentic. {@code detail} is safe to show the caller. */
  public record Verdict(Failure failure, String detail) {
    static final Verdict OK = new Verdict(null, null);

    public boolean ok() {
      return failure == null;
    }
  }

  private static final String ALGORITHM = "HmacSHA256";
  private static final String VERSION_PREFIX = "v1=";
  private static final HexFormat HEX = HexFormat.of();

  /** One initialised MAC per platform, cloned per request: cheaper than getInstance + init, and Mac is not thread-safe. */
  private final Map<String, Mac> macs = new HashMap<>();
  private final Duration tolerance;
  private final Clock clock;

  public PlatformSignature(Map<String, String> secrets, Duration tolerance, Clock clock) {
    secrets.forEach((platform, secret) -> macs.put(platform, mac(secret)));
    this.tolerance = tolerance;
    this.clock = clock;
  }

  public Verdict verify(String platform, String timestamp, String signature, byte[] body) {
    if (platform == null || platform.isBlank()) {
      return new Verdict(Failure.MISSING_HEADER, "header X-Kilosail-Platform is required");
    }
    Mac prototype = macs.get(platform);
    if (prototype == null) {
      // Same status as a bad signature: an unauthenticated caller learns nothing about which platforms exist.
      return new Verdict(Failure.UNKNOWN_PLATFORM, "platform is not known here");
    }
    if (timestamp == null || timestamp.isBlank()) {
      return new Verdict(Failure.MISSING_HEADER, "header X-Kilosail-Timestamp is required");
    }
    if (signature == null || signature.isBlank()) {
      return new Verdict(Failure.MISSING_HEADER, "header X-Kilosail-Signature is required");
    }
    if (!unixSeconds(timestamp)) {
      return new Verdict(Failure.BAD_TIMESTAMP, "X-Kilosail-Timestamp must be Unix seconds");
    }
    long skew = Math.abs(clock.millis() / 1000 - Long.parseLong(timestamp));
    if (skew > tolerance.toSeconds()) {
      return new Verdict(Failure.STALE_TIMESTAMP,
          "X-Kilosail-Timestamp is more than " + tolerance.toSeconds() + " s away from our clock");
    }
    byte[] expected = compute(prototype, timestamp, body);
    // Several v1= values (comma-separated) let a platform sign with an old and a new secret while rotating.
    boolean match = false;
    for (String part : signature.split(",")) {
      String value = part.trim();
      if (value.startsWith(VERSION_PREFIX)) {
        byte[] given = decodeHex(value.substring(VERSION_PREFIX.length()));
        match |= given != null && MessageDigest.isEqual(expected, given);
      }
    }
    return match ? Verdict.OK : new Verdict(Failure.BAD_SIGNATURE, "X-Kilosail-Signature does not match the body");
  }

  /** The header value a platform sends; used by tests, the simulators and the docs' example. */
  public static String sign(String secret, String timestamp, byte[] body) {
    return VERSION_PREFIX + HEX.formatHex(compute(mac(secret), timestamp, body));
  }

  private static byte[] compute(Mac prototype, String timestamp, byte[] body) {
    Mac mac;
    try {
      mac = (Mac) prototype.clone();
    } catch (CloneNotSupportedException e) {
      throw new IllegalStateException("HmacSHA256 of this JVM cannot be cloned", e);
    }
    mac.update(timestamp.getBytes(StandardCharsets.US_ASCII));
    mac.update((byte) '.');
    return mac.doFinal(body);
  }

  private static Mac mac(String secret) {
    try {
      Mac mac = Mac.getInstance(ALGORITHM);
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), ALGORITHM));
      return mac;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(ALGORITHM + " is not available", e);
    }
  }

  /** 1 to 12 ASCII digits, checked without compiling a pattern per request. */
  private static boolean unixSeconds(String timestamp) {
    int length = timestamp.length();
    if (length < 1 || length > 12) {
      return false;
    }
    for (int i = 0; i < length; i++) {
      char c = timestamp.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  }

  private static byte[] decodeHex(String hex) {
    try {
      return HEX.parseHex(hex);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
