package io.kilosail.saga;

import io.kilosail.saga.SagaProgress.State;
import io.vertx.core.Future;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The saga state machine and the DSL, without Vert.x running or a database. */
class SagaProgressTest {

  static class Data {
  }

  private static final SagaDefinition<Data> DEFINITION = Saga.define("t", Data.class)
      .step("a").invokeLocal((d, s) -> Future.succeededFuture()).withCompensation((d, s) -> Future.succeededFuture())
      .step("b").invokeParticipant((d, s) -> Future.succeededFuture())
      .parallel("p")
          .branch("c").invokeParticipant((d, s) -> Future.succeededFuture()).withCompensation((d, s) -> Future.succeededFuture())
          .branch("d").invokeParticipant((d, s) -> Future.succeededFuture()).withCompensation((d, s) -> Future.succeededFuture())
      .join()
      .step("e").awaitEvent("paid", Duration.ofSeconds(1), (d, p) -> { })
      .build();

  @Test
  void compensationsRunInReverseOrderOfCompletionAndSkipStepsWithoutOne() {
    SagaProgress progress = SagaProgress.start();
    progress.groupSucceeded(List.of("a"));
    progress.groupSucceeded(List.of("b"));
    progress.forwardFailed(List.of("d"), List.of("c"), "c timed out");

    assertThat(progress.state()).isEqualTo(State.COMPENSATING);
    assertThat(progress.nextCompensation(DEFINITION).orElseThrow().name()).isEqualTo("c");
    progress.stepCompensated("c");
    assertThat(progress.nextCompensation(DEFINITION).orElseThrow().name()).isEqualTo("d");
    progress.stepCompensated("d");
    // b has no compensation: straight to a.
    assertThat(progress.nextCompensation(DEFINITION).orElseThrow().name()).isEqualTo("a");
    progress.stepCompensated("a");
    assertThat(progress.nextCompensation(DEFINITION)).isEmpty();
    progress.compensatedAll();
    assertThat(progress.state().isTerminal()).isTrue();
  }

  @Test
  void progressSurvivesItsJsonForm() {
    SagaProgress progress = SagaProgress.start();
    progress.groupSucceeded(List.of("a"));
    progress.groupSucceeded(List.of("b"));
    progress.groupSucceeded(List.of("c", "d"));
    progress.waitFor("paid");

    SagaProgress restored = SagaProgress.fromJson(progress.state(), progress.awaitingEvent(), null, progress.toJson());
    assertThat(restored.state()).isEqualTo(State.WAITING);
    assertThat(restored.currentGroup(DEFINITION)).extracting(StepDefinition::name).containsExactly("e");
    restored.eventArrived("e");
    assertThat(restored.currentGroup(DEFINITION)).isEmpty();
    restored.completed();
    assertThat(restored.done()).containsExactly("a", "b", "c", "d", "e");
  }

  @Test
  void illegalTransitionsAreRefused() {
    SagaProgress progress = SagaProgress.start();
    assertThatThrownBy(progress::compensatedAll).isInstanceOf(IllegalStateException.class);
    progress.forwardFailed(List.of(), List.of(), "no");
    assertThatThrownBy(progress::completed).isInstanceOf(IllegalStateException.class);
    progress.failed("stuck");
    progress.resume();
    assertThat(progress.state()).isEqualTo(State.COMPENSATING);
  }

  @Test
  void theDslRefusesMalformedSagas() {
    assertThatThrownBy(() -> Saga.define("x", Data.class).step("Bad Name"))
        .hasMessageContaining("step name");
    assertThatThrownBy(() -> Saga.define("x", Data.class)
        .step("a").invokeLocal((d, s) -> Future.succeededFuture())
        .step("a").invokeLocal((d, s) -> Future.succeededFuture()).build())
        .hasMessageContaining("two steps with the same name");
    assertThatThrownBy(() -> Saga.define("x", Data.class).parallel("p")
        .branch("a").invokeLocal((d, s) -> Future.succeededFuture()).join())
        .hasMessageContaining("at least two branches");
    assertThatThrownBy(() -> Saga.define("x", Data.class).step("a").build())
        .hasMessageContaining("no action");
  }

  @Test
  void retryBackoffGrowsAndIsCapped() {
    RetryPolicy policy = new RetryPolicy(5, Duration.ofMillis(100), 2, Duration.ofMillis(300), java.util.Set.of(7));
    assertThat(policy.backoffAfter(1)).isEqualTo(Duration.ofMillis(100));
    assertThat(policy.backoffAfter(2)).isEqualTo(Duration.ofMillis(200));
    assertThat(policy.backoffAfter(3)).isEqualTo(Duration.ofMillis(300));
    assertThat(policy.allowsAnotherAfter(4)).isTrue();
    assertThat(policy.allowsAnotherAfter(5)).isFalse();
    assertThat(policy.isRetryable(7)).isFalse();
  }
}
