package io.kilosail.launcher;

import io.kilosail.platform.settings.SettingException;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Settings come from conf/default.json, then env vars, then system properties and flags; wrong ones are named. */
class SettingsLoaderTest {

  private static Vertx vertx;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    vertx.close();
  }

  private static KilosailSettings load(JsonObject overrides) throws Exception {
    return SettingsLoader.load(vertx, null, overrides).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void defaultsRunEveryRoleOnEmbeddedInfrastructure() throws Exception {
    KilosailSettings settings = load(new JsonObject());
    assertThat(settings.roles()).containsExactly(Role.values());
    assertThat(settings.infraMode()).isEqualTo(KilosailSettings.InfraMode.EMBEDDED);
    assertThat(settings.httpPort()).isEqualTo(8080);
    assertThat(settings.nodeId()).startsWith("node-");
    assertThat(settings.cluster().enabled()).isFalse();
  }

  @Test
  void flatOverridesWinOverTheFile() throws Exception {
    KilosailSettings settings = load(new JsonObject()
        .put("kilosail.node.roles", "ingress, saga")
        .put("kilosail.http.port", "9091")
        .put("kilosail.cluster.enabled", "true")
        .put("kilosail.cluster.members", "10.0.0.1:5701,10.0.0.2:5701"));
    assertThat(settings.roles()).containsExactly(Role.INGRESS, Role.SAGA);
    assertThat(settings.httpPort()).isEqualTo(9091);
    assertThat(settings.cluster().enabled()).isTrue();
    assertThat(settings.cluster().members()).containsExactly("10.0.0.1:5701", "10.0.0.2:5701");
  }

  @Test
  void platformSecretsComeFromTheFileAndEnvironmentVariablesWin() throws Exception {
    // Flat overrides land in the merged configuration exactly like the env store's variables.
    KilosailSettings settings = load(new JsonObject()
        .put("KILOSAIL_PLATFORM_MEITUAN_SECRET", "from-env")
        .put("KILOSAIL_PLATFORM_DOUYIN_SECRET", "new-platform"));
    JsonObject platforms = settings.verticleSections().getJsonObject("platforms");
    assertThat(platforms.getJsonObject("meituan").getString("secret")).isEqualTo("from-env");
    assertThat(platforms.getJsonObject("douyin").getString("secret")).isEqualTo("new-platform");
    assertThat(platforms.getJsonObject("jd").getString("secret")).startsWith("dev-only-");
    assertThat(settings.verticleSections().getJsonObject("intake").getInteger("timestampToleranceSeconds")).isEqualTo(300);
  }

  @Test
  void externalModeReadsTheServerUrls() throws Exception {
    KilosailSettings settings = load(new JsonObject()
        .put("kilosail.infra.mode", "external")
        .put("kilosail.mysql.url", "mysql://app:s%40cret@db.internal:3307/orders")
        .put("kilosail.kafka.bootstrapServers", "k1:9092,k2:9092")
        .put("kilosail.redis.url", "redis://cache:6379")
        .put("KILOSAIL_PLATFORM_MEITUAN_CALLBACK_URL", "https://meituan.example/cb")
        .put("KILOSAIL_PLATFORM_ELEME_CALLBACK_URL", "https://eleme.example/cb")
        .put("KILOSAIL_PLATFORM_JD_CALLBACK_URL", "https://jd.example/cb"));
    assertThat(settings.verticleSections().getJsonObject("platforms").getJsonObject("meituan").getString("callbackUrl"))
        .isEqualTo("https://meituan.example/cb");
    assertThat(settings.verticleSections().getJsonObject("platforms").getJsonObject("meituan").getString("secret"))
        .startsWith("dev-only-meituan");
    assertThat(settings.external().mysql().host()).isEqualTo("db.internal");
    assertThat(settings.external().mysql().port()).isEqualTo(3307);
    assertThat(settings.external().mysql().password()).isEqualTo("s@cret");
    assertThat(settings.external().mysql().database()).isEqualTo("orders");
    assertThat(settings.external().kafkaBootstrapServers()).isEqualTo("k1:9092,k2:9092");
  }

  @Test
  void aRelayNodeWithoutTheSimulatorsNeedsACallbackUrlPerPlatformOrPushbackSwitchedOff() {
    JsonObject relay = base().put("kilosail.infra.mode", "external").put("kilosail.node.roles", "relay")
        .put("kilosail.mysql.url", "mysql://a:b@db:3306/k").put("kilosail.kafka.bootstrapServers", "k:9092")
        .put("kilosail.redis.url", "redis://r:6379");
    assertThatThrownBy(() -> SettingsLoader.parse(relay.copy()))
        .isInstanceOf(SettingException.class)
        .hasMessageContaining("platforms.eleme.callbackUrl (KILOSAIL_PLATFORM_ELEME_CALLBACK_URL)")
        .hasMessageContaining("pushback.enabled=false");
    assertThatThrownBy(() -> SettingsLoader.parse(relay.copy().put("KILOSAIL_PLATFORM_ELEME_CALLBACK_URL", "x")
        .put("KILOSAIL_PLATFORM_JD_CALLBACK_URL", "http://jd/cb")
        .put("KILOSAIL_PLATFORM_MEITUAN_CALLBACK_URL", "http://mt/cb")))
        .hasMessageContaining("platforms.eleme.callbackUrl").hasMessageContaining("absolute http(s) URL");

    KilosailSettings off = SettingsLoader.parse(relay.copy().put("KILOSAIL_PUSHBACK_ENABLED", "false"));
    assertThat(off.verticleSections().getJsonObject("pushback").getBoolean("enabled")).isFalse();
    // The simulators default every URL; a node without the relay role pushes nothing and needs none.
    SettingsLoader.parse(relay.copy().put("kilosail.simulators.enabled", "true"));
    SettingsLoader.parse(relay.copy().put("kilosail.node.roles", "ingress,webhooks"));
  }

  @Test
  void theShippedClusterAndExternalConfigurationsStart() throws Exception {
    for (String conf : List.of("../conf/cluster-node-a.json", "../conf/cluster-node-b.json", "../conf/external.json")) {
      KilosailSettings settings = SettingsLoader.load(vertx, conf, new JsonObject())
          .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      assertThat(settings.nodeId()).as(conf).isNotBlank();
    }
  }

  @Test
  void anUnknownRoleIsNamed() {
    assertThatThrownBy(() -> SettingsLoader.parse(base().put("kilosail.node.roles", "ingress,courier")))
        .isInstanceOf(SettingException.class)
        .hasMessageContaining("node.roles (KILOSAIL_ROLES)")
        .hasMessageContaining("unknown role 'courier'");
  }

  @Test
  void aBadPortIsNamed() {
    assertThatThrownBy(() -> SettingsLoader.parse(base().put("kilosail.http.port", "99999")))
        .isInstanceOf(SettingException.class)
        .hasMessageContaining("http.port (KILOSAIL_HTTP_PORT)")
        .hasMessageContaining("99999");
    assertThatThrownBy(() -> SettingsLoader.parse(base().put("KILOSAIL_HTTP_PORT", "eighty")))
        .hasMessageContaining("http.port (KILOSAIL_HTTP_PORT)");
  }

  @Test
  void aBadExternalUrlIsNamed() {
    JsonObject external = base().put("kilosail.infra.mode", "external")
        .put("kilosail.kafka.bootstrapServers", "k:9092").put("kilosail.redis.url", "redis://r:6379");
    assertThatThrownBy(() -> SettingsLoader.parse(external.copy().put("kilosail.mysql.url", "postgres://x/y")))
        .hasMessageContaining("mysql.url (KILOSAIL_MYSQL_URL)");
    assertThatThrownBy(() -> SettingsLoader.parse(external.copy()
        .put("kilosail.mysql.url", "mysql://u:p@h:1/db").put("kilosail.kafka.bootstrapServers", "nohostport")))
        .hasMessageContaining("kafka.bootstrapServers (KILOSAIL_KAFKA)");
  }

  @Test
  void anUnknownInfraModeListsTheChoices() {
    assertThatThrownBy(() -> SettingsLoader.parse(base().put("kilosail.infra.mode", "cloud")))
        .hasMessageContaining("infra.mode (KILOSAIL_INFRA)")
        .hasMessageContaining("[embedded, external]");
  }

  @Test
  void commandLineFlagsBecomeOverrides() {
    Main.Arguments args = Main.parse(new String[] {"--roles", "relay", "--cluster", "--conf", "conf/external.json"});
    assertThat(args.confFile()).isEqualTo("conf/external.json");
    assertThat(args.overrides().getString("kilosail.node.roles")).isEqualTo("relay");
    assertThat(args.overrides().getString("kilosail.cluster.enabled")).isEqualTo("true");
    assertThatThrownBy(() -> Main.parse(new String[] {"--roles"})).hasMessageContaining("--roles needs a value");
    assertThatThrownBy(() -> Main.parse(new String[] {"--frobnicate"})).hasMessageContaining("--frobnicate");
  }

  @Test
  void aMissingConfFileIsNamed() {
    assertThatThrownBy(() -> SettingsLoader.load(vertx, "conf/nope.json", new JsonObject())
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS))
        .hasCauseInstanceOf(SettingException.class)
        .hasMessageContaining("conf/nope.json");
  }

  /** The shipped defaults, as a merged configuration without files. */
  private static JsonObject base() {
    return new JsonObject(vertx.fileSystem().readFileBlocking("conf/default.json"));
  }

  @Test
  void everySettingHasAnEnvironmentVariable() {
    assertThat(List.of(Setting.values())).allSatisfy(s -> assertThat(s.env()).startsWith("KILOSAIL_"));
  }
}
