package io.kilosail.launcher;

import io.kilosail.launcher.KilosailSettings.EmbeddedPorts;
import io.kilosail.launcher.KilosailSettings.InfraMode;
import io.kilosail.contracts.courier.CourierPlatform;
import io.kilosail.platform.settings.InfraSettings;
import io.kilosail.platform.settings.MySqlSettings;
import io.kilosail.platform.settings.SettingException;
import io.kilosail.courier.CourierSettings;
import io.kilosail.pushback.PushbackSettings;
import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * Loads a node's settings with vertx-config: {@code conf/default.json} (from the working directory, else from the jar),
 * then the file given with {@code --conf}, then environment variables, then system properties and command-line
 * flags; and validates them, failing with a {@link SettingException} that names the setting.
 */
public final class SettingsLoader {

  static final String DEFAULT_CONF = "conf/default.json";
  private static final String PLATFORM_ENV_PREFIX = "KILOSAIL_PLATFORM_";
  private static final String PLATFORM_ENV_SUFFIX = "_SECRET";
  private static final String PLATFORM_CALLBACK_ENV_SUFFIX = "_CALLBACK_URL";
  private static final String COURIER_ENV_PREFIX = "KILOSAIL_COURIER_";

  private SettingsLoader() {
  }

  /**
   * @param confFile  an extra configuration file layered over the defaults, or null
   * @param overrides flat {@code kilosail.<path>} values that win over everything (command-line flags, tests)
   */
  public static Future<KilosailSettings> load(Vertx vertx, String confFile, JsonObject overrides) {
    ConfigRetrieverOptions options = new ConfigRetrieverOptions()
        .setScanPeriod(0)
        .addStore(new ConfigStoreOptions().setType("file").setFormat("json")
            .setConfig(new JsonObject().put("path", DEFAULT_CONF)));
    if (confFile != null) {
      if (!vertx.fileSystem().existsBlocking(confFile)) {
        return Future.failedFuture(new SettingException("--conf", "file '" + confFile + "' not found"));
      }
      options.addStore(new ConfigStoreOptions().setType("file").setFormat("json")
          .setConfig(new JsonObject().put("path", confFile)));
    }
    options.addStore(new ConfigStoreOptions().setType("env"))
        .addStore(new ConfigStoreOptions().setType("sys"))
        .addStore(new ConfigStoreOptions().setType("json").setConfig(overrides));
    ConfigRetriever retriever = ConfigRetriever.create(vertx, options);
    return retriever.getConfig()
        .recover(err -> Future.failedFuture(new SettingException(confFile != null ? "--conf" : DEFAULT_CONF,
            "cannot read configuration: " + err.getMessage())))
        .eventually(() -> {
          retriever.close();
          return Future.succeededFuture();
        })
        .compose(merged -> {
          try {
            return Future.succeededFuture(parse(merged));
          } catch (SettingException e) {
            return Future.failedFuture(e);
          }
        });
  }

