package io.kilosail.saga;

import io.kilosail.contracts.saga.SagaStep;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One step of a saga, as the DSL built it. A step either invokes something (locally or on a participant through its
 * service proxy) or waits for an external event; it may have a compensation that undoes it.
 *
 * <p>{@code noDurableEffect}: the step's action changes nothing that must be remembered when it succeeds (a read, a
 * price asked for); the coordinator writes no checkpoint after it, and after a crash it simply runs again from the last
 * checkpoint. Its outcome, reply and step log are written with the saga's next transition.
 */
public record StepDefinition<D>(
    String name,
    Kind kind,
    Action<D> action,
    Action<D> compensation,
    Map<Integer, FailureHandler<D>> failureHandlers,
    List<ReplyHandler<D, ?>> replyHandlers,
    Duration timeout,
    RetryPolicy retry,
    RetryPolicy compensationRetry,
    String awaitedEvent,
    EventHandler<D> eventHandler,
    Map<String, EventHandler<D>> failingEvents,
    TimeoutResolver<D> timeoutResolver,
    boolean noDurableEffect) {

  public enum Kind { LOCAL, PARTICIPANT, AWAIT_EVENT }

  /** Does the work of a step (or undoes it). {@code step} carries saga id, step name and attempt to the participant. */
  @FunctionalInterface
  public interface Action<D> {
    Future<?> run(D data, SagaStep step);
  }

  /** Reacts to a participant's definite "no" (a failure code), e.g. by noting the reason in the saga data. */
  @FunctionalInterface
  public interface FailureHandler<D> {
    void handle(D data, ServiceException failure);
  }

  /** Takes what a participant answered into the saga data. */
  public record ReplyHandler<D, R>(Class<R> replyType, java.util.function.BiConsumer<D, R> handler) {
    @SuppressWarnings("unchecked")
    boolean applyIfMatches(D data, Object reply) {
      if (reply != null && replyType.isInstance(reply)) {
        handler.accept(data, (R) reply);
        return true;
      }
      return false;
    }
  }

  /** Takes an awaited external event into the saga data. */
  @FunctionalInterface
  public interface EventHandler<D> {
    void handle(D data, JsonObject payload);
  }

  /** A fact as a saga takes it: an event type and its payload. */
  public record Fact(String eventType, JsonObject payload) {
  }

  /**
   * Asked when a wait times out, before the saga gives up: what has really happened meanwhile (the signal may have been
   * lost, or never sent)? Answers the facts found, in the order they happened (none: nothing happened, the saga
   * compensates). The saga keeps every fact and takes the first one its wait takes; the others wait for the steps that
   * take them. A failed answer is no answer: the saga stays waiting and is asked again later.
   */
  @FunctionalInterface
  public interface TimeoutResolver<D> {
    Future<List<Fact>> factsAtTimeout(D data);
  }

  /** Whether this waiting step takes {@code eventType}: the awaited event, or one that ends the wait as a failure. */
  public boolean takes(String eventType) {
    return kind == Kind.AWAIT_EVENT && (eventType.equals(awaitedEvent) || failingEvents.containsKey(eventType));
  }

  public boolean hasCompensation() {
    return compensation != null;
  }
}
