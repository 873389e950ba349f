package io.kilosail.simulators;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.LinkedHashMap;
import java.util.Map;

/** What every simulated third party shares: how its control endpoints refuse, and how it bounds what it remembers. */
public final class SimulatorSupport {

  private SimulatorSupport() {
  }

  /** RFC 9457 problem details, as kilosail's own endpoints answer. */
  public static void problem(RoutingContext ctx, int status, String type, String detail) {
    ctx.response()
        .setStatusCode(status)
        .putHeader("Content-Type", "application/problem+json")
        .end(new JsonObject()
            .put("type", "https://kilosail.io/problems/simulator/" + type)
            .put("title", type.replace('-', ' '))
            .put("status", status)
            .put("detail", detail)
            .put("instance", ctx.request().path())
            .encode());
  }

  /**
   * An insertion-ordered map that forgets its oldest entry beyond {@code max}: a long demo or benchmark run never grows
   * a simulator's memory without bound.
   */
  public static <K, V> Map<K, V> bounded(int max) {
    return new LinkedHashMap<>() {
      @Override
      protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
        return size() > max;
      }
    };
  }

  /** A control call's body as a JSON object ({} when empty: every field has a default), or null once answered 400. */
  public static JsonObject jsonBody(RoutingContext ctx) {
    if (ctx.body().isEmpty() || ctx.body().asString().isBlank()) {
      return new JsonObject();
    }
    try {
      JsonObject body = ctx.body().asJsonObject();
      if (body != null) {
        return body;
      }
    } catch (RuntimeException e) {
      // answered below
    }
    problem(ctx, 400, "bad-json", "the body must be a JSON object");
    return null;
  }

  /** How long a simulated party stays down ({@code {"forMs": n}}, 0 brings it back), or null once answered 400. */
  public static Long downPeriodMs(RoutingContext ctx, JsonObject body) {
    if (!(body.getValue("forMs") instanceof Number forMs) || forMs.longValue() < 0) {
      problem(ctx, 400, "bad-down-period", "field 'forMs': must be a non-negative number of milliseconds");
      return null;
    }
    return forMs.longValue();
  }
}
