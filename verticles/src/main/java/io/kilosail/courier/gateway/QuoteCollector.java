package io.kilosail.courier.gateway;

import io.kilosail.contracts.courier.CourierGateway;
import io.kilosail.contracts.courier.CourierPlatform;
import io.kilosail.courier.wire.CourierOrderRequest;
import io.kilosail.courier.wire.CourierQuote;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;

import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Asks several courier platforms for a price at once and keeps what came back. Each platform is bounded by its own
 * client's timeout and circuit, and by {@code maxWaitMs} here, so the answer comes within {@code maxWaitMs} whatever
 * the slowest platform does. The returned future never fails: one platform failing or slow is an entry in
 * {@link Result#failures()}, not a failed quote, and the caller decides what "no quote at all" means.
 */
public final class QuoteCollector {

  private final Vertx vertx;
  private final Map<CourierPlatform, CourierPlatformClient> clients;

  public QuoteCollector(Vertx vertx, Map<CourierPlatform, CourierPlatformClient> clients) {
    this.vertx = vertx;
    this.clients = Map.copyOf(clients);
  }

  /**
   * What each platform said: a quote, or a failure carrying a {@link CourierGateway} code.
   * Both maps are in platform order; a platform appears in exactly one of them.
   */
  public record Result(Map<CourierPlatform, CourierQuote> quotes, Map<CourierPlatform, ServiceException> failures) {
  }

  private record Answer(CourierPlatform platform, CourierQuote quote, ServiceException failure) {
  }

  public Future<Result> collect(CourierOrderRequest order, Collection<CourierPlatform> platforms, long maxWaitMs) {
    List<Future<Answer>> answers = new ArrayList<>();
    for (CourierPlatform platform : platforms) {
      answers.add(ask(platform, order, maxWaitMs));
    }
    // Every answer future succeeds (failures are values), so all() waits for each one and never short-circuits.
    return Future.all(answers).map(all -> {
      Map<CourierPlatform, CourierQuote> quotes = new EnumMap<>(CourierPlatform.class);
      Map<CourierPlatform, ServiceException> failures = new EnumMap<>(CourierPlatform.class);
      for (Future<Answer> f : answers) {
        Answer a = f.result();
        if (a.quote() != null) {
          quotes.put(a.platform(), a.quote());
        } else {
          failures.put(a.platform(), a.failure());
        }
      }
      return new Result(quotes, failures);
    });
  }

  private Future<Answer> ask(CourierPlatform platform, CourierOrderRequest order, long maxWaitMs) {
    CourierPlatformClient client = clients.get(platform);
    if (client == null) {
      return Future.succeededFuture(new Answer(platform, null, new ServiceException(CourierGateway.UNKNOWN_PLATFORM,
          "no courier platform '" + platform.id() + "' configured", new JsonObject().put("platform", platform.id()))));
    }
    Promise<Answer> answer = Promise.promise();
    // The client's own timeout normally fires first; this one only caps a client configured slower than the caller
    // can wait. The call itself goes on and is still counted by the platform's circuit.
    long timer = vertx.setTimer(maxWaitMs, id -> answer.tryComplete(new Answer(platform, null,
        new ServiceException(CourierGateway.TIMEOUT, platform.id() + " gave no quote within " + maxWaitMs + " ms",
            new JsonObject().put("platform", platform.id())))));
    client.quote(order).onComplete(ar -> {
      vertx.cancelTimer(timer);
      answer.tryComplete(ar.succeeded() ? new Answer(platform, ar.result(), null)
          : new Answer(platform, null, asServiceException(platform, ar.cause())));
    });
    return answer.future();
  }

  private static ServiceException asServiceException(CourierPlatform platform, Throwable err) {
    return err instanceof ServiceException e ? e : new ServiceException(CourierGateway.PLATFORM_DOWN,
        platform.id() + ": " + err.getMessage(), new JsonObject().put("platform", platform.id()));
  }
}
