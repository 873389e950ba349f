package io.kilosail.saga;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.function.Supplier;

/**
 * Saga meters: {@code kilosail.saga.started|completed|compensated|failed} (counters by type),
 * {@code kilosail.saga.active} (sagas this node is running now), {@code kilosail.saga.step} (timer by type, step,
 * phase and outcome) and {@code kilosail.saga.duration} (start to end, by type and final state).
 */
final class SagaMetrics {

  private final MeterRegistry registry;

  SagaMetrics(MeterRegistry registry, Supplier<Number> active) {
    this.registry = registry;
    Gauge.builder("kilosail.saga.active", active).description("sagas this node is running in memory")
        .register(registry);
  }

  void count(String event, String sagaType) {
    Counter.builder("kilosail.saga." + event).tag("type", sagaType).register(registry).increment();
  }

  void step(String sagaType, String step, String phase, String outcome, long durationMs) {
    Timer.builder("kilosail.saga.step").tag("type", sagaType).tag("step", step).tag("phase", phase)
        .tag("outcome", outcome).register(registry).record(Duration.ofMillis(durationMs));
  }

  void duration(String sagaType, String state, Duration duration) {
    Timer.builder("kilosail.saga.duration").tag("type", sagaType).tag("state", state).register(registry)
        .record(duration);
  }
}
