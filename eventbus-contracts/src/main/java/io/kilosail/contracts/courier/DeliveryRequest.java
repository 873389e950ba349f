package io.kilosail.contracts.courier;

import io.vertx.codegen.annotations.DataObject;
import io.vertx.codegen.json.annotations.JsonGen;
import io.vertx.core.json.JsonObject;

/** A delivery as kilosail asks a courier platform for it: money in fen, weight in grams. {@code quoteToken} is the token of an earlier quote (UU, Shansong need it to place the order), null for a quote. */
@DataObject
@JsonGen(publicConverter = false)
public class DeliveryRequest {

  private String orderId;
  private String cityName;
  private DeliveryPlace shop;
  private DeliveryPlace customer;
  private int weightGrams;
  private long goodsValueFen;
  private String note;
  private String quoteToken;
  private String shopId;
  private JsonObject courierAccounts;
  private io.vertx.core.json.JsonArray prepaidPlatforms;

  public DeliveryRequest() {
  }

  public DeliveryRequest(JsonObject json) {
    DeliveryRequestConverter.fromJson(json, this);
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject();
    DeliveryRequestConverter.toJson(this, json);
    return json;
  }

  public String getOrderId() {
    return orderId;
  }

  public DeliveryRequest setOrderId(String orderId) {
    this.orderId = orderId;
    return this;
  }

  public String getCityName() {
    return cityName;
  }

  public DeliveryRequest setCityName(String cityName) {
    this.cityName = cityName;
    return this;
  }

  public DeliveryPlace getShop() {
    return shop;
  }

  public DeliveryRequest setShop(DeliveryPlace shop) {
    this.shop = shop;
    return this;
  }

  public DeliveryPlace getCustomer() {
    return customer;
  }

  public DeliveryRequest setCustomer(DeliveryPlace customer) {
    this.customer = customer;
    return this;
  }

  public int getWeightGrams() {
    return weightGrams;
  }

  public DeliveryRequest setWeightGrams(int weightGrams) {
    this.weightGrams = weightGrams;
    return this;
  }

  public long getGoodsValueFen() {
    return goodsValueFen;
  }

  public DeliveryRequest setGoodsValueFen(long goodsValueFen) {
    this.goodsValueFen = goodsValueFen;
    return this;
  }

  public String getNote() {
    return note;
  }

  public DeliveryRequest setNote(String note) {
    this.note = note;
    return this;
  }

  public String getQuoteToken() {
    return quoteToken;
  }

  public DeliveryRequest setQuoteToken(String quoteToken) {
    this.quoteToken = quoteToken;
    return this;
  }

  /** The food platform's own id of the shop the order comes from (its shop in kilosail, see docs/shops.md). */
  public String getShopId() {
    return shopId;
  }

  public DeliveryRequest setShopId(String shopId) {
    this.shopId = shopId;
    return this;
  }

  /**
   * The shop's own account per courier platform (platform id to account id: UU openId, Shansong shopId, SF shop_id,
   * Fengniao store code); a platform not named here is asked under the couriers section's default account.
   */
  public JsonObject getCourierAccounts() {
    return courierAccounts;
  }

  public DeliveryRequest setCourierAccounts(JsonObject courierAccounts) {
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

  public DeliveryRequest setPrepaidPlatforms(io.vertx.core.json.JsonArray prepaidPlatforms) {
    this.prepaidPlatforms = prepaidPlatforms;
    return this;
  }
}
