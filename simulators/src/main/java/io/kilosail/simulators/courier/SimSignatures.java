package io.kilosail.simulators.courier;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;

/**
 * The four platforms' signature schemes, written from the reference independently of kilosail's own wire classes,
 * so a round trip between the simulator and kilosail checks one reading of the reference against another.
 */
final class SimSignatures {

  private SimSignatures() {
  }

  /**
   * Shansong: UPPER(MD5(appSecret + "clientId" + clientId + ["data" + data] + "shopId" + shopId + "timestamp" +
   * timestamp)); the data part is left out when there is no data.
   */
  static String shansong(String appSecret, String clientId, String shopId, String data, String timestamp) {
    String dataPart = data == null || data.isEmpty() ? "" : "data" + data;
    String plain = appSecret + "clientId" + clientId + dataPart + "shopId" + shopId + "timestamp" + timestamp;
    return hex(digest("MD5", plain)).toUpperCase();
  }

  /** UU v3: UPPER(MD5(biz + appKey + timestamp)). */
  static String uu(String biz, String appKey, String timestamp) {
    return hex(digest("MD5", biz + appKey + timestamp)).toUpperCase();
  }

  /**
   * UU callbacks (v2 rule, which the reference gives for a receiver that checks): the non-empty fields but sign,
   * sorted by name, as {@code k=v} joined by {@code &}, then {@code &key=<appSecret>}; MD5, upper case.
   */
  static String uuCallback(Map<String, String> fields, String appSecret) {
    StringBuilder plain = new StringBuilder();
    for (Map.Entry<String, String> field : new TreeMap<>(fields).entrySet()) {
      if (field.getKey().equals("sign") || field.getValue() == null || field.getValue().isEmpty()) {
        continue;
      }
      plain.append(plain.length() == 0 ? "" : "&").append(field.getKey()).append('=').append(field.getValue());
    }
    plain.append("&key=").append(appSecret);
    return hex(digest("MD5", plain.toString())).toUpperCase();
  }

  /** SF same-city: Base64 of the hex MD5 string of body + "&" + devId + "&" + devKey. */
  static String sf(String body, String devId, String devKey) {
    String hexMd5 = hex(digest("MD5", body + "&" + devId + "&" + devKey));
    return Base64.getEncoder().encodeToString(hexMd5.getBytes(StandardCharsets.US_ASCII));
  }

  /** Fengniao v3: hex(SHA256(appSecret + "k=v&k=v" over every non-empty field but signature, sorted by key)). */
  static String fengniao(String appSecret, Map<String, String> fields) {
    StringBuilder plain = new StringBuilder(appSecret);
    boolean first = true;
    for (Map.Entry<String, String> field : new TreeMap<>(fields).entrySet()) {
      if (field.getKey().equals("signature") || field.getValue() == null || field.getValue().isEmpty()) {
        continue;
      }
      plain.append(first ? "" : "&").append(field.getKey()).append('=').append(field.getValue());
      first = false;
    }
    return hex(digest("SHA-256", plain.toString()));
  }

  static boolean matches(String expected, String given) {
    return given != null
        && MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8), given.getBytes(StandardCharsets.UTF_8));
  }

  private static byte[] digest(String algorithm, String text) {
    try {
      return MessageDigest.getInstance(algorithm).digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(algorithm + " is in every JRE", e);
    }
  }

  private static String hex(byte[] bytes) {
    char[] digits = "0123456789abcdef".toCharArray();
    char[] out = new char[bytes.length * 2];
    for (int i = 0; i < bytes.length; i++) {
      out[2 * i] = digits[(bytes[i] >> 4) & 0xF];
      out[2 * i + 1] = digits[bytes[i] & 0xF];
    }
    return new String(out);
  }
}
