package io.kilosail.launcher;

import io.kilosail.admin.AdminCommandsVerticle;
import io.kilosail.admin.DashboardVerticle;
import io.kilosail.admin.NodeInfoVerticle;
import io.kilosail.checkout.StockVerticle;
import io.kilosail.courier.CourierSettings;
import io.kilosail.courier.gateway.CourierGatewayVerticle;
import io.kilosail.courier.wire.CourierWire;
import io.kilosail.dispatch.DispatchVerticle;
import io.kilosail.pushback.PushbackVerticle;
import io.kilosail.quote.QuoteVerticle;
import io.kilosail.embedded.EmbeddedInfrastructure;
import io.kilosail.infra.Clients;
import io.kilosail.infra.NodeConfig;
import io.kilosail.infra.NodeLifecycle;
import io.kilosail.ingress.HttpConfig;
import io.kilosail.ingress.IngressVerticle;
import io.kilosail.launcher.KilosailSettings.InfraMode;
import io.kilosail.messaging.DurableTimerVerticle;
import io.kilosail.messaging.MessagingRetentionVerticle;
import io.kilosail.messaging.OutboxRelayVerticle;
import io.kilosail.platform.schema.SchemaMigrator;
import io.kilosail.saga.SagaCatalog;
import io.kilosail.saga.SagaCoordinatorVerticle;
import io.kilosail.contracts.courier.CourierPlatform;
import io.kilosail.simulators.courier.CourierSimulatorVerticle;
import io.kilosail.payment.stripe.StripePaymentVerticle;
import io.kilosail.payment.stripe.StripeSettings;
import io.kilosail.webhooks.stripe.StripeWebhook;
import io.kilosail.webhooks.courier.CourierWebhookVerticle;
import io.kilosail.platform.settings.InfraSettings;
import io.kilosail.platform.settings.SettingException;
import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.micrometer.Label;
import io.vertx.sqlclient.Pool;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * One running kilosail node: its infrastructure (embedded or external), its Vert.x instance (clustered or not) and
 * the verticles of its roles. {@link #start} and {@link #stop} are what {@code main} and the tests both use.
 */
public final class KilosailNode {

  private static final Logger log = LoggerFactory.getLogger(KilosailNode.class);

  private final KilosailSettings settings;
  private final InfraSettings infra;
  private final EmbeddedInfrastructure embedded;
  private final Vertx vertx;
  private final int httpPort;
  private final int webhooksPort;
  private final Deployments deployments;
  /**
   * The node's own hold on the MySQL pool its verticles share by name: a shared pool closes with its last holder, so
   * a verticle that stops early never closes it under those still finishing their work.
   */
  private final Pool sharedPool;

  private KilosailNode(KilosailSettings settings, InfraSettings infra, EmbeddedInfrastructure embedded, Vertx vertx,
                       int httpPort, int webhooksPort, Deployments deployments, Pool sharedPool) {
    this.settings = settings;
    this.infra = infra;
    this.embedded = embedded;
    this.vertx = vertx;
    this.httpPort = httpPort;
    this.webhooksPort = webhooksPort;
    this.deployments = deployments;
    this.sharedPool = sharedPool;
  }

  /** Infrastructure ready and schema migrated, before any Vert.x instance of the node exists. */
  private record Prepared(InfraSettings infra, EmbeddedInfrastructure embedded) {
  }

  /**
   * Starts a node. Blocking steps (embedded servers, Flyway) run on a worker of {@code bootstrap}, which may be closed
   * once the returned future completes; the node gets a Vert.x instance of its own.
   */
  public static Future<KilosailNode> start(Vertx bootstrap, KilosailSettings settings) {
    Instant startedAt = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    // Every step reports back on the bootstrap's context: a future bound to the node's own context would never
    // deliver its failure once the node's Vert.x is closed in the clean-up below.
    Context home = bootstrap.getOrCreateContext();
    return bootstrap.executeBlocking(() -> prepare(settings), false)
        .compose(prepared -> createVertx(settings, home)
            .compose(vertx -> Future.fromCompletionStage(deploy(vertx, settings, prepared, startedAt)
                    .toCompletionStage(), home)
                .recover(err -> Future.fromCompletionStage(vertx.close().toCompletionStage(), home)
                    .transform(x -> Future.failedFuture(err))))
            .recover(err -> prepared.embedded() == null ? Future.failedFuture(err)
                : bootstrap.executeBlocking(() -> {
                  prepared.embedded().close();
                  return null;
                }, false).transform(x -> Future.failedFuture(err))));
  }

  private static Prepared prepare(KilosailSettings settings) {
    EmbeddedInfrastructure embedded = null;
    InfraSettings infra = settings.external();
    if (settings.infraMode() == InfraMode.EMBEDDED) {
      embedded = startEmbedded(settings);
      infra = embedded.settings().withMysqlPoolSize(settings.mysqlPoolSize());
    }
    try {
      SchemaMigrator.migrate(infra.mysql());
      return new Prepared(infra, embedded);
    } catch (RuntimeException e) {
      if (embedded != null) {
        embedded.close();
      }
      throw new SettingException(Setting.MYSQL_URL.label(), "cannot migrate the schema on "
          + infra.mysql().redactedUrl() + ": " + rootMessage(e));
    }
  }

  private static EmbeddedInfrastructure startEmbedded(KilosailSettings settings) {
    if (!EmbeddedAvailability.present()) {
      throw new SettingException(Setting.INFRA_MODE.label(), "this jar has no embedded servers; use kilosail-dev.jar "
          + "or set infra.mode=external with mysql.url, kafka.bootstrapServers and redis.url");
    }
    Path dataDir = settings.dataDir();
    try {
      Files.createDirectories(dataDir);
    } catch (Exception e) {
      throw new SettingException(Setting.DATA_DIR.label(), "cannot create '" + dataDir + "': " + rootMessage(e));
    }
    if (!Files.isWritable(dataDir)) {
      throw new SettingException(Setting.DATA_DIR.label(), "'" + dataDir + "' is not writable");
    }
    KilosailSettings.EmbeddedPorts p = settings.embeddedPorts();
    try {
      return EmbeddedInfrastructure.start(dataDir,
          new EmbeddedInfrastructure.Ports(p.mysql(), p.kafka(), p.kafkaController(), p.redis()),
          settings.kafkaPartitions());
    } catch (RuntimeException e) {
      // Almost always a port taken by another server or another kilosail on this machine.
      String problem = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
      throw new SettingException("infra.embedded.*Port (KILOSAIL_EMBEDDED_*_PORT)", problem
          + "; is the port already in use?");
    }
  }

  private static Future<Vertx> createVertx(KilosailSettings settings, Context home) {
    VertxOptions options = new VertxOptions().setMetricsOptions(new MicrometerMetricsOptions()
        .setEnabled(true)
        .setRegistryName(metricsRegistry(settings))
        .setJvmMetricsEnabled(true)
        .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true))
        .addLabels(Label.HTTP_ROUTE, Label.HTTP_METHOD, Label.HTTP_CODE, Label.EB_ADDRESS, Label.EB_FAILURE,
            Label.POOL_TYPE, Label.POOL_NAME));
    ClusterSettings cluster = settings.cluster();
    VertxBuilder builder = Vertx.builder().with(options).withMetrics(new MicrometerMetricsFactory());
    // Built off the bootstrap's threads: a Vert.x instance created on another one's context would share its callbacks.
    if (!cluster.enabled()) {
      return Future.fromCompletionStage(CompletableFuture.supplyAsync(builder::build), home);
    }
    options.setEventBusOptions(new EventBusOptions().setHost(cluster.host()).setPort(0)
        .setClusterPublicHost(cluster.publicHost()));
    return Future.fromCompletionStage(CompletableFuture.supplyAsync(() -> builder
            .withClusterManager(HazelcastClusterConfig.clusterManager(cluster))
            .buildClustered()
            .toCompletionStage()).thenCompose(stage -> stage), home)
        .recover(err -> Future.failedFuture(new SettingException("cluster.* (KILOSAIL_CLUSTER_*)",
            "cannot join cluster '" + cluster.name() + "' on " + cluster.host() + ":" + cluster.port() + ": "
                + rootMessage(err))));
  }

  private static String metricsRegistry(KilosailSettings settings) {
    return "kilosail-" + settings.nodeId();
  }

  private static Future<KilosailNode> deploy(Vertx vertx, KilosailSettings settings, Prepared prepared,
                                             Instant startedAt) {
    NodeConfig node = new NodeConfig(settings.nodeId(), settings.roles().stream().map(Role::id).toList(),
        startedAt.toString(), settings.cluster().enabled(), version(), metricsRegistry(settings));
    JsonObject config = new JsonObject()
        .mergeIn(node.toJson())
        .mergeIn(new HttpConfig(settings.httpHost(), settings.httpPort()).toJson())
        .mergeIn(prepared.infra().toJson())
        .mergeIn(settings.verticleSections())
        .put("simulators", settings.simulatorsSection());
    DeploymentOptions options = new DeploymentOptions().setConfig(config);

    Deployments deployments = new Deployments();
    Pool sharedPool = Clients.mysqlPool(vertx, prepared.infra().mysql());
    Future<String> nodeInfo = deployments.track(StopPhase.EDGE, vertx.deployVerticle(new NodeInfoVerticle(), options));
    List<IngressVerticle> ingress = new ArrayList<>();
    List<CourierWebhookVerticle> webhooks = new ArrayList<>();
    Future<?> roles = nodeInfo;
    for (Role role : settings.roles()) {
      roles = roles.compose(x -> deployRole(vertx, role, settings, options, ingress, webhooks, deployments));
    }
    if (settings.simulators()) {
      roles = roles.compose(x -> deployCourierSimulator(vertx, settings, ingress, webhooks, deployments));
    }
    return roles.map(x -> {
      int port = ingress.isEmpty() ? -1 : ingress.get(0).actualPort();
      log.info("kilosail node {} up: roles={} clustered={} http={} infra={}", settings.nodeId(), node.roles(),
          settings.cluster().enabled(), port < 0 ? "-" : "http://" + settings.httpHost() + ":" + port,
          prepared.embedded() != null ? prepared.embedded().describe() : "external");
      return new KilosailNode(settings, prepared.infra(), prepared.embedded(), vertx, port,
          webhooks.isEmpty() ? -1 : webhooks.get(0).actualPort(), deployments, sharedPool);
    });
  }

  /**
   * {@code options} whose config keeps of the verticle sections only {@code sections} (node, HTTP, infrastructure and
   * simulators stay). For the verticles that call out over HTTP on every order: Vert.x 5.0 gives each HTTP client
   * request a context of its own, which copies the deployment's whole config (measured: about 4 % of a loaded node's
   * CPU with every section in it).
   */
  static DeploymentOptions withSectionsOnly(DeploymentOptions options, String... sections) {
    JsonObject config = options.getConfig().copy();
    List<String> kept = List.of(sections);
    KilosailSettings.VERTICLE_SECTIONS.stream().filter(name -> !kept.contains(name)).forEach(config::remove);
    return new DeploymentOptions(options).setConfig(config);
  }

  /** Deploys the verticles of one role. */
  private static Future<Void> deployRole(Vertx vertx, Role role, KilosailSettings settings, DeploymentOptions options,
                                         List<IngressVerticle> ingress, List<CourierWebhookVerticle> webhooks,
                                         Deployments deployments) {
    return switch (role) {
      case INGRESS -> {
        int instances = settings.httpPort() == 0 ? 1
            : settings.httpInstances() == 0 ? Runtime.getRuntime().availableProcessors() : settings.httpInstances();
        yield deployments.track(StopPhase.EDGE, vertx.deployVerticle(() -> {
              IngressVerticle verticle = new IngressVerticle();
              ingress.add(verticle);
              return verticle;
            }, new DeploymentOptions(options).setInstances(instances)))
            .<Void>mapEmpty()
            // A bad setting of a section ingress reads (admin.jwt) names itself; anything else is the port.
            .recover(err -> Future.failedFuture(err instanceof SettingException ? err
                : new SettingException(Setting.HTTP_PORT.label(),
                "cannot listen on " + settings.httpHost() + ":" + settings.httpPort() + ": " + rootMessage(err))));
      }
      case RELAY -> Future.all(
              deployments.track(StopPhase.RELAY, vertx.deployVerticle(new OutboxRelayVerticle(), options)),
              deployments.track(StopPhase.RELAY, vertx.deployVerticle(new DurableTimerVerticle(), options)),
              deployments.track(StopPhase.RELAY, vertx.deployVerticle(new MessagingRetentionVerticle(), options)),
              deployments.track(StopPhase.CONSUMERS, vertx.deployVerticle(new PushbackVerticle(),
                  withSectionsOnly(options, "platforms", "pushback"))))
          .mapEmpty();
      // Sagas start with their business object and take their facts where those arrive (SagaStarts, SagaSignals):
      // the coordinator needs no consumer of its own.
      case SAGA -> deployments.track(StopPhase.SAGAS, vertx.deployVerticle(
              new SagaCoordinatorVerticle(SagaCatalog.definitions(vertx, options.getConfig())), options))
          .mapEmpty();
      case STOCK -> deployments.track(StopPhase.PARTICIPANTS, vertx.deployVerticle(new StockVerticle(), options))
          .mapEmpty();
      // Each channel at its own address; Stripe is the first (docs/stripe.md).
      case PAYMENT -> deployments.track(StopPhase.PARTICIPANTS,
          vertx.deployVerticle(new StripePaymentVerticle(), options)).mapEmpty();
      // The dashboard's publishers and the consumers of its commands; the page and the bridge are on ingress.
      case ADMIN -> deployments.track(StopPhase.CONSUMERS, vertx.deployVerticle(new DashboardVerticle(), options))
          .compose(x -> deployments.track(StopPhase.CONSUMERS,
              vertx.deployVerticle(new AdminCommandsVerticle(), options)))
          // The balance check asks the couriers through the gateway; the lease keeps it to one node per interval.
          .compose(x -> deployments.track(StopPhase.CONSUMERS,
              vertx.deployVerticle(new io.kilosail.shop.CourierBalanceCheckVerticle(), options))).mapEmpty();
      // One instance: a webhook is one short transaction, and the MySQL pool, not the event loop, bounds it. It stops
      // with the participants: a callback moves the order's dispatch, whose placements still need the gateway.
      case WEBHOOKS -> {
        CourierWebhookVerticle verticle = new CourierWebhookVerticle();
        webhooks.add(verticle);
        yield deployments.track(StopPhase.PARTICIPANTS, vertx.deployVerticle(verticle, options)).mapEmpty();
      }
      // Quote and dispatch both call the couriers through the gateway; one per node, since each instance would keep
      // its own circuits: a node with both roles deploys it for quote only.
      case QUOTE -> deployments.track(StopPhase.GATEWAY, vertx.deployVerticle(new CourierGatewayVerticle(),
              withSectionsOnly(options, "couriers")))
          .compose(x -> deployments.track(StopPhase.PARTICIPANTS, vertx.deployVerticle(new QuoteVerticle(), options)))
          .mapEmpty();
      case DISPATCH -> (settings.roles().contains(Role.QUOTE) ? Future.succeededFuture()
              : deployments.track(StopPhase.GATEWAY, vertx.deployVerticle(new CourierGatewayVerticle(),
                  withSectionsOnly(options, "couriers"))))
          .compose(x -> deployments.track(StopPhase.PARTICIPANTS,
              vertx.deployVerticle(new DispatchVerticle(), options)))
          .mapEmpty();
      default -> {
        log.info("role {}: nothing to deploy in this build yet", role.id());
        yield Future.succeededFuture();
      }
    };
  }

  /**
   * The courier simulator, for the demo and for trying the system by hand: it plays the four courier platforms with
   * the credentials of the {@code couriers} section, where the gateway's default base URLs look for it, and sends its
   * signed callbacks to this node's webhook server (none when this node has no {@code webhooks} role). The same
   * server plays the food platforms of the {@code platforms} section, pushing to this node's intake (nowhere when this
   * node has no {@code ingress} role).
   */
  private static Future<Void> deployCourierSimulator(Vertx vertx, KilosailSettings settings,
                                                     List<IngressVerticle> ingress,
                                                     List<CourierWebhookVerticle> webhooks,
                                                     Deployments deployments) {
    JsonObject config = courierSimulatorConfig(settings, settings.simulatorCourierPort(),
        ingress.isEmpty() ? -1 : ingress.get(0).actualPort(), webhooks.isEmpty() ? -1 : webhooks.get(0).actualPort());
    return deployments.track(StopPhase.THIRD_PARTIES, vertx.deployVerticle(new CourierSimulatorVerticle(),
            new DeploymentOptions().setConfig(config)))
        .<Void>mapEmpty()
        .recover(err -> Future.failedFuture(new SettingException(Setting.SIMULATOR_COURIER_PORT.label(),
            "cannot start the courier simulator on port " + settings.simulatorCourierPort() + ": "
                + rootMessage(err))));
  }

  /**
   * The courier simulator's configuration for a node of {@code settings}: listening on {@code port}, playing the four
   * courier platforms with the {@code couriers} credentials and calling back the node's webhook server on
   * {@code webhooksPort}, the food platforms pushing to its intake on {@code intakePort}, Stripe with its webhook
   * (a port below 0: that server does not run, so nothing is sent there). Public for the benchmarks, which run the
   * simulator in a JVM apart from the node's.
   */
  public static JsonObject courierSimulatorConfig(KilosailSettings settings, int port, int intakePort,
                                                  int webhooksPort) {
    JsonObject couriers = settings.verticleSections().getJsonObject("couriers", new JsonObject());
    JsonObject platforms = new JsonObject();
    // Read only with a webhook server there, which has then started with these settings.
    Map<CourierPlatform, CourierWire> wires = webhooksPort < 0 ? Map.of()
        : CourierSettings.fromJson(settings.verticleSections(), Clock.systemUTC()).wires();
    for (CourierPlatform platform : CourierPlatform.values()) {
      JsonObject behaviour = new JsonObject();
      if (webhooksPort >= 0) {
        // The URL a merchant registers with the platform: with its callback token where the platform does not sign.
        CourierWire wire = wires.get(platform);
        behaviour.put("webhookBaseUrl", "http://127.0.0.1:" + webhooksPort + "/webhooks/couriers/"
            + platform.id() + (wire == null ? "" : wire.callbackQuery()));
      }
      platforms.put(platform.id(), new JsonObject()
          .put("credentials", couriers.getJsonObject(platform.id(), new JsonObject()))
          .put("behaviour", behaviour));
    }
    return new JsonObject()
        .put("host", "127.0.0.1").put("port", port).put("platforms", platforms)
        .put("food", foodSimulatorSection(settings, intakePort))
        .put("stripe", stripeSimulatorSection(settings, webhooksPort));
  }

  /**
   * The simulator's {@code stripe} section: the API key and webhook secrets the Stripe channel and webhook use, and
   * the node's webhook server as the endpoint (none without the {@code webhooks} role: events are then only kept).
   */
  private static JsonObject stripeSimulatorSection(KilosailSettings settings, int webhooksPort) {
    StripeSettings stripe = StripeSettings.fromJson(settings.verticleSections());
    JsonObject section = new JsonObject().put("secretKey", stripe.secretKey())
        .put("webhookSecrets", new JsonArray(stripe.webhookSecrets()));
    if (webhooksPort >= 0) {
      section.put("webhookUrl", "http://127.0.0.1:" + webhooksPort + StripeWebhook.PATH);
    }
    return section;
  }

  /** The simulator's {@code food} section: the node's intake URL and the platforms' secrets, as intake knows them. */
  private static JsonObject foodSimulatorSection(KilosailSettings settings, int intakePort) {
    JsonObject platforms = new JsonObject();
    settings.verticleSections().getJsonObject("platforms", new JsonObject()).forEach(entry -> {
      if (!entry.getKey().startsWith("_") && entry.getValue() instanceof JsonObject platform) {
        platforms.put(entry.getKey(), new JsonObject().put("secret", platform.getValue("secret")));
      }
    });
    JsonObject food = new JsonObject().put("platforms", platforms);
    if (intakePort >= 0) {
      // A wildcard listen address is not one to call: the simulator is on this machine, so loopback reaches it.
      String host = settings.httpHost().equals("0.0.0.0") || settings.httpHost().equals("::")
          ? "127.0.0.1" : settings.httpHost().contains(":") ? "[" + settings.httpHost() + "]" : settings.httpHost();
      food.put("intakeUrl", "http://" + host + ":" + intakePort + "/v1/orders");
    }
    return food;
  }

  private static String version() {
    String version = KilosailNode.class.getPackage().getImplementationVersion();
    return version != null ? version : "dev";
  }

  /**
   * An orderly stop (SIGTERM): the node first stops taking work (ingress answers 503 with Retry-After), then undeploys
   * its verticles phase by phase in {@link StopPhase} order, each finishing or handing back what it has in flight
   * while the ones it depends on still run (consumers before the saga engine, the saga engine before its participants,
   * those before the courier gateway, the HTTP servers last); only then does it leave the cluster and close the shared
   * clients and pool, and stop the embedded servers (if any).
   */
  public Future<Void> stop() {
    log.info("kilosail node {} stopping", settings.nodeId());
    NodeLifecycle.startDraining(vertx);
    return deployments.undeployInOrder(vertx)
        .eventually(sharedPool::close)
        .eventually(vertx::close)
        .eventually(() -> embedded == null ? Future.succeededFuture()
            : Future.fromCompletionStage(CompletableFuture.runAsync(embedded::close)))
        .onComplete(x -> log.info("kilosail node {} stopped", settings.nodeId()));
  }

  public KilosailSettings settings() {
    return settings;
  }

  public InfraSettings infra() {
    return infra;
  }

  public Vertx vertx() {
    return vertx;
  }

  /** The ingress HTTP port, or -1 when this node has no ingress role. */
  public int httpPort() {
    return httpPort;
  }

  /** The webhook server's port (couriers, Stripe), or -1 when this node has no webhooks role. */
  public int webhooksPort() {
    return webhooksPort;
  }

  static String rootMessage(Throwable error) {
    Throwable root = error;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = root.getMessage();
    return message == null ? root.getClass().getSimpleName() : message.lines().findFirst().orElse(message);
  }
}
