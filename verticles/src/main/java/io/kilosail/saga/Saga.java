package io.kilosail.saga;

import io.kilosail.saga.StepDefinition.Action;
import io.kilosail.saga.StepDefinition.EventHandler;
import io.kilosail.saga.StepDefinition.FailureHandler;
import io.kilosail.saga.StepDefinition.Kind;
import io.kilosail.saga.StepDefinition.ReplyHandler;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * The saga DSL, in the spirit of Eventuate Tram Sagas, plus timeouts, retries, awaited events and parallel branches:
 *
 * <pre>{@code
 * Saga.define("create-order", CreateOrderData.class)
 *     .step("create").invokeLocal(this::create).withCompensation(this::reject)
 *     .step("reserve-goods").invokeParticipant(this::reserveGoods)
 *         .onFailure(GoodsService.GOODS_NOT_FOUND, this::handleGoodsNotFound)
 *         .withCompensation(this::releaseGoods)
 *         .timeout(Duration.ofSeconds(2)).retry(RetryPolicy.DEFAULT)
 *     .step("await-payment").awaitEvent("payment.succeeded", Duration.ofMinutes(30), this::paid)
 *         .failOn("payment.failed")
 *     .parallel("reserve")
 *         .branch("stock").invokeParticipant(this::reserveStock).withCompensation(this::releaseStock)
 *         .branch("credit").invokeParticipant(this::reserveCredit).withCompensation(this::releaseCredit)
 *     .join()
 *     .step("approve").invokeLocal(this::approve)
 *     .onCompleted(this::notify)
 *     .build();
 * }</pre>
 */
public final class Saga<D> {

  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

  private final String type;
  private final Class<D> dataType;
  private final List<List<StepDefinition<D>>> groups = new ArrayList<>();
  private List<StepDefinition<D>> openGroup;
  private StepBuilder current;
  private SagaDefinition.Hook<D> completed;
  private SagaDefinition.Hook<D> compensated;
  private SagaDefinition.Hook<D> failed;
  private SagaDefinition.CompensationGuard<D> compensationGuard;

  private Saga(String type, Class<D> dataType) {
    this.type = type;
    this.dataType = dataType;
  }

  public static <D> Saga<D> define(String type, Class<D> dataType) {
    return new Saga<>(type, dataType);
  }

  /** Starts a new sequential step. */
  public StepBuilder step(String name) {
    closeStep();
    if (openGroup != null) {
      throw new IllegalStateException("parallel group not joined before step " + name);
    }
    current = new StepBuilder(name, false);
    return current;
  }

  /** Starts a group of parallel branches; end it with {@link StepBuilder#join()}. */
  public Saga<D> parallel(String groupName) {
    closeStep();
    if (openGroup != null) {
      throw new IllegalStateException("parallel group " + groupName + " opened inside another one");
    }
    openGroup = new ArrayList<>();
    return this;
  }

  /** Starts a branch of the open parallel group. */
  public StepBuilder branch(String name) {
    closeStep();
    if (openGroup == null) {
      throw new IllegalStateException("branch " + name + " outside a parallel group");
    }
    current = new StepBuilder(name, true);
    return current;
  }

  public Saga<D> onCompleted(SagaDefinition.Hook<D> hook) {
    this.completed = hook;
    return this;
  }

  public Saga<D> onCompensated(SagaDefinition.Hook<D> hook) {
    this.compensated = hook;
    return this;
  }

  public Saga<D> onFailed(SagaDefinition.Hook<D> hook) {
    this.failed = hook;
    return this;
  }

  /** See {@link SagaDefinition.CompensationGuard}: asked before this saga undoes anything. */
  public Saga<D> beforeCompensating(SagaDefinition.CompensationGuard<D> guard) {
    this.compensationGuard = guard;
    return this;
  }

