package io.kilosail.webhooks.courier;

import io.kilosail.contracts.courier.CourierPlatform;
import io.kilosail.order.CourierCallbackRules.Outcome;
import io.kilosail.order.CourierCallbackRules;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Counters of the courier webhooks, tagged by platform, on the node's registry ({@code /metrics}):
 * {@code kilosail.courier.webhook.received} (every request to a platform's endpoint),
 * {@code .rejected} (tag {@code reason}: signature, unreadable, unstorable), {@code .duplicate}, {@code .applied} (an order moved),
 * {@code .ignored} (stored, order unchanged; tag {@code outcome}: STALE, GAVE_UP, NOT_HOLDER, UNKNOWN_ORDER).
 */
final class CourierWebhookMetrics {

  static final String PREFIX = "kilosail.courier.webhook.";

  private final MeterRegistry registry;

  CourierWebhookMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  void received(CourierPlatform platform) {
    counter("received", platform).increment();
  }

  void rejected(CourierPlatform platform, String reason) {
    Counter.builder(PREFIX + "rejected").tag("platform", platform.id()).tag("reason", reason)
        .register(registry).increment();
  }

  void stored(CourierPlatform platform, CourierCallbackStore.Stored stored) {
    if (stored.duplicate()) {
      counter("duplicate", platform).increment();
    } else if (stored.decision().outcome() == Outcome.APPLIED) {
      counter("applied", platform).increment();
    } else {
      Counter.builder(PREFIX + "ignored").tag("platform", platform.id())
          .tag("outcome", stored.decision().outcome().name()).register(registry).increment();
    }
  }

  private Counter counter(String name, CourierPlatform platform) {
    return Counter.builder(PREFIX + name).tag("platform", platform.id()).register(registry);
  }
}
