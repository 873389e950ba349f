package io.kilosail.saga.bench;

import io.kilosail.saga.Saga;
import io.kilosail.saga.SagaDefinition;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;

/**
 * Three participant steps, each with a compensation; the lifecycle hooks report the end of every saga (after its
 * terminal state is committed) to whoever is waiting for its business key, so the benchmark never polls.
 */
public final class BenchSaga {

  public static final String TYPE = "bench-three-step";
  public static final List<String> ADDRESSES = List.of("bench.step-a", "bench.step-b", "bench.step-c");

  /** The saga's data. */
  public static class Data {
    public String key;
    public long amount;

    public Data() {
    }

    public Data(String key, long amount) {
      this.key = key;
      this.amount = amount;
    }
  }

  /** Called with (business key, terminal state) once a saga has ended. */
  private final Map<String, BiConsumer<String, String>> waiting = new ConcurrentHashMap<>();
  private final List<BenchStepService> steps;

  public BenchSaga(Vertx vertx) {
    this.steps = ADDRESSES.stream().map(a -> BenchStepService.createProxy(vertx, a)).toList();
  }

  /** Registers {@code onEnd} for the saga with this business key; register before starting it. */
  public void await(String key, BiConsumer<String, String> onEnd) {
    waiting.put(key, onEnd);
  }

  /** Forgets the waiter of a saga that never started. */
  public void cancel(String key) {
    waiting.remove(key);
  }

  public SagaDefinition<Data> definition() {
    Duration timeout = Duration.ofSeconds(10);
    return Saga.define(TYPE, Data.class)
        .step("step-a").invokeParticipant((d, s) -> steps.get(0).apply(s, d.key, d.amount))
            .withCompensation((d, s) -> steps.get(0).undo(s, d.key, d.amount)).timeout(timeout)
        .step("step-b").invokeParticipant((d, s) -> steps.get(1).apply(s, d.key, d.amount))
            .withCompensation((d, s) -> steps.get(1).undo(s, d.key, d.amount)).timeout(timeout)
        .step("step-c").invokeParticipant((d, s) -> steps.get(2).apply(s, d.key, d.amount))
            .withCompensation((d, s) -> steps.get(2).undo(s, d.key, d.amount)).timeout(timeout)
        .onCompleted((d, id) -> ended(d, "COMPLETED"))
        .onCompensated((d, id) -> ended(d, "COMPENSATED"))
        .onFailed((d, id) -> ended(d, "FAILED"))
        .build();
  }

  private Future<Void> ended(Data data, String state) {
    BiConsumer<String, String> onEnd = waiting.remove(data.key);
    if (onEnd != null) {
      onEnd.accept(data.key, state);
    }
    return Future.succeededFuture();
  }
}