  public SagaDefinition<D> build() {
    closeStep();
    if (openGroup != null) {
      throw new IllegalStateException("parallel group not joined");
    }
    if (groups.isEmpty()) {
      throw new IllegalStateException("saga " + type + " has no steps");
    }
    return new SagaDefinition<>(type, dataType, groups, new SagaDefinition.Hooks<>(completed, compensated, failed),
        compensationGuard);
  }

  private void closeStep() {
    if (current == null) {
      return;
    }
    StepDefinition<D> step = current.definition();
    if (current.inBranch) {
      if (step.kind() == Kind.AWAIT_EVENT) {
        throw new IllegalStateException("branch " + step.name() + " cannot await an event");
      }
      openGroup.add(step);
    } else {
      groups.add(List.of(step));
    }
    current = null;
  }

  /** One step being described. Its methods return it, and {@code step}/{@code branch}/{@code build} move on. */
  public final class StepBuilder {
    private final String name;
    private final boolean inBranch;
    private Kind kind;
    private Action<D> action;
    private Action<D> compensation;
    private final Map<Integer, FailureHandler<D>> failureHandlers = new LinkedHashMap<>();
    private final List<ReplyHandler<D, ?>> replyHandlers = new ArrayList<>();
    private Duration timeout = DEFAULT_TIMEOUT;
    private RetryPolicy retry = RetryPolicy.NONE;
    private RetryPolicy compensationRetry = RetryPolicy.COMPENSATION;
    private String awaitedEvent;
    private EventHandler<D> eventHandler;
    private final Map<String, EventHandler<D>> failingEvents = new LinkedHashMap<>();
    private StepDefinition.TimeoutResolver<D> timeoutResolver;
    private boolean noDurableEffect;

    private StepBuilder(String name, boolean inBranch) {
      if (name == null || !name.matches("[a-z0-9][a-z0-9-]{0,63}")) {
        throw new IllegalArgumentException("step name must be lower-case letters, digits and '-', got " + name);
      }
      this.name = name;
      this.inBranch = inBranch;
    }

    /** Work done in this process (typically a write to this service's own tables). */
    public StepBuilder invokeLocal(Action<D> local) {
      return invoke(Kind.LOCAL, local);
    }

    /** A command to a participant, through its service proxy; the participant de-duplicates on (saga id, step). */
    public StepBuilder invokeParticipant(Action<D> participant) {
      return invoke(Kind.PARTICIPANT, participant);
    }

    private StepBuilder invoke(Kind kind, Action<D> action) {
      if (this.kind != null) {
        throw new IllegalStateException("step " + name + " already has an action");
      }
      this.kind = kind;
      this.action = action;
      return this;
    }

    /** Waits for an external fact (delivered with {@code SagaCoordinatorService.signal}); compensates on timeout. */
    public StepBuilder awaitEvent(String eventType, Duration timeout, EventHandler<D> handler) {
      if (this.kind != null) {
        throw new IllegalStateException("step " + name + " already has an action");
      }
      this.kind = Kind.AWAIT_EVENT;
      this.awaitedEvent = eventType;
      this.timeout = timeout;
      this.eventHandler = handler;
      return this;
    }

    /**
     * Events that end this wait as a failure (e.g. "no courier found"): the saga compensates at once, as on a timeout,
     * with the event's payload in the error.
     */
    public StepBuilder failOn(String... eventTypes) {
      if (this.kind != Kind.AWAIT_EVENT) {
        throw new IllegalStateException("step " + name + ": failOn applies to awaitEvent steps only");
      }
      for (String eventType : eventTypes) {
        failOn(eventType, (data, payload) -> { });
      }
      return this;
    }

    /** As {@link #failOn(String...)}, first taking the event into the saga data (e.g. why it failed). */
    public StepBuilder failOn(String eventType, EventHandler<D> handler) {
      if (this.kind != Kind.AWAIT_EVENT) {
        throw new IllegalStateException("step " + name + ": failOn applies to awaitEvent steps only");
      }
      failingEvents.put(eventType, handler);
      return this;
    }

