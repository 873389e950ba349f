package io.kilosail.launcher;

import io.kilosail.access.Role;
import io.kilosail.admin.AdminTokens;
import io.kilosail.testing.KilosailInfraExtension;
import io.kilosail.testing.TestInfra;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Shops and prepaid courier accounts through a whole node: a shop is created by its first order, an operator gives it
 * its own courier accounts, and the simulated platform receives the next order under that account; a courier account
 * whose balance cannot pay the order is skipped (the next courier gets it) and counted; top-ups are idempotent. Every
 * shop and account here is new (random ids), so other classes sharing the database see none of them.
 */
@ExtendWith(KilosailInfraExtension.class)
class ShopFlowTest {

  private static final JsonObject CONF = new JsonObject()
      .put("dispatch", new JsonObject()
          .put("defaultStrategy", "SEQUENTIAL")
          .put("priority", new JsonArray(LiveNode.PLATFORMS))
          .put("acceptanceTimeoutMs", 1500)
          .put("rules", new JsonArray()))
      .put("quoting", new JsonObject()
          .put("callTimeoutMs", 1000)
          .put("cacheTtlSeconds", 0)
          .put("rulesFile", "does-not-exist.json")
          .put("rules", new JsonObject().put("timeZone", "Asia/Shanghai")
              .put("rules", new JsonArray()
                  .add(new JsonObject().put("name", "everywhere").put("couriers", new JsonArray(LiveNode.PLATFORMS))))))
      .put("relay", new JsonObject().put("idlePollMs", 20));

  private static LiveNode node;

  @BeforeAll
  static void start(TestInfra infra) throws Exception {
    node = LiveNode.start(infra.settings(), CONF);
  }

  @AfterAll
  static void stop() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  @BeforeEach
  void prices() throws Exception {
    for (String platform : LiveNode.PLATFORMS) {
      node.behave(platform, new JsonObject().put("priceFen", 500).put("autoProgress", true));
    }
  }

  @Test
  void aShopWithItsOwnCourierAccountIsPlacedUnderIt() throws Exception {
    String shopId = "shop-" + UUID.randomUUID();
    String openId = "uu-open-" + UUID.randomUUID();
    String first = push(shopId);
    JsonObject shop = awaitShop(shopId);
    assertThat(shop.getString("name")).isEqualTo("Noodles " + shopId);
    assertThat(shop.getJsonObject("courierAccounts")).isEmpty();
    HttpResponse<String> list = node.send("GET", node.api("/v1/admin/shops?platform=meituan&limit=1000"), null);
    assertThat(list.statusCode()).isEqualTo(200);
    assertThat(new JsonArray(list.body()).stream().map(s -> ((JsonObject) s).getString("shopId"))).contains(shopId);
    node.assertDeliveredBy(first, "uu", 500);
    assertThat(node.simulatorOrders("uu", first).getJsonObject(0).getString("account"))
        .as("no account of its own yet: the default one").isEqualTo("dev-uu-open-id");

    acceptAccount("uu", openId);
    HttpResponse<String> put = node.send("PUT", node.api("/v1/admin/shops/meituan/" + shopId), new JsonObject()
        .put("name", "Noodles " + shopId).put("hours", new JsonObject().put("opens", "00:00").put("closes", "00:00"))
        .put("courierAccounts", new JsonObject().put("uu", openId)));
    assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
    assertThat(new JsonObject(put.body()).getJsonObject("courierAccounts").getString("uu")).isEqualTo(openId);

    String second = push(shopId);
    node.assertDeliveredBy(second, "uu", 500);
    assertThat(node.simulatorOrders("uu", second).getJsonObject(0).getString("account")).isEqualTo(openId);
    // The edit is audited.
    HttpResponse<String> audit = node.send("GET", node.api("/v1/admin/audit?limit=200"), null);
    assertThat(audit.body()).contains("meituan/" + shopId);
  }

  @Test
  void aCourierWhoseBalanceCannotPayIsSkippedAndTheNextOneIsCharged() throws Exception {
    String shopId = "shop-" + UUID.randomUUID();
    String uuAccount = "uu-low-" + UUID.randomUUID();
    String ssAccount = "ss-ok-" + UUID.randomUUID();
    // The shop's first order is done before its accounts change, so it charges none of them.
    node.assertDeliveredBy(push(shopId), "uu", 500);
    awaitShop(shopId);
    acceptAccount("uu", uuAccount);
    acceptAccount("shansong", ssAccount);
    patch(shopId, new JsonObject().put("courierAccounts", new JsonObject().put("uu", uuAccount)
        .put("shansong", ssAccount)));
    topUp("uu", uuAccount, 300, "T-" + UUID.randomUUID(), 201);
    topUp("shansong", ssAccount, 10_000, "T-" + UUID.randomUUID(), 201);

    String orderId = push(shopId);
    // UU comes first by priority, but 300 fen cannot pay its 500: Shansong gets the order.
    node.assertDeliveredBy(orderId, "shansong", 500);
    assertThat(node.simulatorOrders("uu", orderId)).as("never offered to UU").isEmpty();
    assertThat(node.simulatorOrders("shansong", orderId).getJsonObject(0).getString("account")).isEqualTo(ssAccount);
    assertThat(metrics()).containsPattern("kilosail_dispatch_skipped_low_balance_total\\{[^}]*platform=\"uu\"[^}]*} "
        + "[1-9]");

    JsonObject accounts = new JsonObject(node.send("GET", node.api("/v1/admin/courier-accounts"), null).body());
    assertThat(account(accounts, "shansong", ssAccount).getLong("balanceFen")).as("charged the placement")
        .isEqualTo(9_500L);
    assertThat(account(accounts, "uu", uuAccount).getBoolean("low")).isTrue();
    assertThat(accounts.getJsonArray("low")).contains("uu/" + uuAccount);
    // The gauges the dashboard's warning reads: the low UU account says 1.
    awaitMetric("kilosail_courier_balance_low\\{account=\"" + uuAccount + "\",platform=\"uu\"} 1.0");
  }

