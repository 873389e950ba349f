package io.kilosail.saga;

import io.kilosail.cancel.CancellationPolicy;
import io.kilosail.cancel.OrderCancellations;
import io.kilosail.checkout.CheckoutSaga;
import io.kilosail.checkout.CheckoutSettings;
import io.kilosail.delivery.DeliverySaga;
import io.kilosail.dispatch.DispatchSettings;
import io.kilosail.infra.Clients;
import io.kilosail.infra.Meters;
import io.kilosail.infra.NodeConfig;
import io.kilosail.infra.Proxies;
import io.kilosail.platform.settings.InfraSettings;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;

import java.util.List;

/**
 * The saga types this build runs: the coordinator of the {@code saga} role gets these. Their participants are reached
 * through their service proxies, so they may run on any node of the cluster.
 */
public final class SagaCatalog {

  private SagaCatalog() {
  }

  /** @param config the node's configuration (infra for the pool, {@code dispatch} for the delivery saga's waits) */
  public static List<SagaDefinition<?>> definitions(Vertx vertx, JsonObject config) {
    Pool pool = Clients.mysqlPool(vertx, InfraSettings.fromJson(config).mysql());
    OrderCancellations cancellations = new OrderCancellations(pool, CancellationPolicy.fromJson(config), CheckoutSettings.fromJson(config),
        Meters.registry(NodeConfig.fromJson(config)));
    DeliverySaga delivery = new DeliverySaga(pool, cancellations, Proxies.quote(vertx, config),
        Proxies.dispatch(vertx),
        DispatchSettings.fromJson(config));
    CheckoutSaga checkout = new CheckoutSaga(vertx, pool, cancellations, CheckoutSettings.fromJson(config));
    return List.of(delivery.definition(), checkout.definition());
  }
}
