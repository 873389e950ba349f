package io.kilosail.contracts.payment;

import io.vertx.codegen.annotations.DataObject;
import io.vertx.codegen.json.annotations.JsonGen;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/** What the customer pays for: one order, its total in integer minor units of one currency, and until when. */
@DataObject
@JsonGen(publicConverter = false)
public class PaymentRequest {

  private String orderId;
  private String customerEmail;
  /** ISO 4217, lower case as Stripe writes it ("cny", "usd"). */
  private String currency;
  private long amountMinor;
  private List<PaymentLine> lines = new ArrayList<>();
  /** When the customer can no longer pay (epoch seconds, UTC). */
  private long expiresAtEpochSeconds;

  public PaymentRequest() {
  }

  public PaymentRequest(JsonObject json) {
    PaymentRequestConverter.fromJson(json, this);
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject();
    PaymentRequestConverter.toJson(this, json);
    return json;
  }

  public String getOrderId() {
    return orderId;
  }

  public PaymentRequest setOrderId(String orderId) {
    this.orderId = orderId;
    return this;
  }

  public String getCustomerEmail() {
    return customerEmail;
  }

  public PaymentRequest setCustomerEmail(String customerEmail) {
    this.customerEmail = customerEmail;
    return this;
  }

  public String getCurrency() {
    return currency;
  }

  public PaymentRequest setCurrency(String currency) {
    this.currency = currency;
    return this;
  }

  public long getAmountMinor() {
    return amountMinor;
  }

  public PaymentRequest setAmountMinor(long amountMinor) {
    this.amountMinor = amountMinor;
    return this;
  }

  public List<PaymentLine> getLines() {
    return lines;
  }

  public PaymentRequest setLines(List<PaymentLine> lines) {
    this.lines = lines;
    return this;
  }

  public long getExpiresAtEpochSeconds() {
    return expiresAtEpochSeconds;
  }

  public PaymentRequest setExpiresAtEpochSeconds(long expiresAtEpochSeconds) {
    this.expiresAtEpochSeconds = expiresAtEpochSeconds;
    return this;
  }
}
