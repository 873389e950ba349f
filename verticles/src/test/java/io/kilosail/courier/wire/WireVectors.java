package io.kilosail.courier.wire;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

/**
 * Fixed inputs for the wire tests and digests written out with the JDK only, so an expected signature never comes
 * from the code under test.
 */
final class WireVectors {

  static final Instant NOW = Instant.parse("2026-03-01T04:05:06.789Z");
  static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

  static final CourierOrderRequest ORDER = new CourierOrderRequest(
      "ks-0001", "北京市",
      new CourierPlace("老王面馆", "13800000001", "北京市朝阳区建国路1号", 39.9087, 116.4605),
      new CourierPlace("张三", "13900000002", "北京市朝阳区光华路9号", 39.9130, 116.4590),
      1500, 4800, "少辣", null);

  private WireVectors() {
  }

  static String md5LowerHex(String text) throws Exception {
    MessageDigest md5 = MessageDigest.getInstance("MD5");
    byte[] digest = md5.digest(text.getBytes(StandardCharsets.UTF_8));
    StringBuilder hex = new StringBuilder();
    for (byte b : digest) {
      hex.append(Character.forDigit((b >> 4) & 0xF, 16)).append(Character.forDigit(b & 0xF, 16));
    }
    return hex.toString();
  }

  static String sha256LowerHex(String text) throws Exception {
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    byte[] digest = sha.digest(text.getBytes(StandardCharsets.UTF_8));
    StringBuilder hex = new StringBuilder();
    for (byte b : digest) {
      hex.append(String.format("%02x", b));
    }
    return hex.toString();
  }
}
