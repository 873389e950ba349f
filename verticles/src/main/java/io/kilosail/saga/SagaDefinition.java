package io.kilosail.saga;

import io.vertx.core.Future;

import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * A saga type: its name, its data class and its steps in groups. A group of one is an ordinary step; a group of
 * several is a set of parallel branches, all joined before the next group starts.
 */
public record SagaDefinition<D>(String type, Class<D> dataType, List<List<StepDefinition<D>>> groups, Hooks<D> hooks,
                                CompensationGuard<D> compensationGuard) {

  /** Called after the saga's terminal state is committed; failures are logged, never undo the outcome. */
  public record Hooks<D>(Hook<D> completed, Hook<D> compensated, Hook<D> failed) {
    static <D> Hooks<D> none() {
      return new Hooks<>(null, null, null);
    }
  }

  @FunctionalInterface
  public interface Hook<D> {
    Future<Void> run(D data, String sagaId);
  }

  /**
   * Asked once before a saga starts compensating (for whatever reason: a failed step, a timed-out or failed wait, an
   * operator): did what the saga was for happen anyway? True: the saga completes and undoes nothing (what really
   * happened wins; e.g. an order that was delivered is never cancelled). False: it compensates. A failed answer is no
   * answer: the saga compensates nothing yet and is asked again when its lease runs out.
   */
  @FunctionalInterface
  public interface CompensationGuard<D> {
    Future<Boolean> doneAnyway(D data);
  }

  public SagaDefinition {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(dataType, "dataType");
    groups = groups.stream().map(List::copyOf).toList();
    List<String> names = groups.stream().flatMap(List::stream).map(StepDefinition::name).toList();
    if (names.size() != names.stream().distinct().count()) {
      throw new IllegalArgumentException("saga " + type + " has two steps with the same name: " + names);
    }
  }

  public Stream<StepDefinition<D>> steps() {
    return groups.stream().flatMap(List::stream);
  }

  public StepDefinition<D> step(String name) {
    return steps().filter(s -> s.name().equals(name)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("saga " + type + " has no step " + name));
  }
}