  /** Validates the merged configuration. Public for tests that build settings without files. */
  public static KilosailSettings parse(JsonObject merged) {
    Values v = new Values(merged);
    InfraMode mode = v.choice(Setting.INFRA_MODE, InfraMode.class);
    int poolSize = v.integer(Setting.MYSQL_POOL_SIZE, 1, 256);
    InfraSettings external = null;
    if (mode == InfraMode.EXTERNAL) {
      try {
        external = new InfraSettings(MySqlSettings.fromUrl(v.string(Setting.MYSQL_URL), poolSize),
            v.string(Setting.KAFKA_BOOTSTRAP_SERVERS), v.string(Setting.REDIS_URL));
      } catch (SettingException e) {
        throw relabel(e);
      }
    }
    String nodeId = v.optionalString(Setting.NODE_ID);
    if (nodeId == null || nodeId.isBlank()) {
      nodeId = "node-" + UUID.randomUUID().toString().substring(0, 8);
    } else if (!nodeId.matches("[A-Za-z0-9._-]{1,64}")) {
      throw new SettingException(Setting.NODE_ID.label(), "use 1-64 letters, digits, '.', '_' or '-', got '" + nodeId + "'");
    }
    String host = v.string(Setting.CLUSTER_HOST);
    String publicHost = v.optionalString(Setting.CLUSTER_PUBLIC_HOST);
    List<String> members = v.list(Setting.CLUSTER_MEMBERS);
    for (String member : members) {
      if (!member.matches("[^:\\s]+:\\d{1,5}")) {
        throw new SettingException(Setting.CLUSTER_MEMBERS.label(), "'" + member + "' is not host:port");
      }
    }
    ClusterSettings cluster = new ClusterSettings(v.bool(Setting.CLUSTER_ENABLED), v.string(Setting.CLUSTER_NAME),
        host, publicHost == null || publicHost.isBlank() ? host : publicHost, v.port(Setting.CLUSTER_PORT), members);
    Path dataDir;
    try {
      dataDir = Path.of(v.string(Setting.DATA_DIR)).toAbsolutePath().normalize();
    } catch (InvalidPathException e) {
      throw new SettingException(Setting.DATA_DIR.label(), "not a path: " + e.getMessage());
    }
    JsonObject sections = verticleSections(merged);
    sections.put("pushback", (sections.getValue("pushback") instanceof JsonObject p ? p : new JsonObject())
        .put("enabled", v.bool(Setting.PUSHBACK_ENABLED)));
    KilosailSettings settings = new KilosailSettings(
        nodeId,
        Role.parse(Setting.NODE_ROLES.label(), v.list(Setting.NODE_ROLES)),
        v.string(Setting.HTTP_HOST),
        v.port(Setting.HTTP_PORT),
        v.integer(Setting.HTTP_INSTANCES, 0, 64),
        mode,
        dataDir,
        new EmbeddedPorts(v.port(Setting.EMBEDDED_MYSQL_PORT), v.port(Setting.EMBEDDED_KAFKA_PORT),
            v.port(Setting.EMBEDDED_KAFKA_CONTROLLER_PORT), v.port(Setting.EMBEDDED_REDIS_PORT)),
        v.integer(Setting.KAFKA_PARTITIONS, 1, 256),
        poolSize,
        external,
        cluster,
        sections,
        // auto: a laptop run on embedded servers gets the simulators, a run on external servers does not.
        "auto".equalsIgnoreCase(v.string(Setting.SIMULATORS_ENABLED)) ? mode == InfraMode.EMBEDDED
            : v.bool(Setting.SIMULATORS_ENABLED),
        v.port(Setting.SIMULATOR_COURIER_PORT));
    if (settings.roles().contains(Role.RELAY)) {
      // Checked here, before any server starts: a relay node with nowhere to push states back must not come up.
      PushbackSettings.fromJson(sections.copy().put("simulators", settings.simulatorsSection()));
    }
    return settings;
  }

  private static JsonObject verticleSections(JsonObject merged) {
    JsonObject sections = new JsonObject();
    for (String name : KilosailSettings.VERTICLE_SECTIONS) {
      Object section = merged.getValue(name);
      if (section != null && !(section instanceof JsonObject)) {
        throw new SettingException(name, "must be a JSON object, got '" + section + "'");
      }
      if (section != null) {
        sections.put(name, ((JsonObject) section).copy());
      }
    }
    platformSecretsFromEnv(merged, sections);
    courierSecretsFromEnv(merged, sections);
    stripeSecretsFromEnv(merged, sections);
    webhooksPortOverride(merged, sections);
    adminKeysFromEnv(merged, sections);
    return sections;
  }

  /**
   * {@code KILOSAIL_ADMIN_JWT_PUBLIC_KEY} and {@code KILOSAIL_ADMIN_JWT_PRIVATE_KEY} (PEM) replace the dev-only keys
   * of {@code admin.jwt}, so production keys never sit in a file; a node that only checks tokens needs the public one.
   */
  private static void adminKeysFromEnv(JsonObject merged, JsonObject sections) {
    Map<String, String> keys = Map.of("KILOSAIL_ADMIN_JWT_PUBLIC_KEY", "publicKey",
        "KILOSAIL_ADMIN_JWT_PRIVATE_KEY", "privateKey");
    keys.forEach((env, field) -> {
      if (!merged.containsKey(env)) {
        return;
      }
      JsonObject admin = sections.getValue("admin") instanceof JsonObject json ? json : new JsonObject();
      JsonObject jwt = admin.getValue("jwt") instanceof JsonObject json ? json : new JsonObject();
      sections.put("admin", admin.put("jwt", jwt.put(field, String.valueOf(merged.getValue(env)))));
    });
  }