  @Test
  void whenNoCourierAccountCanPayTheOrderGoesBackWithTheReason() throws Exception {
    String shopId = "shop-" + UUID.randomUUID();
    push(shopId);
    awaitShop(shopId);
    JsonObject accounts = new JsonObject();
    for (String platform : LiveNode.PLATFORMS) {
      String account = platform + "-empty-" + UUID.randomUUID();
      acceptAccount(platform, account);
      accounts.put(platform, account);
      topUp(platform, account, 100, "T-" + UUID.randomUUID(), 201);
    }
    patch(shopId, new JsonObject().put("courierAccounts", accounts));

    String orderId = push(shopId);
    JsonObject order = node.awaitState(orderId, "CANCELLED");
    assertThat(order.encode()).contains("no courier account can pay");
  }

  @Test
  void aFreeCancelGivesTheChargedPriceBackToTheBalance() throws Exception {
    String shopId = "shop-" + UUID.randomUUID();
    String uuAccount = "uu-refund-" + UUID.randomUUID();
    node.assertDeliveredBy(push(shopId), "uu", 500);
    awaitShop(shopId);
    acceptAccount("uu", uuAccount);
    patch(shopId, new JsonObject().put("courierAccounts", new JsonObject().put("uu", uuAccount)));
    topUp("uu", uuAccount, 10_000, "T-" + UUID.randomUUID(), 201);
    // No courier takes it, so cancelling costs nothing (courierPenalties at CREATED).
    node.behave("uu", new JsonObject().put("autoProgress", false));

    String orderId = push(shopId);
    node.placement(orderId, "uu");
    awaitBalance("uu", uuAccount, 9_500);
    HttpResponse<String> cancel = node.cancel(orderId, "customer changed their mind");
    assertThat(cancel.statusCode()).as(cancel.body()).isBetween(200, 299);
    awaitBalance("uu", uuAccount, 10_000);
    // Cancelled under the account it was placed with (the simulator refuses a cancel under another one).
    node.awaitSimulatorEvent("uu", node.placement(orderId, "uu"), "CANCELLED_BY_MERCHANT");
  }

  @Test
  void aTopUpIsRecordedOncePerReference() throws Exception {
    String account = "sf-" + UUID.randomUUID();
    String reference = "BANK-" + UUID.randomUUID();
    assertThat(topUp("sf", account, 5_000, reference, 201).getLong("balanceFen")).isEqualTo(5_000L);
    assertThat(topUp("sf", account, 5_000, reference, 200).getLong("balanceFen")).as("a retry adds nothing")
        .isEqualTo(5_000L);
    topUp("sf", account, 7_000, reference, 409);
    assertThat(topUp("sf", account, 1_000, "BANK-" + UUID.randomUUID(), 201).getLong("balanceFen")).isEqualTo(6_000L);
  }

  @Test
  void theOperatorApiNeedsTheRightRoleAndNamesTheBadField() throws Exception {
    String shopId = "shop-" + UUID.randomUUID();
    push(shopId);
    awaitShop(shopId);
    String path = "/v1/admin/shops/meituan/" + shopId;
    JsonObject edit = new JsonObject().put("hours", new JsonObject().put("opens", "9am").put("closes", "22:00"));

    assertThat(node.send("PATCH", node.api(path), edit, "Authorization", "Bearer nonsense").statusCode())
        .isEqualTo(401);
    String financeOnly = AdminTokens.fromJson(node.node().vertx(), node.node().settings().verticleSections())
        .issue("finance-only", Duration.ofMinutes(10), Role.FINANCE);
    assertThat(node.send("PATCH", node.api(path), edit, "Authorization", "Bearer " + financeOnly).statusCode())
        .isEqualTo(403);
    String opsOnly = AdminTokens.fromJson(node.node().vertx(), node.node().settings().verticleSections())
        .issue("ops-only", Duration.ofMinutes(10), Role.OPS);
    assertThat(node.send("POST", node.api("/v1/admin/courier-accounts/uu/x/top-ups"), new JsonObject()
        .put("amountFen", 1).put("reference", "r"), "Authorization", "Bearer " + opsOnly).statusCode()).isEqualTo(403);

    HttpResponse<String> bad = node.send("PATCH", node.api(path), edit);
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    assertThat(new JsonObject(bad.body()).getString("field")).isEqualTo("hours.opens");
    HttpResponse<String> badAccount = node.send("PATCH", node.api(path), new JsonObject()
        .put("courierAccounts", new JsonObject().put("dada", "x")));
    assertThat(new JsonObject(badAccount.body()).getString("field")).isEqualTo("courierAccounts.dada");
    HttpResponse<String> badTopUp = node.send("POST", node.api("/v1/admin/courier-accounts/uu/x/top-ups"),
        new JsonObject().put("amountFen", -5).put("reference", "r"));
    assertThat(badTopUp.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(badTopUp.body()).getString("field")).isEqualTo("amountFen");
    // Nothing changed.
    assertThat(awaitShop(shopId).getValue("hours")).isNull();
    assertThat(node.send("GET", node.api("/v1/admin/shops/meituan/no-such-shop"), null).statusCode()).isEqualTo(404);
  }

