package io.kilosail.webhooks.stripe;

import io.kilosail.payment.PaymentState;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Reading Stripe's events and checking its signatures, without a server. */
class StripeEventTest {

  private static final long NOW = 1_790_000_000L;

  @Test
  void sessionEventsMapToThePaymentStateTheyMean() {
    assertThat(read("checkout.session.completed", session("complete", "paid")).target()).isEqualTo(PaymentState.PAID);
    assertThat(read("checkout.session.completed", session("complete", "no_payment_required")).target())
        .isEqualTo(PaymentState.PAID);
    assertThat(read("checkout.session.completed", session("complete", "unpaid")).target())
        .isEqualTo(PaymentState.PROCESSING);
    assertThat(read("checkout.session.async_payment_succeeded", session("complete", "paid")).target())
        .isEqualTo(PaymentState.PAID);
    assertThat(read("checkout.session.async_payment_failed", session("complete", "unpaid")).target())
        .isEqualTo(PaymentState.FAILED);
    StripeEvent expired = read("checkout.session.expired", session("expired", "unpaid"));
    assertThat(expired.target()).isEqualTo(PaymentState.EXPIRED);
    assertThat(expired.sessionId()).isEqualTo("cs_1");
    assertThat(expired.orderId()).isEqualTo("order-1");
  }

  @Test
  void onlyAFullRefundRefundsAndOtherTypesAreKeptWithoutATarget() {
    JsonObject charge = new JsonObject().put("id", "ch_1").put("object", "charge").put("payment_intent", "pi_1")
        .put("amount", 1000).put("metadata", new JsonObject().put("order_id", "order-1"));
    StripeEvent full = read("charge.refunded", charge.copy().put("refunded", true).put("amount_refunded", 1000));
    StripeEvent partial = read("charge.refunded", charge.copy().put("refunded", false).put("amount_refunded", 300));

    assertThat(full.target()).isEqualTo(PaymentState.REFUNDED);
    assertThat(full.paymentIntent()).isEqualTo("pi_1");
    assertThat(full.orderId()).isEqualTo("order-1");
    assertThat(partial.target()).isNull();
    assertThat(read("payment_intent.created", new JsonObject().put("object", "payment_intent")).target()).isNull();
  }

  @Test
  void aBodyThatIsNoEventIsUnreadable() {
    assertThatThrownBy(() -> StripeEvent.read("not json")).isInstanceOf(StripeEvent.Unreadable.class);
    assertThatThrownBy(() -> StripeEvent.read("{\"id\":\"evt_1\",\"type\":\"x\"}"))
        .isInstanceOf(StripeEvent.Unreadable.class).hasMessageContaining("object");
    assertThatThrownBy(() -> read("checkout.session.completed", new JsonObject().put("object", "charge")))
        .isInstanceOf(StripeEvent.Unreadable.class).hasMessageContaining("checkout.session");
  }

  @Test
  void aSignatureVerifiesOnlyOverTheExactBytesWithinTheTolerance() throws Exception {
    StripeSignature signature = new StripeSignature(List.of("whsec_a", "whsec_b"), 300);
    byte[] body = "{\"id\":\"evt_1\"}".getBytes(StandardCharsets.UTF_8);
    String byA = "t=" + NOW + ",v1=" + hmac("whsec_a", NOW, body);
    String byB = "t=" + NOW + ",v0=ignored,v1=" + hmac("whsec_b", NOW, body);

    assertThat(signature.verify(byA, body, NOW)).isEqualTo(StripeSignature.Verdict.VALID);
    assertThat(signature.verify(byB, body, NOW + 300)).isEqualTo(StripeSignature.Verdict.VALID);
    assertThat(signature.verify(byA, body, NOW + 301)).isEqualTo(StripeSignature.Verdict.TIMESTAMP_TOO_OLD);
    assertThat(signature.verify(byA, "{\"id\":\"evt_2\"}".getBytes(StandardCharsets.UTF_8), NOW))
        .isEqualTo(StripeSignature.Verdict.NO_MATCHING_SIGNATURE);
    assertThat(signature.verify("t=" + NOW + ",v1=" + hmac("whsec_c", NOW, body), body, NOW))
        .isEqualTo(StripeSignature.Verdict.NO_MATCHING_SIGNATURE);
    assertThat(signature.verify(null, body, NOW)).isEqualTo(StripeSignature.Verdict.NO_HEADER);
    assertThat(signature.verify("v1=abc", body, NOW)).isEqualTo(StripeSignature.Verdict.MALFORMED_HEADER);
    assertThat(signature.verify("t=" + NOW, body, NOW)).isEqualTo(StripeSignature.Verdict.MALFORMED_HEADER);
    assertThat(signature.verify("t=x,v1=abc", body, NOW)).isEqualTo(StripeSignature.Verdict.MALFORMED_HEADER);
  }

  private static JsonObject session(String status, String paymentStatus) {
    return new JsonObject().put("id", "cs_1").put("object", "checkout.session").put("status", status)
        .put("payment_status", paymentStatus).put("payment_intent", "pi_1").put("client_reference_id", "order-1");
  }

  private static StripeEvent read(String type, JsonObject object) {
    return StripeEvent.read(new JsonObject().put("id", "evt_1").put("object", "event").put("type", type)
        .put("created", NOW).put("data", new JsonObject().put("object", object)).encode());
  }

  private static String hmac(String secret, long t, byte[] body) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    mac.update((t + ".").getBytes(StandardCharsets.UTF_8));
    return HexFormat.of().formatHex(mac.doFinal(body));
  }
}
