package io.kilosail.courier.gateway;

import io.kilosail.contracts.courier.CourierGateway;
import io.kilosail.contracts.courier.CourierPlatform;
import io.kilosail.courier.CourierSettings;
import io.kilosail.infra.Meters;
import io.kilosail.infra.NodeConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
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
  private Map<CourierPlatform, CourierPlatformClient> clients;
  private MessageConsumer<JsonObject> consumer;

  @Override
  public Future<?> start() {
    CourierSettings settings = CourierSettings.fromJson(config(), Clock.systemUTC());
    MeterRegistry registry = Meters.registry(NodeConfig.fromJson(config()));
    // Keep-alive pools per platform host; the platforms are few, so the default pool size per host is plenty.
    web = WebClient.create(vertx, new WebClientOptions().setKeepAlive(true).setConnectTimeout(2_000));
    clients = new EnumMap<>(CourierPlatform.class);
    settings.platforms().forEach((platform, s) -> clients.put(platform, new CourierPlatformClient(vertx, web, s, registry)));
    consumer = new ServiceBinder(vertx).setAddress(CourierGateway.ADDRESS)
        .register(CourierGateway.class, new CourierGatewayService(clients));
    return consumer.completion().onSuccess(x -> settings.platforms().values().forEach(s ->
        log.info("courier gateway platform={} baseUrl={} timeoutMs={} maxFailures={} resetTimeoutMs={}",
            s.platform().id(), s.baseUrl(), s.timeoutMs(), s.circuit().maxFailures(), s.circuit().resetTimeoutMs())));
  }

  /** The clients this verticle built, so the quote verticle on the same node can run a {@link QuoteCollector}. */
  public Map<CourierPlatform, CourierPlatformClient> clients() {
    return Map.copyOf(clients);
  }

  @Override
  public Future<?> stop() {
    return consumer.unregister().onComplete(x -> {
      clients.values().forEach(CourierPlatformClient::close);
      web.close();
    });
  }
}
