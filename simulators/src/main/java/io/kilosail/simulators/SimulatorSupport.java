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
}
