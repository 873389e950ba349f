package io.kilosail.courier.gateway;

import io.kilosail.contracts.courier.CourierCancellation;
import io.kilosail.contracts.courier.CourierGateway;
import io.kilosail.contracts.courier.CourierOrderLookup;
import io.kilosail.contracts.courier.CourierPlacement;
import io.kilosail.contracts.courier.CourierPlatform;
import io.kilosail.contracts.courier.CourierQuoteResult;
import io.kilosail.contracts.courier.CourierTip;
import io.kilosail.contracts.courier.DeliveryPlace;
import io.kilosail.contracts.courier.DeliveryRequest;
import io.kilosail.courier.wire.CityNames;
import io.kilosail.courier.wire.CourierCancelRequest;
import io.kilosail.courier.wire.CourierOrderDetail;
import io.kilosail.courier.wire.CourierOrderRequest;
import io.kilosail.courier.wire.CourierPlace;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.serviceproxy.ServiceException;

import java.util.Map;
import java.util.function.Supplier;

/**
 * {@link CourierGateway} over the per-platform clients: translates the bus data objects to the wire's records and
 * back. The clients already fail with the contract's codes, so their failures pass through as they are.
 */
public final class CourierGatewayService implements CourierGateway {

  private final Map<CourierPlatform, CourierPlatformClient> clients;
  private int inFlight;

  public CourierGatewayService(Map<CourierPlatform, CourierPlatformClient> clients) {
    this.clients = Map.copyOf(clients);
  }

  @Override
  public Future<CourierQuoteResult> quote(String platform, DeliveryRequest delivery) {
    return tracked(() -> client(platform).compose(client -> toOrder(platform, delivery).compose(client::quote)
        .map(q -> new CourierQuoteResult().setPlatform(platform).setPriceFen(q.priceFen())
            .setEtaSeconds(q.etaSeconds()).setQuoteToken(q.quoteToken()))));
  }

  @Override
  public Future<CourierPlacement> placeOrder(String platform, DeliveryRequest delivery) {
    return tracked(() -> client(platform).compose(client -> toOrder(platform, delivery)
        .compose(order -> withToken(client, order))
        .compose(client::placeOrder)
        .map(placed -> new CourierPlacement().setPlatform(platform).setOrderId(delivery.getOrderId())
            .setPlatformOrderId(placed.platformOrderId()).setPriceFen(placed.priceFen()))));
  }

  /**
   * The order as the platform can place it: UU and Shansong place by the token of a quote, and a price from the quote
   * cache has none, so this asks the platform for a fresh quote first and places with its token. The platform may
   * answer a different price than the cached one; the placement reports the price it took.
   */
  private static Future<CourierOrderRequest> withToken(CourierPlatformClient client, CourierOrderRequest order) {
    if (order.quoteToken() != null || !client.placesWithQuoteToken()) {
      return Future.succeededFuture(order);
    }
    return client.quote(order).map(quote -> order.withQuoteToken(quote.quoteToken()));
  }

  @Override
  public Future<CourierOrderLookup> orderDetail(String platform, String account, String orderId,
                                                String platformOrderId) {
    if (orderId == null) {
      return ServiceException.fail(INVALID_REQUEST, "orderId is required");
    }
    return tracked(() -> client(platform).compose(client -> client.orderDetail(account, orderId, platformOrderId))
        .map(detail -> lookup(platform, orderId, detail)));
  }

  /** The wire's reading as the bus object; a null detail is the platform saying it has no such order. */
  static CourierOrderLookup lookup(String platform, String orderId, CourierOrderDetail detail) {
    CourierOrderLookup lookup = new CourierOrderLookup().setPlatform(platform).setOrderId(orderId)
        .setFound(detail != null);
    if (detail == null) {
      return lookup;
    }
    return lookup.setPlatformOrderId(detail.platformOrderId())
        .setState(detail.state() == null ? null : detail.state().name()).setRawStatus(detail.rawStatus())
        .setPriceFen(detail.priceFen()).setCourierName(detail.courierName()).setCourierPhone(detail.courierPhone())
        .setRiderLat(detail.riderPosition() == null ? null : detail.riderPosition().lat())
        .setRiderLng(detail.riderPosition() == null ? null : detail.riderPosition().lng());
  }

  @Override
  public Future<CourierCancellation> cancel(String platform, String orderId, String platformOrderId, String reason) {
    return cancelUnder(platform, null, orderId, platformOrderId, reason);
  }

