package io.kilosail.saga;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * Where a saga is: its state, the group of steps it is at, which actions took (or may have taken) effect and which
 * of them are compensated. Plain Java: the coordinator persists it as JSON with every transition and any node can
 * resume from it.
 */
public final class SagaProgress {

  public enum State {
    RUNNING, WAITING, COMPENSATING, COMPLETED, COMPENSATED, FAILED;

    public boolean isTerminal() {
      return this == COMPLETED || this == COMPENSATED || this == FAILED;
    }
  }

  private State state;
  private int group;
  private final List<String> done;
  private final List<String> compensated;
  private String awaitingEvent;
  private String lastError;

  private SagaProgress(State state, int group, List<String> done, List<String> compensated, String awaitingEvent,
                       String lastError) {
    this.state = state;
    this.group = group;
    this.done = new ArrayList<>(done);
    this.compensated = new ArrayList<>(compensated);
    this.awaitingEvent = awaitingEvent;
    this.lastError = lastError;
  }

  public static SagaProgress start() {
    return new SagaProgress(State.RUNNING, 0, List.of(), List.of(), null, null);
  }

  public State state() {
    return state;
  }

  public int group() {
    return group;
  }

  public List<String> done() {
    return List.copyOf(done);
  }

  public List<String> compensated() {
    return List.copyOf(compensated);
  }

  public String awaitingEvent() {
    return awaitingEvent;
  }

  public String lastError() {
    return lastError;
  }

  /** The steps to run next, or an empty list when every group has run. */
  public <D> List<StepDefinition<D>> currentGroup(SagaDefinition<D> definition) {
    return group < definition.groups().size() ? definition.groups().get(group) : List.of();
  }

  /** The next action to undo: the latest one that took effect, has a compensation and is not compensated yet. */
  public <D> Optional<StepDefinition<D>> nextCompensation(SagaDefinition<D> definition) {
    for (int i = done.size() - 1; i >= 0; i--) {
      StepDefinition<D> step = definition.step(done.get(i));
      if (step.hasCompensation() && !compensated.contains(step.name())) {
        return Optional.of(step);
      }
    }
    return Optional.empty();
  }

  public void groupSucceeded(Collection<String> steps) {
    requireState(State.RUNNING);
    done.addAll(steps);
    group++;
  }

  public void waitFor(String eventType) {
    requireState(State.RUNNING);
    state = State.WAITING;
    awaitingEvent = eventType;
  }

  /** The awaited event arrived: the waiting step is done and the saga moves on. */
  public void eventArrived(String step) {
    requireState(State.WAITING);
    state = State.RUNNING;
    awaitingEvent = null;
    done.add(step);
    group++;
  }

  /**
   * The forward path cannot go on. {@code mayHaveTakenEffect} are steps of the failed group whose outcome is unknown
   * (timed out, crashed): they are compensated too, which their participants' barriers make safe.
   */
  public void forwardFailed(Collection<String> succeededInGroup, Collection<String> mayHaveTakenEffect, String error) {
    if (state != State.RUNNING && state != State.WAITING) {
      throw new IllegalStateException("cannot fail the forward path in state " + state);
    }
    done.addAll(succeededInGroup);
    mayHaveTakenEffect.stream().filter(s -> !done.contains(s)).forEach(done::add);
    state = State.COMPENSATING;
    awaitingEvent = null;
    lastError = error;
  }

  public void stepCompensated(String step) {
    requireState(State.COMPENSATING);
    compensated.add(step);
  }

  public void completed() {
    requireState(State.RUNNING);
    state = State.COMPLETED;
  }

  /**
   * Asked before its first compensation, the real world said the saga's purpose was met anyway: it completes and undoes
   * nothing. The error that made it compensate stays as the record of why it was asked.
   */
  public void completedAnyway() {
    requireState(State.COMPENSATING);
    if (!compensated.isEmpty()) {
      throw new IllegalStateException("saga has compensated " + compensated + " already");
    }
    state = State.COMPLETED;
  }

  public void compensatedAll() {
    requireState(State.COMPENSATING);
    state = State.COMPENSATED;
  }

  /** A compensation could not be done within its retries: an operator must look, then {@link #resume()}. */
  public void failed(String error) {
    requireState(State.COMPENSATING);
    state = State.FAILED;
    lastError = error;
  }

  /** Operator's retry of a FAILED saga: its remaining compensations are tried again. */
  public void resume() {
    requireState(State.FAILED);
    state = State.COMPENSATING;
  }

  private void requireState(State expected) {
    if (state != expected) {
      throw new IllegalStateException("saga is " + state + ", not " + expected);
    }
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("group", group)
        .put("done", new JsonArray(new ArrayList<>(done)))
        .put("compensated", new JsonArray(new ArrayList<>(compensated)));
  }

  /** Rebuilds progress from its persisted columns: the state and awaited event are columns of their own. */
  public static SagaProgress fromJson(State state, String awaitingEvent, String lastError, JsonObject json) {
    return new SagaProgress(state, json.getInteger("group", 0),
        json.getJsonArray("done", new JsonArray()).stream().map(String::valueOf).toList(),
        json.getJsonArray("compensated", new JsonArray()).stream().map(String::valueOf).toList(),
        awaitingEvent, lastError);
  }
}
