package io.kilosail.contracts.quote;

import io.kilosail.contracts.courier.CourierQuoteResult;
import io.vertx.codegen.annotations.DataObject;
import io.vertx.codegen.json.annotations.JsonGen;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * The prices for one order. {@code offers} holds one entry per platform that answered (a cached price has no quote
 * token; placing with a platform that needs one then asks it afresh). {@code skipped} says, per eligible platform
 * that gave no price, why: {@code {"platform": "sf", "code": 4504, "reason": "..."}} with a {@code CourierGateway}
 * failure code.
 */
@DataObject
@JsonGen(publicConverter = false)
public class QuoteSet {

  private String orderId;
  private List<CourierQuoteResult> offers = new ArrayList<>();
  private JsonArray skipped = new JsonArray();
  private JsonObject courierAccounts;
  private io.vertx.core.json.JsonArray prepaidPlatforms;

  public QuoteSet() {
  }

  public QuoteSet(JsonObject json) {
    QuoteSetConverter.fromJson(json, this);
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject();
    QuoteSetConverter.toJson(this, json);
    return json;
  }

  public String getOrderId() {
    return orderId;
  }

  public QuoteSet setOrderId(String orderId) {
    this.orderId = orderId;
    return this;
  }

  public List<CourierQuoteResult> getOffers() {
    return offers;
  }

  public QuoteSet setOffers(List<CourierQuoteResult> offers) {
    this.offers = offers;
    return this;
  }

  public JsonArray getSkipped() {
    return skipped;
  }

  public QuoteSet setSkipped(JsonArray skipped) {
    this.skipped = skipped;
    return this;
  }

  /**
   * The accounts the offers were quoted under, per courier platform (only the shop's own ones; a platform not named
   * uses its default account): dispatch places under the same account.
   */
  public JsonObject getCourierAccounts() {
    return courierAccounts;
  }

  public QuoteSet setCourierAccounts(JsonObject courierAccounts) {
    this.courierAccounts = courierAccounts;
    return this;
  }

  /**
   * The courier platforms whose account (in {@code courierAccounts}, else the default) has a tracked prepaid balance
   * as quoting found it: a placement there is charged to that balance.
   */
  public io.vertx.core.json.JsonArray getPrepaidPlatforms() {
    return prepaidPlatforms;
  }

  public QuoteSet setPrepaidPlatforms(io.vertx.core.json.JsonArray prepaidPlatforms) {
    this.prepaidPlatforms = prepaidPlatforms;
    return this;
  }
}