  @Override
  public Future<CourierCancellation> cancelUnder(String platform, String account, String orderId,
                                                 String platformOrderId, String reason) {
    if (orderId == null || platformOrderId == null) {
      return ServiceException.fail(INVALID_REQUEST, "orderId and platformOrderId are required");
    }
    return tracked(() -> client(platform).compose(client -> client.cancel(new CourierCancelRequest(orderId, platformOrderId, reason, account))
        .map(cancelled -> new CourierCancellation().setPlatform(platform).setOrderId(orderId)
            .setPlatformOrderId(cancelled.platformOrderId() != null ? cancelled.platformOrderId() : platformOrderId)
            .setPenaltyFen(cancelled.penaltyFen()))));
  }

  @Override
  public Future<CourierTip> addTip(String platform, String account, String orderId, String platformOrderId,
                                   long tipFen, String key) {
    if (orderId == null || platformOrderId == null || key == null || tipFen <= 0) {
      return ServiceException.fail(INVALID_REQUEST, "orderId, platformOrderId, key and a tip above 0 fen are required");
    }
    return tracked(() -> client(platform).compose(client -> client.addTip(account, orderId, platformOrderId, tipFen, key))
        .map(added -> new CourierTip().setPlatform(platform).setOrderId(orderId)
            .setPlatformOrderId(added.platformOrderId() != null ? added.platformOrderId() : platformOrderId)
            .setTipFen(tipFen).setKey(key).setTotalTipFen(added.totalTipFen())));
  }

  @Override
  public Future<Long> accountBalance(String platform, String account) {
    return tracked(() -> client(platform).compose(client -> client.accountBalance(account)));
  }

  /** Calls whose answer has not come yet (all on the gateway verticle's event loop). */
  int inFlight() {
    return inFlight;
  }

  /** Completes once no call is in flight, or at {@code deadlineMillis}. */
  Future<Void> drained(Vertx vertx, long deadlineMillis) {
    if (inFlight == 0 || System.currentTimeMillis() >= deadlineMillis) {
      return Future.succeededFuture();
    }
    return vertx.timer(20).compose(x -> drained(vertx, deadlineMillis));
  }

  private <T> Future<T> tracked(Supplier<Future<T>> call) {
    inFlight++;
    return call.get().andThen(x -> inFlight--);
  }

  private Future<CourierPlatformClient> client(String platform) {
    CourierPlatformClient client = null;
    try {
      client = clients.get(CourierPlatform.fromId(platform));
    } catch (IllegalArgumentException | NullPointerException unknown) {
      // reported below, like a known platform this node has no credentials for
    }
    return client != null ? Future.succeededFuture(client)
        : ServiceException.fail(UNKNOWN_PLATFORM, "no courier platform '" + platform + "' configured on this node");
  }

  /**
   * The bus object as the wire's record; a missing required part is the caller's error, never sent. The city goes to
   * the platforms by name (上海市), not as the administrative code the food platforms push ({@link CityNames}).
   */
  static Future<CourierOrderRequest> toOrder(DeliveryRequest d) {
    return toOrder(null, d);
  }

  /** As {@link #toOrder(DeliveryRequest)}, asked under the shop's own account on {@code platform} when it has one. */
  static Future<CourierOrderRequest> toOrder(String platform, DeliveryRequest d) {
    if (d == null || d.getOrderId() == null || d.getShop() == null || d.getCustomer() == null) {
      return ServiceException.fail(INVALID_REQUEST, "delivery needs orderId, shop and customer");
    }
    try {
      return Future.succeededFuture(new CourierOrderRequest(d.getOrderId(),
          CityNames.nameOf(d.getCityName()), place(d.getShop()),
          place(d.getCustomer()), d.getWeightGrams(), d.getGoodsValueFen(), d.getNote(), d.getQuoteToken(),
          platform == null || d.getCourierAccounts() == null ? null
              : d.getCourierAccounts().getValue(platform) instanceof String account ? account : null));
    } catch (IllegalArgumentException e) {
      return ServiceException.fail(INVALID_REQUEST, e.getMessage());
    }
  }

  private static CourierPlace place(DeliveryPlace p) {
    return new CourierPlace(p.getName(), p.getPhone(), p.getAddress(), p.getLat(), p.getLng());
  }
}
