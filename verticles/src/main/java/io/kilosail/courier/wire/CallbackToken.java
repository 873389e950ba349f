package io.kilosail.courier.wire;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;

/**
 * The secret kilosail puts in the callback URL it registers with a platform that does not sign its callbacks (UU,
 * Shansong): {@code ?token=<first 32 hex digits of HMAC-SHA256(appSecret, "kilosail-callback:" + platform id)>}.
 *
 * <p>Why a URL secret rather than confirming each callback with the platform's order-detail query: the check is a
 * constant-time string comparison on the webhook's hot path (hundreds per second), it needs no extra call that could
 * fail or be rate-limited by the platform, and a platform outage cannot make us refuse the callbacks it still sends.
 * Deriving it from the merchant's app secret means no new secret to provision or leak, and it rotates with it. Its
 * limit: whoever reads the registered URL (the platform, a proxy log) can forge callbacks until the app secret is
 * rotated; the order-detail query ({@link CourierWire#orderDetail}) remains the way to check a doubtful one.
 * Compute it by hand: {@code printf 'kilosail-callback:shansong' | openssl dgst -sha256 -hmac "$APP_SECRET"}.
 */
public final class CallbackToken {

  public static final String QUERY_PARAMETER = "token";
  private static final int HEX_DIGITS = 32;

  private CallbackToken() {
  }

  public static String of(String platformId, String appSecret) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(appSecret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      byte[] digest = mac.doFinal(("kilosail-callback:" + platformId).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest).substring(0, HEX_DIGITS);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every JRE has HmacSHA256", e);
    }
  }

  /** True when the callback's query carries this token. */
  static boolean matches(String expected, CourierInbound inbound) {
    return WireCodec.constantTimeEquals(expected, inbound.query().get(QUERY_PARAMETER));
  }
}
