package io.kilosail.courier.gateway;

import io.kilosail.contracts.courier.CourierGateway;
import io.kilosail.contracts.courier.CourierPlatform;
import io.kilosail.courier.CourierSettings;
import io.kilosail.courier.wire.FengniaoWire;
import io.kilosail.infra.Clients;
import io.kilosail.infra.Meters;
import io.kilosail.infra.NodeConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.redis.client.Redis;
import io.vertx.serviceproxy.ServiceBinder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.EnumMap;
import java.util.Map;

/**
 * Hosts {@link CourierGateway} on {@link CourierGateway#ADDRESS}: one {@link CourierPlatformClient} per platform
 * configured in {@code couriers}, all sharing one WebClient. One instance per node: the circuits must see every call
 * the node makes to a platform, and several instances would each keep their own count and open later.
 */
public class CourierGatewayVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(CourierGatewayVerticle.class);

  private WebClient web;
  /** Only for Fengniao's shared token; null when Fengniao is not configured or the node has no Redis. */
  private Redis redis;
  private Map<CourierPlatform, CourierPlatformClient> clients;
  private MessageConsumer<JsonObject> consumer;
  private CourierGatewayService service;
  /** Longest a stopping node waits for the answers of calls in flight: above every platform's HTTP timeout. */
  private static final long DRAIN_MS = 10_000;

  @Override
  public Future<?> start() {
    CourierSettings settings = CourierSettings.fromJson(config(), Clock.systemUTC());
    MeterRegistry registry = Meters.registry(NodeConfig.fromJson(config()));
    // Keep-alive pools per platform host; the platforms are few, so the default pool size per host is plenty.
    web = WebClient.create(vertx, new WebClientOptions().setKeepAlive(true).setConnectTimeout(2_000));
    clients = new EnumMap<>(CourierPlatform.class);
    settings.platforms().forEach((platform, s) -> clients.put(platform,
        new CourierPlatformClient(vertx, web, s, registry, tokensFor(s))));
    service = new CourierGatewayService(clients);
    consumer = new ServiceBinder(vertx).setAddress(CourierGateway.ADDRESS).register(CourierGateway.class, service);
    return consumer.completion().onSuccess(x -> settings.platforms().values().forEach(s ->
        log.info("courier gateway platform={} baseUrl={} timeoutMs={} maxFailures={} resetTimeoutMs={}",
            s.platform().id(), s.baseUrl(), s.timeoutMs(), s.circuit().maxFailures(), s.circuit().resetTimeoutMs())));
  }

  /**
   * Fengniao's token holder, sharing the token through Redis when the node has one ({@code redis.url}); other
   * platforms need none.
   */
  private FengniaoTokens tokensFor(CourierSettings.Platform platform) {
    if (!(platform.wire() instanceof FengniaoWire fengniao)) {
      return null;
    }
    String redisUrl = config().getJsonObject("redis", new JsonObject()).getString("url");
    if (redisUrl != null && redis == null) {
      redis = Clients.redis(vertx, redisUrl);
    } else if (redisUrl == null) {
      log.warn("no redis.url: the Fengniao token is kept on this node only");
    }
    FengniaoTokens.Sender sender = request -> web.postAbs(platform.baseUrl() + request.pathAndQuery())
        .timeout(platform.timeoutMs())
        .putHeader("Content-Type", request.contentType())
        .sendBuffer(Buffer.buffer(request.body()))
        // A 5xx is the platform down, not a refusal of our grant: no token, and no fallback to another grant.
        .compose(response -> response.statusCode() >= 500
            ? Future.failedFuture("Fengniao token endpoint answered HTTP " + response.statusCode())
            : Future.succeededFuture(response.bodyAsString() == null ? "" : response.bodyAsString()));
    return new FengniaoTokens(vertx, redis, fengniao, sender, Clock.systemUTC(), NodeConfig.fromJson(config()).id());
  }

  /** The clients this verticle built, so the quote verticle on the same node can run a {@link QuoteCollector}. */
  public Map<CourierPlatform, CourierPlatformClient> clients() {
    return Map.copyOf(clients);
  }

  /**
   * Takes no new calls, then lets the calls in flight get their answers before the HTTP client closes: closing it
   * under a create that the platform already acted on turns a placed order into a lost answer.
   */
  @Override
  public Future<?> stop() {
    long deadline = System.currentTimeMillis() + DRAIN_MS;
    return consumer.unregister()
        .eventually(() -> service.drained(vertx, deadline))
        .onComplete(x -> {
          if (service.inFlight() > 0) {
            log.warn("courier gateway stopping with {} calls still in flight after {} ms", service.inFlight(),
                DRAIN_MS);
          }
          clients.values().forEach(CourierPlatformClient::close);
          web.close();
          if (redis != null) {
            redis.close();
          }
        });
  }
}