  /**
   * {@code KILOSAIL_PLATFORM_<NAME>_SECRET} sets {@code platforms.<name>.secret} and
   * {@code KILOSAIL_PLATFORM_<NAME>_CALLBACK_URL} its {@code callbackUrl} (name lower-cased, '_' kept), so a
   * deployment gives each upstream platform its secret and push-back destination, or adds a platform, without writing
   * them into a file.
   */
  private static void platformSecretsFromEnv(JsonObject merged, JsonObject sections) {
    for (String key : merged.fieldNames()) {
      platformFromEnv(merged, sections, key, PLATFORM_CALLBACK_ENV_SUFFIX, "callbackUrl");
      if (!key.endsWith(PLATFORM_CALLBACK_ENV_SUFFIX)) {
        platformFromEnv(merged, sections, key, PLATFORM_ENV_SUFFIX, "secret");
      }
    }
  }

  private static void platformFromEnv(JsonObject merged, JsonObject sections, String key, String suffix,
                                      String field) {
    if (!key.startsWith(PLATFORM_ENV_PREFIX) || !key.endsWith(suffix)
        || key.length() <= PLATFORM_ENV_PREFIX.length() + suffix.length()) {
      return;
    }
    String name = key.substring(PLATFORM_ENV_PREFIX.length(), key.length() - suffix.length()).toLowerCase(Locale.ROOT);
    JsonObject platforms = sections.getJsonObject("platforms");
    if (platforms == null) {
      platforms = new JsonObject();
      sections.put("platforms", platforms);
    }
    JsonObject platform = platforms.getValue(name) instanceof JsonObject json ? json : new JsonObject();
    platforms.put(name, platform.put(field, String.valueOf(merged.getValue(key))));
  }

  /**
   * {@code KILOSAIL_COURIER_<PLATFORM>_SECRET} (UU, SHANSONG, SF, FENGNIAO) sets that platform's signing secret in
   * {@code couriers.<platform>} under the field its wire calls it (appKey, appSecret, devKey), so the dev-only
   * secrets of conf/default.json are replaced without writing production secrets into a file.
   */
  private static void courierSecretsFromEnv(JsonObject merged, JsonObject sections) {
    for (Map.Entry<CourierPlatform, String> secret : CourierSettings.SECRET_FIELDS.entrySet()) {
      String key = COURIER_ENV_PREFIX + secret.getKey().id().toUpperCase(Locale.ROOT) + PLATFORM_ENV_SUFFIX;
      if (!merged.containsKey(key)) {
        continue;
      }
      JsonObject couriers = sections.getJsonObject("couriers");
      if (couriers == null) {
        couriers = new JsonObject();
        sections.put("couriers", couriers);
      }
      String id = secret.getKey().id();
      JsonObject courier = couriers.getValue(id) instanceof JsonObject json ? json : new JsonObject();
      couriers.put(id, courier.put(secret.getValue(), String.valueOf(merged.getValue(key))));
    }
  }

  /**
   * {@code KILOSAIL_STRIPE_SECRET_KEY} and {@code KILOSAIL_STRIPE_WEBHOOK_SECRETS} (comma-separated, two while rolling)
   * set {@code payments.stripe.secretKey} and {@code .webhookSecrets}, so production keys never go into a file.
   */
  private static void stripeSecretsFromEnv(JsonObject merged, JsonObject sections) {
    Map<String, String> fields = Map.of("KILOSAIL_STRIPE_SECRET_KEY", "secretKey",
        "KILOSAIL_STRIPE_WEBHOOK_SECRETS", "webhookSecrets");
    fields.forEach((key, field) -> {
      if (!merged.containsKey(key)) {
        return;
      }
      JsonObject payments = sections.getValue("payments") instanceof JsonObject json ? json : new JsonObject();
      sections.put("payments", payments);
      JsonObject stripe = payments.getValue("stripe") instanceof JsonObject json ? json : new JsonObject();
      payments.put("stripe", stripe.put(field, String.valueOf(merged.getValue(key))));
    });
  }

