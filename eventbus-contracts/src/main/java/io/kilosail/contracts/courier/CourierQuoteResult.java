package io.kilosail.contracts.courier;

import io.vertx.codegen.annotations.DataObject;
import io.vertx.codegen.json.annotations.JsonGen;
import io.vertx.core.json.JsonObject;

/** One platform's price for a delivery. {@code etaSeconds} is null when the platform gave none; {@code quoteToken} is what placing the order must send back (null when the platform needs none). */
@DataObject
@JsonGen(publicConverter = false)
public class CourierQuoteResult {

  private String platform;
  private long priceFen;
  private Integer etaSeconds;
  private String quoteToken;

  public CourierQuoteResult() {
  }

  public CourierQuoteResult(JsonObject json) {
    CourierQuoteResultConverter.fromJson(json, this);
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject();
    CourierQuoteResultConverter.toJson(this, json);
    return json;
  }

  public String getPlatform() {
    return platform;
  }

  public CourierQuoteResult setPlatform(String platform) {
    this.platform = platform;
    return this;
  }

  public long getPriceFen() {
    return priceFen;
  }

  public CourierQuoteResult setPriceFen(long priceFen) {
    this.priceFen = priceFen;
    return this;
  }

  public Integer getEtaSeconds() {
    return etaSeconds;
  }

  public CourierQuoteResult setEtaSeconds(Integer etaSeconds) {
    this.etaSeconds = etaSeconds;
    return this;
  }

  public String getQuoteToken() {
    return quoteToken;
  }

  public CourierQuoteResult setQuoteToken(String quoteToken) {
    this.quoteToken = quoteToken;
    return this;
  }
}
