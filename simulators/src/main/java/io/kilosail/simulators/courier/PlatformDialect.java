package io.kilosail.simulators.courier;

import io.kilosail.contracts.courier.CourierPlatform;
import io.vertx.core.json.JsonObject;

import java.util.Map;

/**
 * How one courier platform speaks: its paths, how it checks our signature, what it answers and how it signs the
 * callbacks it sends. The lifecycle (delays, probabilities, retries) is the same for all and lives in the verticle.
 */
abstract class PlatformDialect {

  /**
   * Accounts besides the configured one that this platform accepts requests under (shops' own openIds or stores, as a
   * merchant authorises our app for each of them): from {@code credentials.accounts} and {@code POST
   * /_control/<platform>/accounts}. Touched on the simulator's event loop only.
   */
  final java.util.Set<String> extraAccounts = new java.util.HashSet<>();

  /** Where a dialect puts the account a verified request came under, for {@link #accountOf}. */
  static final String ACCOUNT = "_account";

  void loadAccounts(JsonObject credentials) {
    if (credentials.getValue("accounts") instanceof io.vertx.core.json.JsonArray accounts) {
      accounts.forEach(a -> extraAccounts.add(String.valueOf(a)));
    }
  }

  /** The account (UU openId, Shansong shopId, SF shop_id, Fengniao store) a verified request came under. */
  String accountOf(JsonObject payload) {
    Object account = payload.getValue(ACCOUNT);
    return account == null ? null : account.toString();
  }

  abstract CourierPlatform platform();

  /** Sub-paths under {@code /<platform id>} and the operation each one is. */
  abstract Map<String, SimOperation> operations();

  /** The business payload of a request whose signature is good; {@link SimRefusal} otherwise. */
  abstract JsonObject verifiedPayload(Map<String, String> query, String body);

  /** The same, for a platform that also reads request headers (UU names the app in {@code X-App-Id}). */
  JsonObject verifiedPayload(Map<String, String> headers, Map<String, String> query, String body) {
    return verifiedPayload(query, body);
  }

  /** The platform's order id an order-detail query names, or null when it names ours ({@link #orderIdOfDetail}). */
  String platformOrderIdOfDetail(JsonObject payload) {
    throw refusal(404, platform().id() + " has no simulated order-detail query");
  }

  /** Our order id an order-detail query names, when it names no platform id. */
  String orderIdOfDetail(JsonObject payload) {
    return null;
  }

  /** The answer to an order-detail query about this order. */
  String detailAnswer(SimOrder order) {
    throw refusal(404, platform().id() + " has no simulated order-detail query");
  }

  /** Our order id in a quote request (null when the platform's quote carries none). */
  abstract String orderIdOfQuote(JsonObject payload);

  /** Placing an order must quote back the token of an earlier quote (UU, Shansong). */
  abstract boolean createNeedsQuoteToken();

  /** The quote token in a create request, for platforms that need one. */
  String quoteTokenOfCreate(JsonObject payload) {
    throw new UnsupportedOperationException(platform().id() + " places orders without a quote token");
  }

  /** Our order id in a create request; null when it comes from the quote. */
  abstract String orderIdOfCreate(JsonObject payload);

  abstract String platformOrderIdOfCancel(JsonObject payload);

  /** A fresh platform id for a quote token; Shansong's quote token becomes the order's id when placed. */
  abstract String newId(String kind, long sequence);

  /** Shansong's order number from its price calculation is the id of the order placed with it. */
  boolean quoteTokenIsPlatformOrderId() {
    return false;
  }

  abstract String quoteAnswer(long priceFen, int etaSeconds, String quoteToken);

  abstract String createAnswer(SimOrder order);

  abstract String cancelAnswer(SimOrder order, long penaltyFen);

  // ---- calls only some platforms have; a platform without one answers 404 in its own format ----

  /** The answer to a pre-cancel (Fengniao's preCancelOrder): what cancelling now would cost. */
  String preCancelAnswer(SimOrder order, long penaltyFen) {
    throw refusal(404, platform().id() + " has no pre-cancel");
  }

  /** Checks a cancel against the penalty it would cost (Fengniao's must repeat the stated cost). */
  void checkCancel(JsonObject payload, long penaltyFen) {
  }

  /** The answer of a token endpoint (Fengniao's OAuth). */
  String tokenAnswer(JsonObject payload) {
    throw refusal(404, platform().id() + " has no token endpoint");
  }

  /** The platform's order id a tip names. */
  String platformOrderIdOfTip(JsonObject payload) {
    throw refusal(404, platform().id() + " has no simulated tip call");
  }

  /** The tip's amount in fen (more than 0). */
  long tipFenOf(JsonObject payload) {
    throw refusal(404, platform().id() + " has no simulated tip call");
  }

  /** The caller's name for this tip, when the platform takes one: a repeat is answered as the first, added once. */
  String tipKeyOf(JsonObject payload) {
    return null;
  }

  /** The answer to a tip the order now carries ({@code order.tipsFen} in total). */
  String tipAnswer(SimOrder order) {
    throw refusal(404, platform().id() + " has no simulated tip call");
  }

  /**
   * The answer to a balance query: {@code balanceFen} left on the account the request came under ({@link #accountOf}).
   * The field each platform states it in is no source's: the same (unconfirmed) choice the adapter's wire writes down.
   */
  String balanceAnswer(long balanceFen) {
    throw refusal(404, platform().id() + " has no balance query");
  }

  /** Forgets what the dialect itself keeps (Fengniao's issued tokens), with the control reset. */
  void reset() {
  }

  /** A refusal in the platform's error format: 400 for a bad request, 401 for a bad signature, 409 for a bad state. */
  abstract SimRefusal refusal(int httpStatus, String reason);

  /** The signed callback reporting this event, or null when the platform has no status for it. */
  abstract SimCallback callback(SimOrder order, SimEvent event, long nowMillis);

  // ---- helpers for the dialects ----

  JsonObject parseJson(String text, String what) {
    if (text == null || text.isBlank()) {
      throw refusal(400, what + " is missing");
    }
    try {
      return new JsonObject(text);
    } catch (RuntimeException e) {
      throw refusal(400, what + " is not a JSON object");
    }
  }

  String requireText(JsonObject json, String field) {
    Object value = json == null ? null : json.getValue(field);
    if (value == null || value.toString().isBlank()) {
      throw refusal(400, "missing field " + field);
    }
    return value.toString();
  }

  static String orEmpty(String text) {
    return text == null ? "" : text;
  }
}