  /**
   * {@code KILOSAIL_WEBHOOKS_PORT} (or {@code -Dkilosail.webhooks.port}) moves the courier webhook server, as
   * {@code KILOSAIL_HTTP_PORT} moves ingress: two nodes on one host, or tests, need it without a config file.
   */
  private static void webhooksPortOverride(JsonObject merged, JsonObject sections) {
    Object port = merged.getValue("kilosail.webhooks.port", merged.getValue("KILOSAIL_WEBHOOKS_PORT"));
    if (port == null) {
      return;
    }
    int value;
    try {
      value = Integer.parseInt(String.valueOf(port).trim());
    } catch (NumberFormatException e) {
      value = -1;
    }
    if (value < 0 || value > 65535) {
      throw new SettingException("webhooks.port (KILOSAIL_WEBHOOKS_PORT)", "must be a port from 0 to 65535, got '" + port + "'");
    }
    JsonObject webhooks = sections.getJsonObject("webhooks");
    if (webhooks == null) {
      webhooks = new JsonObject();
      sections.put("webhooks", webhooks);
    }
    webhooks.put("port", value);
  }

  private static SettingException relabel(SettingException e) {
    return Setting.byPath(e.setting())
        .map(s -> new SettingException(s.label(), e.getMessage().substring(e.getMessage().indexOf("': ") + 3)))
        .orElse(e);
  }

  /** Reads one setting from the strongest source that has it. */
  private record Values(JsonObject merged) {

    Object raw(Setting s) {
      if (merged.containsKey(s.systemProperty())) {
        return merged.getValue(s.systemProperty());
      }
      if (merged.containsKey(s.env())) {
        return merged.getValue(s.env());
      }
      Object node = merged;
      for (String part : s.path().split("\\.")) {
        if (!(node instanceof JsonObject json) || !json.containsKey(part)) {
          return null;
        }
        node = json.getValue(part);
      }
      return node;
    }

    String optionalString(Setting s) {
      Object raw = raw(s);
      return raw == null ? null : String.valueOf(raw).trim();
    }

    String string(Setting s) {
      String value = optionalString(s);
      if (value == null || value.isEmpty()) {
        throw new SettingException(s.label(), "missing; " + s.description());
      }
      return value;
    }

    int integer(Setting s, int min, int max) {
      String value = string(s);
      try {
        int n = Integer.parseInt(value);
        if (n >= min && n <= max) {
          return n;
        }
      } catch (NumberFormatException ignored) {
        // reported below with the accepted range
      }
      throw new SettingException(s.label(), "must be an integer from " + min + " to " + max + ", got '" + value + "'");
    }

    int port(Setting s) {
      return integer(s, 0, 65535);
    }

    boolean bool(Setting s) {
      String value = string(s).toLowerCase(Locale.ROOT);
      return switch (value) {
        case "true", "yes", "1" -> true;
        case "false", "no", "0" -> false;
        default -> throw new SettingException(s.label(), "must be true or false, got '" + value + "'");
      };
    }

    <E extends Enum<E>> E choice(Setting s, Class<E> type) {
      String value = string(s);
      return Arrays.stream(type.getEnumConstants())
          .filter(e -> e.name().equalsIgnoreCase(value))
          .findFirst()
          .orElseThrow(() -> new SettingException(s.label(), "must be one of "
              + Arrays.stream(type.getEnumConstants()).map(e -> e.name().toLowerCase(Locale.ROOT)).toList()
              + ", got '" + value + "'"));
    }

    List<String> list(Setting s) {
      Object raw = raw(s);
      if (raw instanceof JsonArray array) {
        return array.stream().map(String::valueOf).map(String::trim).filter(x -> !x.isEmpty()).toList();
      }
      if (raw == null) {
        return List.of();
      }
      return Arrays.stream(String.valueOf(raw).split(",")).map(String::trim).filter(x -> !x.isEmpty()).toList();
    }
  }
}