  // ---------------------------------------------------------------- helpers

  private static String push(String shopId) throws Exception {
    Instant now = Instant.now();
    String body = new JsonObject()
        .put("platformOrderId", "MT-" + UUID.randomUUID())
        .put("city", "shanghai")
        .put("shop", new JsonObject().put("id", shopId).put("name", "Noodles " + shopId))
        .put("pickup", new JsonObject().put("name", "Noodles").put("phone", "021-5555-0101")
            .put("address", "88 Nanjing West Rd").put("lat", 31.2304).put("lng", 121.4737))
        .put("dropoff", new JsonObject().put("name", "Li Lei").put("phone", "138-0000-0001")
            .put("address", "1 Century Ave").put("lat", 31.2397).put("lng", 121.4998))
        .put("weightGrams", 1200)
        .put("deliveryFeeFen", 850)
        .put("placedAt", now.toString())
        .put("expectedDeliveryAt", now.plusSeconds(2700).toString())
        .encode();
    HttpResponse<String> answer = node.signedPost("/v1/orders", body);
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(202);
    return new JsonObject(answer.body()).getString("orderId");
  }

  /** The shop as the operator API shows it, once its first order has stored it. */
  private static JsonObject awaitShop(String shopId) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    HttpResponse<String> answer;
    do {
      answer = node.send("GET", node.api("/v1/admin/shops/meituan/" + shopId), null);
      if (answer.statusCode() == 200) {
        return new JsonObject(answer.body());
      }
      Thread.sleep(100);
    } while (System.nanoTime() < deadline);
    throw new AssertionError("shop " + shopId + " never stored: " + answer.statusCode() + " " + answer.body());
  }

  private static void patch(String shopId, JsonObject edit) throws Exception {
    HttpResponse<String> answer = node.send("PATCH", node.api("/v1/admin/shops/meituan/" + shopId), edit);
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
  }

  private static JsonObject topUp(String platform, String account, long fen, String reference, int status)
      throws Exception {
    HttpResponse<String> answer = node.send("POST", node.api("/v1/admin/courier-accounts/" + platform + "/" + account
        + "/top-ups"), new JsonObject().put("amountFen", fen).put("reference", reference));
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(status);
    return new JsonObject(answer.body());
  }

  /** The simulated platform accepts requests under this account (as a merchant authorising our app for a shop). */
  private static void acceptAccount(String platform, String account) throws Exception {
    HttpResponse<String> answer = node.send("POST", node.simulator("/_control/" + platform + "/accounts"),
        new JsonObject().put("account", account));
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
  }

  private static void awaitBalance(String platform, String accountId, long fen) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    long balance;
    do {
      JsonObject accounts = new JsonObject(node.send("GET", node.api("/v1/admin/courier-accounts"), null).body());
      balance = account(accounts, platform, accountId).getLong("balanceFen");
      if (balance == fen) {
        return;
      }
      Thread.sleep(100);
    } while (System.nanoTime() < deadline);
    throw new AssertionError(platform + "/" + accountId + " balance " + balance + " fen, expected " + fen);
  }

  private static JsonObject account(JsonObject accounts, String platform, String accountId) {
    return accounts.getJsonArray("accounts").stream().map(JsonObject.class::cast)
        .filter(a -> platform.equals(a.getString("platform")) && accountId.equals(a.getString("accountId")))
        .findFirst().orElseThrow(() -> new AssertionError(platform + "/" + accountId + " not in " + accounts));
  }

  private static void awaitMetric(String pattern) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    java.util.regex.Pattern wanted = java.util.regex.Pattern.compile(pattern);
    while (!wanted.matcher(metrics()).find()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no " + pattern + " in /metrics");
      }
      Thread.sleep(100);
    }
  }

  private static String metrics() throws Exception {
    HttpResponse<String> answer = node.send("GET", node.api("/metrics"), null);
    assertThat(answer.statusCode()).isEqualTo(200);
    return answer.body();
  }
}
