package io.kilosail.contracts.payment;

import io.vertx.codegen.annotations.DataObject;
import io.vertx.codegen.json.annotations.JsonGen;
import io.vertx.core.json.JsonObject;

/**
 * An order's payment at a channel: where the customer pays and what became of it. States: OPEN (awaiting the
 * customer), PROCESSING (paid by a delayed method, not confirmed yet), PAID, FAILED, EXPIRED, REFUNDED.
 */
@DataObject
@JsonGen(publicConverter = false)
public class PaymentSession {

  private String orderId;
  private String channel;
  /** The channel's own id (a Stripe Checkout Session id, cs_...). */
  private String paymentId;
  private String url;
  private String state;
  private String currency;
  private long amountMinor;
  private long expiresAtEpochSeconds;
  /** Set once refunded: the channel's refund id (re_...). */
  private String refundId;

  public PaymentSession() {
  }

  public PaymentSession(JsonObject json) {
    PaymentSessionConverter.fromJson(json, this);
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject();
    PaymentSessionConverter.toJson(this, json);
    return json;
  }

  public String getOrderId() {
    return orderId;
  }

  public PaymentSession setOrderId(String orderId) {
    this.orderId = orderId;
    return this;
  }

  public String getChannel() {
    return channel;
  }

  public PaymentSession setChannel(String channel) {
    this.channel = channel;
    return this;
  }

  public String getPaymentId() {
    return paymentId;
  }

  public PaymentSession setPaymentId(String paymentId) {
    this.paymentId = paymentId;
    return this;
  }

  public String getUrl() {
    return url;
  }

  public PaymentSession setUrl(String url) {
    this.url = url;
    return this;
  }

  public String getState() {
    return state;
  }

  public PaymentSession setState(String state) {
    this.state = state;
    return this;
  }

  public String getCurrency() {
    return currency;
  }

  public PaymentSession setCurrency(String currency) {
    this.currency = currency;
    return this;
  }

  public long getAmountMinor() {
    return amountMinor;
  }

  public PaymentSession setAmountMinor(long amountMinor) {
    this.amountMinor = amountMinor;
    return this;
  }

  public long getExpiresAtEpochSeconds() {
    return expiresAtEpochSeconds;
  }

  public PaymentSession setExpiresAtEpochSeconds(long expiresAtEpochSeconds) {
    this.expiresAtEpochSeconds = expiresAtEpochSeconds;
    return this;
  }

  public String getRefundId() {
    return refundId;
  }

  public PaymentSession setRefundId(String refundId) {
    this.refundId = refundId;
    return this;
  }
}
