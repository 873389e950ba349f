package io.kilosail.launcher;

import io.kilosail.testing.KilosailInfraExtension;
import io.kilosail.testing.TestInfra;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The balance check through a whole node: an account topped up to 10,000 fen whose platform says 7,000 is corrected to
 * 7,000 within a check interval (short here), with the platform's answer and its time shown to operators; an account
 * on a platform without a balance query (Shansong) keeps its balance and is never marked checked. Accounts are new
 * (random ids), so other classes sharing the database see none of them.
 */
@ExtendWith(KilosailInfraExtension.class)
class CourierBalanceCheckFlowTest {

  private static final JsonObject CONF = new JsonObject()
      .put("balances", new JsonObject().put("checkIntervalMs", 300))
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

  @Test
  void aBalanceIsCorrectedToThePlatformsAnswer() throws Exception {
    for (String platform : List.of("uu", "sf", "fengniao")) {
      String account = platform + "-acct-" + UUID.randomUUID().toString().substring(0, 8);
      acceptAccount(platform, account);
      setSimulatorBalance(platform, account, 7_000);
      Instant before = Instant.now().minusSeconds(1);
      topUp(platform, account, 10_000);

      JsonObject checked = awaitChecked(platform, account);
      assertThat(checked.getLong("platformBalanceFen")).as(platform).isEqualTo(7_000L);
      assertThat(checked.getLong("balanceFen")).as(platform + ": the platform's number is the truth").isEqualTo(7_000L);
      assertThat(Instant.parse(checked.getString("checkedAt"))).as(platform).isAfter(before);
    }
    // The gauge holds the last difference: -3000 at the correction, 0 once a later round finds them agreeing.
    String metrics = metrics();
    for (String platform : List.of("uu", "sf", "fengniao")) {
      assertThat(metrics).containsPattern("kilosail_courier_balance_corrections_total\\{platform=\"" + platform
          + "\"} [1-9]").containsPattern("kilosail_courier_balance_correction_fen\\{[^}]*platform=\"" + platform
          + "\"} (-3000|0)\\.0");
    }
  }

  @Test
  void aPlatformWithoutABalanceQueryLeavesTheBalanceAsItIs() throws Exception {
    String shansong = "ss-acct-" + UUID.randomUUID().toString().substring(0, 8);
    String sf = "sf-acct-" + UUID.randomUUID().toString().substring(0, 8);
    topUp("shansong", shansong, 10_000);
    setSimulatorBalance("sf", sf, 9_000);
    topUp("sf", sf, 10_000);
    // Rounds go through every account: once the later SF account is checked, the Shansong one has had its turn.
    awaitChecked("sf", sf);
    JsonObject untouched = account("shansong", shansong);
    assertThat(untouched.getLong("balanceFen")).isEqualTo(10_000L);
    assertThat(untouched.getValue("platformBalanceFen")).isNull();
    assertThat(untouched.getValue("checkedAt")).isNull();
  }

  private static void topUp(String platform, String account, long fen) throws Exception {
    HttpResponse<String> answer = node.send("POST", node.api("/v1/admin/courier-accounts/" + platform + "/" + account
        + "/top-ups"), new JsonObject().put("amountFen", fen).put("reference", "BANK-" + UUID.randomUUID()));
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(201);
  }

  /** The simulated platform accepts requests under this account (as a merchant authorising our app for a shop). */
  private static void acceptAccount(String platform, String account) throws Exception {
    HttpResponse<String> answer = node.send("POST", node.simulator("/_control/" + platform + "/accounts"),
        new JsonObject().put("account", account));
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
  }

  private static void setSimulatorBalance(String platform, String account, long fen) throws Exception {
    HttpResponse<String> answer = node.send("POST", node.simulator("/_control/" + platform + "/balances"),
        new JsonObject().put("account", account).put("balanceFen", fen));
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
  }

  private static JsonObject awaitChecked(String platform, String accountId) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    JsonObject account;
    do {
      account = account(platform, accountId);
      if (account.getValue("checkedAt") != null) {
        return account;
      }
      Thread.sleep(100);
    } while (System.nanoTime() < deadline);
    throw new AssertionError(platform + "/" + accountId + " never checked: " + account);
  }

  private static JsonObject account(String platform, String accountId) throws Exception {
    JsonObject accounts = new JsonObject(node.send("GET", node.api("/v1/admin/courier-accounts"), null).body());
    return accounts.getJsonArray("accounts").stream().map(JsonObject.class::cast)
        .filter(a -> platform.equals(a.getString("platform")) && accountId.equals(a.getString("accountId")))
        .findFirst().orElseThrow(() -> new AssertionError(platform + "/" + accountId + " not in " + accounts));
  }

  private static String metrics() throws Exception {
    HttpResponse<String> answer = node.send("GET", node.api("/metrics"), null);
    assertThat(answer.statusCode()).isEqualTo(200);
    return answer.body();
  }
}