    /**
     * When the wait times out, ask the real world first (see {@link StepDefinition.TimeoutResolver}): a fact found there
     * is taken as if it had been signalled, and the saga compensates only if none is.
     */
    public StepBuilder resolveTimeoutWith(StepDefinition.TimeoutResolver<D> resolver) {
      if (this.kind != Kind.AWAIT_EVENT) {
        throw new IllegalStateException("step " + name + ": resolveTimeoutWith applies to awaitEvent steps only");
      }
      this.timeoutResolver = resolver;
      return this;
    }

    /**
     * Declares that this step's action, when it succeeds, has no effect that must survive a crash (it reads, or asks for
     * something that is asked again at no cost): no checkpoint is written after it, so its result reaches the database
     * with the saga's next transition, and a node that dies before that runs it again from the last checkpoint. A
     * step whose action writes (an order's state, a participant's reservation) must not declare it.
     */
    public StepBuilder noDurableEffect() {
      if (this.kind == Kind.AWAIT_EVENT) {
        throw new IllegalStateException("step " + name + ": an awaited event is always written");
      }
      this.noDurableEffect = true;
      return this;
    }

    public StepBuilder withCompensation(Action<D> compensation) {
      this.compensation = compensation;
      return this;
    }

    /** A participant's definite "no" with this failure code: handled, not retried, and the saga compensates. */
    public StepBuilder onFailure(int failureCode, FailureHandler<D> handler) {
      failureHandlers.put(failureCode, handler);
      return this;
    }

    /** What to take from a successful reply of this type. */
    public <R> StepBuilder onReply(Class<R> replyType, BiConsumer<D, R> handler) {
      replyHandlers.add(new ReplyHandler<>(replyType, handler));
      return this;
    }

    /** How long one attempt may take; an attempt that takes longer counts as failed (and may be retried). */
    public StepBuilder timeout(Duration timeout) {
      this.timeout = timeout;
      return this;
    }

    public StepBuilder retry(RetryPolicy retry) {
      this.retry = retry;
      return this;
    }

    public StepBuilder compensationRetry(RetryPolicy retry) {
      this.compensationRetry = retry;
      return this;
    }

    public StepBuilder step(String next) {
      return Saga.this.step(next);
    }

    public StepBuilder branch(String next) {
      return Saga.this.branch(next);
    }

    public Saga<D> parallel(String groupName) {
      return Saga.this.parallel(groupName);
    }

    /** Closes the open parallel group: the next step starts when every branch has succeeded. */
    public Saga<D> join() {
      closeStep();
      if (openGroup == null || openGroup.size() < 2) {
        throw new IllegalStateException("a parallel group needs at least two branches");
      }
      groups.add(openGroup);
      openGroup = null;
      return Saga.this;
    }

    public Saga<D> onCompleted(SagaDefinition.Hook<D> hook) {
      return Saga.this.onCompleted(hook);
    }

    public Saga<D> onCompensated(SagaDefinition.Hook<D> hook) {
      return Saga.this.onCompensated(hook);
    }

    public Saga<D> onFailed(SagaDefinition.Hook<D> hook) {
      return Saga.this.onFailed(hook);
    }

    public Saga<D> beforeCompensating(SagaDefinition.CompensationGuard<D> guard) {
      return Saga.this.beforeCompensating(guard);
    }

    public SagaDefinition<D> build() {
      return Saga.this.build();
    }

    private StepDefinition<D> definition() {
      if (kind == null) {
        throw new IllegalStateException("step " + name + " has no action");
      }
      if (noDurableEffect && kind == Kind.AWAIT_EVENT) {
        throw new IllegalStateException("step " + name + ": an awaited event is always written");
      }
      return new StepDefinition<>(name, kind, action, compensation, Map.copyOf(failureHandlers),
          List.copyOf(replyHandlers), timeout, retry, compensationRetry, awaitedEvent, eventHandler,
          Map.copyOf(failingEvents), timeoutResolver, noDurableEffect);
    }
  }
}
