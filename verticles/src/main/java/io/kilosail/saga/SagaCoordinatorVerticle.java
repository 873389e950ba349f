package io.kilosail.saga;

import io.kilosail.contracts.events.Nudges;

import io.kilosail.contracts.NodeStopping;

import io.kilosail.admin.AdminAddresses;
import io.kilosail.contracts.saga.SagaCoordinatorService;
import io.kilosail.contracts.saga.SagaStep;
import io.kilosail.contracts.saga.SagaView;
import io.kilosail.infra.Clients;
import io.kilosail.infra.Meters;
import io.kilosail.infra.NodeConfig;
import io.kilosail.platform.settings.InfraSettings;
import io.kilosail.saga.SagaProgress.State;
import io.kilosail.saga.SagaRepository.LogEntry;
import io.kilosail.saga.StepDefinition.Kind;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceBinder;
import io.vertx.serviceproxy.ServiceException;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Runs sagas. Each transition (a group of steps done, a compensation done, a wait begun, an end) is one MySQL
 * transaction: the saga row (guarded by its version) and its step log. Transitions with nothing in between are one
 * write (a step and the wait after it, an event and the next wait or the end), and steps without a durable effect
 * write nothing of their own. Between transitions a saga
 * lives in this verticle's memory under a lease; if the node dies, the lease runs out and any coordinator resumes the
 * saga from its last transition, re-invoking the steps of the group it was at (participants' barriers make that a
 * no-op where the step already took effect).
 */
public class SagaCoordinatorVerticle extends VerticleBase implements SagaCoordinatorService {

  private static final Logger log = LoggerFactory.getLogger(SagaCoordinatorVerticle.class);
  /** An operator's transition tries this often against a saga that keeps moving on (20, 40, 80, 160 ms apart). */
  private static final int TAKE_OVER_ATTEMPTS = 5;
  /**
   * Answered to {@code start} and operators' calls while this coordinator stops (to {@code signal} once it has handed
   * its sagas back): nothing was done, try again (the proxy's next call reaches another node).
   */
  public static final int COORDINATOR_STOPPING = NodeStopping.FAILURE_CODE;
  /** A kept fact whose reading failed after the park is read again this often, 200 ms to 5 s apart. */
  private static final int KEPT_SIGNAL_READS = 8;
  /** The scan leaves kept facts this young to the signal and the park, which deliver them at once. */
  private static final Duration KEPT_SIGNAL_GRACE = Duration.ofSeconds(1);
  /** How long a definition's compensation guard or a wait's timeout resolver may take to answer. */
  private static final Duration ASK_TIMEOUT = Duration.ofSeconds(5);
  /**
   * How long an operator's transition waits for a group the saga is running here to end (under the proxy's 3 s timeout
   * per try); past that it is applied anyway.
   */
  private static final Duration OPERATOR_WAIT = Duration.ofSeconds(2);

  private final Map<String, SagaDefinition<?>> definitions;
  /**
   * The sagas this coordinator is driving, one copy per saga: a copy enters only once its transition has won the
   * version guard (taking the place of a copy that thereby lost) and leaves only by itself (remove(id, copy)), so a
   * losing contender never evicts the winner, which would otherwise stall until its lease ran out.
   */
  private final HeldSagas running = new HeldSagas();
  /**
   * Sagas an operator's transition is being applied to here (count of such calls): a copy running here starts no new
   * step meanwhile (its advance waits in {@link #heldBack}), so the transition never lands while a step it did not see
   * has just begun.
   */
  private final Map<String, Integer> operatorHolds = new HashMap<>();
  private final Map<String, Running<?>> heldBack = new HashMap<>();
  /** Deliveries of facts to waiting sagas being written here, by saga id (see {@link #deliver}). */
  private final Map<String, Future<Boolean>> delivering = new HashMap<>();
  /** Sagas this coordinator is claiming right now: the scan and a start's nudge never claim one saga twice at once. */
  private final Set<String> claiming = new HashSet<>();
  private NodeConfig node;
  private SagaSettings settings;
  private Pool pool;
  private SagaRepository repository;
  private TransitionWriter writer;
  private SagaMetrics metrics;
  private MessageConsumer<JsonObject> consumer;
  /** The after-commit nudges of {@link SagaSignals#keep}. */
  private MessageConsumer<JsonObject> keptSignals;
  /** The after-commit nudges of {@link SagaStarts#start}. */
  private MessageConsumer<JsonObject> startedSagas;
  /** The node-local nudges of {@link SagaStarts#start} for sagas written already owned by this coordinator. */
  private MessageConsumer<JsonObject> startedHere;
  private long scanTimer;
  private boolean scanning;
  private boolean stopping;
  /** Set once a stopping coordinator has handed its sagas back: from then on it writes nothing more. */
  private boolean handedBack;
  /** Step calls, kept-signal reads and questions to the real world under way; stop() lets them finish (bounded). */
  private int inFlight;
  /** The (type, awaited event, event) combinations a waiting saga takes, for the scan's kept-signal query. */
  private List<SagaRepository.TakenEvent> takenEvents;

  public SagaCoordinatorVerticle(List<SagaDefinition<?>> definitions) {
    this.definitions = definitions.stream().collect(Collectors.toMap(SagaDefinition::type, Function.identity()));
  }

  @Override
  public Future<?> start() {
    node = NodeConfig.fromJson(config());
    settings = SagaSettings.fromJson(config());
    pool = Clients.mysqlPool(vertx, InfraSettings.fromJson(config()).mysql());
    repository = new SagaRepository(pool);
    writer = new TransitionWriter(pool, repository, node.id(), settings.writeBatch(), settings.writeConcurrency());
    metrics = new SagaMetrics(Meters.registry(node), running::size);
    takenEvents = definitions.values().stream().flatMap(SagaCoordinatorVerticle::takenEvents).toList();
    consumer = new ServiceBinder(vertx).setAddress(settings.address()).register(SagaCoordinatorService.class, this);
    scanTimer = vertx.setPeriodic(settings.scanInterval().toMillis(), id -> scan());
    keptSignals = vertx.eventBus().consumer(Nudges.SAGA_FACT_KEPT, message -> factKept(message.body()));
    startedSagas = vertx.eventBus().consumer(Nudges.SAGA_STARTED, message -> startedElsewhere(message.body()));
    startedHere = vertx.eventBus().localConsumer(Nudges.SAGA_STARTED_HERE, message -> startedHere(message.body()));
    return consumer.completion().compose(x -> keptSignals.completion()).compose(x -> startedSagas.completion())
        .compose(x -> startedHere.completion())
        .onSuccess(x -> definitions.keySet().forEach(type -> SagaStarts.localCoordinators(vertx).put(type,
            new JsonObject().put("node", node.id()).put("leaseMs", settings.lease().toMillis()))))
        .onSuccess(x -> log.info("saga coordinator started node={} types={} leaseMs={}",
        node.id(), definitions.keySet(), settings.lease().toMillis()));
  }

  private static <D> java.util.stream.Stream<SagaRepository.TakenEvent> takenEvents(SagaDefinition<D> definition) {
    return definition.steps().filter(step -> step.kind() == Kind.AWAIT_EVENT)
        .flatMap(step -> java.util.stream.Stream.concat(java.util.stream.Stream.of(step.awaitedEvent()),
                step.failingEvents().keySet().stream())
            .map(event -> new SagaRepository.TakenEvent(definition.type(), step.awaitedEvent(), event)));
  }

  /**
   * An orderly stop: no more claiming (scan, starts, signals), the steps and writes in flight may finish (at most
   * {@code saga.stopDrainMs}), then every saga still held here is handed back with its wake-up set to now, so another
   * node resumes it within a scan interval instead of a lease; it re-runs the current group, which the participants'
   * barriers make safe. The MySQL pool is shared by every verticle of the node: the launcher closes it last.
   */
  @Override
  public Future<?> stop() {
    stopping = true;
    // From now on new sagas are written unowned, for any coordinator; one already written owned here is handed back.
    definitions.keySet().forEach(type -> SagaStarts.localCoordinators(vertx).remove(type));
    vertx.cancelTimer(scanTimer);
    log.info("saga coordinator stopping node={} held={} inFlight={}", node.id(), running.size(), inFlight);
    Promise<Void> drained = Promise.promise();
    awaitDrained(drained, System.currentTimeMillis() + settings.stopDrain().toMillis());
    return Future.join(List.of(consumer.unregister(), keptSignals.unregister(), startedSagas.unregister(),
            startedHere.unregister(), drained.future()))
        .eventually(this::handBack);
  }

  private void awaitDrained(Promise<Void> drained, long deadline) {
    if ((inFlight == 0 && writer.idle() && !scanning) || System.currentTimeMillis() >= deadline) {
      drained.complete();
    } else {
      vertx.setTimer(20, t -> awaitDrained(drained, deadline));
    }
  }

  private Future<Void> handBack() {
    handedBack = true;
    List<io.vertx.sqlclient.Tuple> held = running.values().stream()
        .map(saga -> io.vertx.sqlclient.Tuple.of(saga.id, saga.version)).toList();
    running.clear();
    return repository.handBack(held, Instant.now())
        .timeout(5, TimeUnit.SECONDS)
        .onSuccess(count -> log.info("saga coordinator stopped node={}: handed back {} of {} sagas", node.id(), count,
            held.size()))
        .<Void>mapEmpty()
        .recover(err -> {
          log.warn("saga coordinator stopped node={}: {} sagas not handed back ({}); they resume when their leases"
              + " run out", node.id(), held.size(), err.toString());
          return Future.succeededFuture();
        });
  }

  private static <T> Future<T> refuseWhileStopping() {
    return Future.failedFuture(NodeStopping.failure("the saga coordinator"));
  }

  /** Counts {@code work} as in flight until it ends, so that stop() can let it finish. */
  private <T> Future<T> tracked(Future<T> work) {
    inFlight++;
    return work.andThen(x -> inFlight--);
  }

  // ---------------------------------------------------------------- service operations

  @Override
  public Future<String> start(String sagaType, String businessKey, JsonObject data) {
    if (stopping) {
      return refuseWhileStopping();
    }
    SagaDefinition<?> definition = definitions.get(sagaType);
    if (definition == null) {
      return ServiceException.fail(UNKNOWN_SAGA_TYPE, "no saga type '" + sagaType + "'; known: " + definitions.keySet());
    }
    if (businessKey == null || businessKey.isBlank() || businessKey.length() > 191) {
      return ServiceException.fail(INVALID_SAGA_DATA, "businessKey must be 1 to 191 characters");
    }
    return begin(definition, businessKey, data);
  }

  private <D> Future<String> begin(SagaDefinition<D> definition, String businessKey, JsonObject json) {
    D data;
    try {
      data = json.mapTo(definition.dataType());
    } catch (RuntimeException e) {
      return ServiceException.fail(INVALID_SAGA_DATA, "data does not fit " + definition.dataType().getSimpleName()
          + ": " + e.getMessage());
    }
    Instant now = Instant.now();
    Running<D> saga = new Running<>(UUID.randomUUID().toString(), definition, businessKey, data, SagaProgress.start(),
        0, now, now.plus(settings.lease()));
    return writer.write(new TransitionWriter.Transition(saga.id, 0, State.RUNNING, saga.progress.toJson(), encode(data),
            null, null, node.id(), saga.leaseUntil, List.of(),
            new TransitionWriter.Start(definition.type(), businessKey), Promise.promise()))
        .compose(inserted -> {
          if (!inserted) {
            return repository.load(definition.type(), businessKey).map(SagaRepository.Instance::id);
          }
          metrics.count("started", definition.type());
          log.debug("saga started id={} type={} key={}", saga.id, definition.type(), businessKey);
          running.put(saga.id, saga);
          advance(saga);
          return Future.succeededFuture(saga.id);
        });
  }

  /**
   * A fact for a saga. A saga waiting for it (or for a fact that fails its wait) takes it now. A saga that is still on
   * its way to the wait keeps it (a courier may accept before the saga has parked on the acceptance) and takes it when
   * it parks: this side writes the fact and then looks at the saga, the parking side writes the wait and then looks
   * for facts, so at least one of them sees the other, and the version guard lets only one delivery through.
   */
  @Override
  public Future<Boolean> signal(String sagaType, String businessKey, String eventType, JsonObject payload) {
    // A fact is still applied while the node stops (its consumer drains, and a refused fact retried a few times would be
    // dead-lettered); whatever saga it moves is handed back with the rest. Only after the hand-back is it refused.
    if (handedBack) {
      return refuseWhileStopping();
    }
    JsonObject fact = payload == null ? new JsonObject() : payload;
    return repository.load(sagaType, businessKey).compose(row -> {
      if (row == null) {
        return ServiceException.fail(SAGA_NOT_FOUND, "no " + sagaType + " saga for " + businessKey);
      }
      Running<?> saga = restore(row);
      if (saga == null) {
        return ServiceException.fail(UNKNOWN_SAGA_TYPE, "no saga type '" + sagaType + "' on this coordinator");
      }
      if (waitsFor(saga, eventType)) {
        return deliver(saga, eventType, fact);
      }
      if (row.state() != State.RUNNING && row.state() != State.WAITING) {
        log.debug("signal ignored id={} event={} state={}", row.id(), eventType, row.state());
        return Future.succeededFuture(false);
      }
      return repository.keepSignal(sagaType, businessKey, eventType, fact, Instant.now())
          .compose(kept -> repository.load(sagaType, businessKey))
          .compose(again -> {
            Running<?> now = again == null ? null : restore(again);
            if (now != null && waitsFor(now, eventType)) {
              return deliver(now, eventType, fact);
            }
            log.debug("signal kept id={} event={} state={}", row.id(), eventType, row.state());
            return Future.succeededFuture(false);
          });
    });
  }

  private static boolean waitsFor(Running<?> saga, String eventType) {
    if (saga.progress.state() != State.WAITING) {
      return false;
    }
    List<? extends StepDefinition<?>> group = saga.progress.currentGroup(saga.definition);
    return !group.isEmpty() && group.get(0).takes(eventType);
  }

  /**
   * A fact was kept for a saga in a transaction that has committed ({@link SagaSignals#keep}): a saga waiting for it
   * takes it now. One that is not waiting yet takes it when it parks; a nudge that is lost or fails leaves the fact to
   * the wake-up scan. Facts are still taken while the node drains; after the hand-back they are left to other nodes.
   */
  private void factKept(JsonObject nudge) {
    String sagaType = nudge.getString("sagaType");
    String businessKey = nudge.getString("businessKey");
    if (handedBack || sagaType == null || businessKey == null || !definitions.containsKey(sagaType)) {
      return;
    }
    if (onItsWayHere(sagaType, businessKey)) {
      // Held here and not waiting: it reads its kept facts once its wait is written, which is after this fact's commit.
      return;
    }
    tracked(repository.loadWithKept(sagaType, businessKey).compose(this::takeKeptSignal))
        .onFailure(err -> log.info("kept signal of saga type={} key={} not delivered at once ({}); the wake-up scan"
        + " delivers it", sagaType, businessKey, err.toString()));
  }

  /**
   * Whether this coordinator holds the saga of {@code sagaType} and {@code businessKey} in memory on its way to a wait
   * (running, or compensating): whatever fact is kept for it now, it reads when (if) it parks.
   */
  private boolean onItsWayHere(String sagaType, String businessKey) {
    Running<?> saga = running.heldFor(sagaType, businessKey);
    if (saga == null) {
      return false;
    }
    State state = saga.progress.state();
    return state == State.RUNNING || state == State.COMPENSATING;
  }

  /**
   * A saga written by another transaction ({@link SagaStarts#start}) has committed: claim it and run it now. The nudge
   * carries the row as written, so the claim (version 0: nobody has run it yet) needs no read first. A nudge that is
   * lost, or that finds it claimed already, leaves it to the wake-up scan or to whoever claimed it.
   */
  private void startedElsewhere(JsonObject nudge) {
    String sagaId = nudge.getString("sagaId");
    if (stopping || sagaId == null || running.containsKey(sagaId) || claiming.contains(sagaId)) {
      return;
    }
    SagaDefinition<?> definition = definitions.get(nudge.getString("sagaType", ""));
    Future<Void> claimed = definition == null || nudge.getString("data") == null
        ? resume(sagaId, Instant.now())
        : claimStarted(definition, sagaId, nudge);
    tracked(claimed).onFailure(err -> log.info("saga {} not claimed at once ({}); the wake-up scan runs it", sagaId,
        err.toString()));
  }

  /**
   * A saga written with its business object already owned by this coordinator ({@link SagaStarts#start}) has committed:
   * run it, with no claim to write (its row is at version 1 under this node's lease, exactly as a claim leaves it). A
   * coordinator that has begun to stop hands it back instead, so another node resumes it within a scan interval.
   */
  private void startedHere(JsonObject nudge) {
    String sagaId = nudge.getString("sagaId");
    SagaDefinition<?> definition = definitions.get(nudge.getString("sagaType", ""));
    if (sagaId == null || definition == null || running.containsKey(sagaId) || claiming.contains(sagaId)
        || !node.id().equals(nudge.getString("owner"))) {
      return;
    }
    if (handedBack) {
      repository.handBack(List.of(io.vertx.sqlclient.Tuple.of(sagaId, 1L)), Instant.now())
          .onFailure(err -> log.warn("saga {} started as this node stopped, not handed back ({}); it resumes when its"
              + " lease runs out", sagaId, err.toString()));
      return;
    }
    Instant createdAt = Instant.parse(nudge.getString("createdAt"));
    SagaRepository.Instance row = new SagaRepository.Instance(sagaId, definition.type(),
        nudge.getString("businessKey"), State.RUNNING, SagaProgress.start().toJson(), nudge.getString("data"),
        null, null, 1, Instant.parse(nudge.getString("leaseUntil")), createdAt, createdAt);
    tracked(run(row, 0));
  }

  private Future<Void> claimStarted(SagaDefinition<?> definition, String sagaId, JsonObject nudge) {
    Instant now = Instant.now();
    Instant lease = now.plus(settings.lease());
    claiming.add(sagaId);
    return repository.claimNew(sagaId, node.id(), lease)
        .andThen(x -> claiming.remove(sagaId))
        .compose(claimed -> {
          if (!claimed || running.containsKey(sagaId)) {
            return Future.succeededFuture();
          }
          Instant createdAt = Instant.parse(nudge.getString("createdAt", now.toString()));
          SagaRepository.Instance row = new SagaRepository.Instance(sagaId, definition.type(),
              nudge.getString("businessKey"), State.RUNNING, SagaProgress.start().toJson(), nudge.getString("data"),
              null, null, 1, lease, createdAt, createdAt);
          return run(row, 0);
        });
  }

  /**
   * A fact delivered to a waiting saga while another delivery to it is being written here (the park's read of kept facts
   * and a fact's nudge both found it) waits for that one: if it went through, the saga has moved on and reads its kept
   * facts again when it next waits, so this one is dropped instead of losing at the version guard (a wasted write).
   */
  private <D> Future<Boolean> deliver(Running<D> saga, String eventType, JsonObject payload) {
    Future<Boolean> ahead = delivering.get(saga.id);
    if (ahead != null) {
      return ahead.transform(first -> first.succeeded() && Boolean.TRUE.equals(first.result())
          ? Future.succeededFuture(false)
          : deliver(saga, eventType, payload));
    }
    Future<Boolean> delivered = deliverNow(saga, eventType, payload);
    if (!delivered.isComplete()) {
      delivering.put(saga.id, delivered);
      delivered.onComplete(x -> delivering.remove(saga.id, delivered));
    }
    return delivered;
  }

  private <D> Future<Boolean> deliverNow(Running<D> saga, String eventType, JsonObject payload) {
    StepDefinition<D> step = saga.progress.currentGroup(saga.definition).get(0);
    Instant started = Instant.now();
    String event;
    if (eventType.equals(step.awaitedEvent())) {
      try {
        step.eventHandler().handle(saga.data, payload);
      } catch (RuntimeException e) {
        return ServiceException.fail(INVALID_SAGA_DATA, "event " + eventType + " rejected by step " + step.name()
            + ": " + e.getMessage());
      }
      saga.progress.eventArrived(step.name());
      saga.logs.add(new LogEntry(step.name(), "EVENT", 1, "SUCCEEDED", null, started, 0));
      // Nothing runs between this event and a next wait or the end: one write takes the event and moves on to that.
      List<StepDefinition<D>> next = saga.progress.currentGroup(saga.definition);
      if (next.isEmpty()) {
        saga.progress.completed();
        event = "saga.completed";
      } else if (next.get(0).kind() == Kind.AWAIT_EVENT) {
        waitFor(saga, next.get(0));
        event = "saga.waiting";
      } else {
        event = null;
      }
    } else {
      try {
        step.failingEvents().get(eventType).handle(saga.data, payload);
      } catch (RuntimeException e) {
        return ServiceException.fail(INVALID_SAGA_DATA, "event " + eventType + " rejected by step " + step.name()
            + ": " + e.getMessage());
      }
      String error = eventType + ": " + payload.getString("reason", payload.encode());
      saga.logs.add(new LogEntry(step.name(), "EVENT", 1, "FAILED", error, started, 0));
      saga.progress.forwardFailed(List.of(), List.of(), error);
      log.info("saga wait failed id={} step={} error={}", saga.id, step.name(), error);
      event = "saga.compensating";
    }
    // The version guard decides between this event and a concurrent timeout, duplicate or operator: only one
    // transition wins, and only the winner may take the saga's place in memory (a loser that took it first would
    // evict the winner, which then stops until its lease runs out).
    return checkpoint(saga, event)
        .onSuccess(x -> {
          running.put(saga.id, saga);
          switch (saga.progress.state()) {
            case WAITING -> parked(saga);
            case COMPLETED -> finished(saga);
            default -> advance(saga);
          }
        })
        .map(true)
        .recover(err -> err instanceof LostOwnership ? Future.succeededFuture(false) : Future.failedFuture(err));
  }

  @Override
  public Future<SagaView> find(String sagaId) {
    return repository.load(sagaId).compose(row -> row == null
        ? ServiceException.fail(SAGA_NOT_FOUND, "no saga " + sagaId)
        : view(row));
  }

  @Override
  public Future<List<SagaView>> findByBusinessKey(String businessKey) {
    return repository.byBusinessKey(businessKey)
        .compose(rows -> Future.all(rows.stream().map(this::view).toList()))
        .map(all -> all.<SagaView>list());
  }

  @Override
  public Future<SagaView> retry(String sagaId) {
    return takeOver(sagaId, State.FAILED, saga -> {
      saga.progress.resume();
      return "saga.retried";
    });
  }

  @Override
  public Future<SagaView> forceCompensate(String sagaId) {
    return takeOver(sagaId, null, saga -> {
      if (saga.progress.state() != State.RUNNING && saga.progress.state() != State.WAITING) {
        throw new IllegalStateException(saga.progress.state().name());
      }
      // The current group may be half done: compensate its steps too (compensating one that never ran is a no-op).
      List<String> current = saga.progress.currentGroup(saga.definition).stream().map(StepDefinition::name).toList();
      saga.progress.forwardFailed(List.of(), current, "compensation forced by an operator");
      return "saga.compensating";
    });
  }

  /**
   * Loads a saga, applies an operator's transition under the version guard, and runs it here from then on. A saga that
   * moves on meanwhile (its own step or a signal wrote first) is loaded again and the transition tried anew, so an
   * operator's stop is not lost to a transition that was merely concurrent; only a saga whose new state no longer
   * allows it is refused.
   */
  private Future<SagaView> takeOver(String sagaId, State required, Function<Running<?>, String> transition) {
    if (stopping) {
      return refuseWhileStopping();
    }
    return takeOver(sagaId, required, transition, 1);
  }

  private Future<SagaView> takeOver(String sagaId, State required, Function<Running<?>, String> transition,
                                    int attempt) {
    // A copy running here finishes the group (and its write) it is at first, and starts no other until this transition
    // is written or refused: a compensation must not overtake a local step's effect (local steps have no barrier).
    operatorHolds.merge(sagaId, 1, Integer::sum);
    Running<?> held = running.get(sagaId);
    Future<Void> settled = held == null ? Future.succeededFuture()
        : held.busy.timeout(OPERATOR_WAIT.toMillis(), TimeUnit.MILLISECONDS).otherwiseEmpty();
    return settled.compose(x -> takeOverNow(sagaId, required, transition))
        .andThen(x -> release(sagaId))
        .recover(err -> {
          if (!(err instanceof LostOwnership)) {
            return Future.failedFuture(err);
          }
          if (attempt >= TAKE_OVER_ATTEMPTS) {
            return ServiceException.fail(SAGA_NOT_IN_THAT_STATE, "saga " + sagaId + " kept moving on; look again");
          }
          // The copy that won goes on meanwhile (the hold is released); the next try holds it again.
          return vertx.timer(10L << attempt).compose(t -> takeOver(sagaId, required, transition, attempt + 1));
        });
  }

  /** An operator's transition is written or refused: a copy it held back goes on, if it is still the saga's. */
  private void release(String sagaId) {
    if (operatorHolds.merge(sagaId, -1, Integer::sum) <= 0) {
      operatorHolds.remove(sagaId);
      Running<?> waiting = heldBack.remove(sagaId);
      if (waiting != null) {
        advance(waiting);
      }
    }
  }

  /** One try: load, apply, write; fails with {@link LostOwnership} if the saga moved on meanwhile. */
  private Future<SagaView> takeOverNow(String sagaId, State required, Function<Running<?>, String> transition) {
    return repository.load(sagaId).compose(row -> {
      if (row == null) {
        return ServiceException.fail(SAGA_NOT_FOUND, "no saga " + sagaId);
      }
      Running<?> saga = restore(row);
      if (saga == null) {
        return ServiceException.fail(UNKNOWN_SAGA_TYPE, "no saga type '" + row.type() + "' on this coordinator");
      }
      String event;
      try {
        if (required != null && row.state() != required) {
          throw new IllegalStateException(row.state().name());
        }
        event = transition.apply(saga);
      } catch (IllegalStateException e) {
        return ServiceException.fail(SAGA_NOT_IN_THAT_STATE, "saga " + sagaId + " is " + row.state());
      }
      // Only if this transition wins does it take the place of the copy running here (which then stops: its next
      // write finds the version moved on); if that copy wrote first, it goes on and the operator is told to look again.
      return checkpoint(saga, event).transform(written -> {
        if (written.succeeded()) {
          log.info("saga taken over by an operator id={} event={}", sagaId, event);
          running.put(sagaId, saga);
          heldBack.remove(sagaId);
          // Held back until this call releases its hold; the replaced copy, if it still runs a try, stops at its next.
          advance(saga);
          return find(sagaId);
        }
        return Future.failedFuture(written.cause());
      });
    });
  }

  // ---------------------------------------------------------------- execution

  private <D> void advance(Running<D> saga) {
    if (stopping || running.get(saga.id) != saga) {
      return;
    }
    if (operatorHolds.containsKey(saga.id)) {
      heldBack.put(saga.id, saga);
      return;
    }
    switch (saga.progress.state()) {
      case RUNNING -> {
        List<StepDefinition<D>> group = saga.progress.currentGroup(saga.definition);
        if (group.isEmpty()) {
          saga.progress.completed();
          finish(saga, "saga.completed");
        } else if (group.get(0).kind() == Kind.AWAIT_EVENT) {
          park(saga, group.get(0));
        } else {
          runGroup(saga, group);
        }
      }
      case COMPENSATING -> {
        if (saga.definition.compensationGuard() != null && !saga.guardAsked && saga.progress.compensated().isEmpty()) {
          askBeforeCompensating(saga);
          return;
        }
        saga.progress.nextCompensation(saga.definition).ifPresentOrElse(
            step -> compensate(saga, step),
            () -> {
              saga.progress.compensatedAll();
              finish(saga, "saga.compensated");
            });
      }
      default -> running.remove(saga.id, saga);
    }
  }

  /**
   * Before undoing anything, the saga asks whether its purpose was met anyway (an order delivered although its signal
   * was lost): then it completes instead. No answer is not "no": the saga leaves memory and is asked again when its
   * lease runs out, with nothing undone meanwhile.
   */
  private <D> void askBeforeCompensating(Running<D> saga) {
    saga.guardAsked = true;
    Instant asked = Instant.now();
    Future<Boolean> answer;
    try {
      answer = saga.definition.compensationGuard().doneAnyway(saga.data);
    } catch (RuntimeException e) {
      answer = Future.failedFuture(e);
    }
    tracked(answer.timeout(ASK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)).onComplete(done -> {
      if (stopping || running.get(saga.id) != saga) {
        return;
      }
      if (done.failed()) {
        log.warn("saga id={} not compensated yet: could not ask whether it is done anyway ({}); asked again when its"
            + " lease runs out", saga.id, done.cause().toString());
        running.remove(saga.id, saga);
      } else if (Boolean.TRUE.equals(done.result())) {
        saga.logs.add(new LogEntry("before-compensating", "CHECK", 1, "DONE_ANYWAY",
            "its purpose was met anyway: completed, nothing compensated", asked, 0));
        log.info("saga completes instead of compensating id={} type={} key={}: done anyway (was: {})", saga.id,
            saga.definition.type(), saga.businessKey, saga.progress.lastError());
        saga.progress.completedAnyway();
        finish(saga, "saga.completed");
      } else {
        advance(saga);
      }
    });
  }

  private <D> void runGroup(Running<D> saga, List<StepDefinition<D>> group) {
    List<Future<Outcome>> outcomes = group.stream().map(step -> attempt(saga, step, true, 1)).toList();
    Promise<Void> settled = Promise.promise();
    saga.busy = settled.future();
    Future.join(outcomes).onComplete(x -> afterGroup(saga, group, outcomes).onComplete(y -> settled.tryComplete()));
  }

  /** What a forward group's outcomes lead to; answers when the write they take (if any) has ended. */
  private <D> Future<?> afterGroup(Running<D> saga, List<StepDefinition<D>> group, List<Future<Outcome>> outcomes) {
    List<String> succeeded = new ArrayList<>();
    List<String> unknown = new ArrayList<>();
    String error = null;
    for (int i = 0; i < group.size(); i++) {
      Outcome outcome = outcomes.get(i).result();
      switch (outcome.kind()) {
        case SUCCEEDED -> succeeded.add(group.get(i).name());
        case UNKNOWN -> unknown.add(group.get(i).name());
        case ABANDONED -> {
          return Future.succeededFuture();
        }
        default -> { }
      }
      if (outcome.error() != null && error == null) {
        error = group.get(i).name() + ": " + outcome.error();
      }
    }
    String event = null;
    if (succeeded.size() == group.size()) {
      saga.progress.groupSucceeded(succeeded);
      List<StepDefinition<D>> next = saga.progress.currentGroup(saga.definition);
      if (next.isEmpty()) {
        // The last group's transition and the completion are one write.
        saga.progress.completed();
        return finish(saga, "saga.completed");
      }
      if (next.get(0).kind() == Kind.AWAIT_EVENT) {
        // The group's transition and the wait are one write.
        return park(saga, next.get(0));
      }
      if (group.stream().allMatch(StepDefinition::noDurableEffect)) {
        // Nothing to remember yet: the next write carries this group's outcome; a crash before it runs it again.
        advance(saga);
        return Future.succeededFuture();
      }
    } else {
      saga.progress.forwardFailed(succeeded, unknown, error);
      event = "saga.compensating";
      log.info("saga compensating id={} type={} reason={}", saga.id, saga.definition.type(), error);
    }
    return checkpoint(saga, event).onSuccess(y -> advance(saga));
  }

  private <D> void compensate(Running<D> saga, StepDefinition<D> step) {
    attempt(saga, step, false, 1).onSuccess(outcome -> {
      switch (outcome.kind()) {
        case SUCCEEDED -> {
          saga.progress.stepCompensated(step.name());
          if (saga.progress.nextCompensation(saga.definition).isEmpty()) {
            saga.progress.compensatedAll();
            finish(saga, "saga.compensated");
          } else {
            checkpoint(saga, null).onSuccess(x -> advance(saga));
          }
        }
        case ABANDONED -> { }
        default -> {
          saga.progress.failed("compensation of " + step.name() + " failed: " + outcome.error());
          finish(saga, "saga.failed");
        }
      }
    });
  }

  private <D> Future<Void> park(Running<D> saga, StepDefinition<D> step) {
    waitFor(saga, step);
    return checkpoint(saga, "saga.waiting").onSuccess(x -> parked(saga));
  }

  private static <D> void waitFor(Running<D> saga, StepDefinition<D> step) {
    saga.progress.waitFor(step.awaitedEvent());
    saga.waitUntil = Instant.now().plus(step.timeout());
  }

  /** The wait is written: the saga leaves memory and takes a fact kept for it meanwhile, if there is one. */
  private void parked(Running<?> saga) {
    running.remove(saga.id, saga);
    takeKeptSignal(saga.id, saga, 1);
  }

  /**
   * A fact that arrived before the wait began (see {@link #signal}). If reading it fails, it is read again (bounded
   * backoff, while this node runs) on the saga as it then stands; past that, the wake-up scan of any node finds it.
   */
  private void takeKeptSignal(String sagaId, Running<?> parked, int attempt) {
    tracked(parked != null ? takeKeptSignal(parked) : repository.loadWithKept(sagaId).compose(this::takeKeptSignal))
        .onFailure(err -> {
          if (stopping || err instanceof ServiceException || attempt >= KEPT_SIGNAL_READS) {
            log.warn("kept signals of saga {} not read ({}); the wake-up scan delivers them", sagaId, err.toString());
            return;
          }
          long backoff = Math.min(100L << attempt, 5_000);
          log.info("kept signals of saga {} not read ({}); reading again in {} ms", sagaId, err.toString(), backoff);
          vertx.setTimer(backoff, t -> takeKeptSignal(sagaId, null, attempt + 1));
        });
  }

  /** Delivers the first kept fact the saga's wait takes; false if it does not wait or nothing it takes is kept. */
  private <D> Future<Boolean> takeKeptSignal(Running<D> saga) {
    if (saga.progress.state() != State.WAITING) {
      return Future.succeededFuture(false);
    }
    return repository.pendingSignals(saga.definition.type(), saga.businessKey).compose(kept -> takeKept(saga, kept));
  }

  /** As {@link #takeKeptSignal(Running)}, for a saga read together with its kept facts; false if there is none. */
  private Future<Boolean> takeKeptSignal(SagaRepository.WithKept read) {
    Running<?> saga = read == null ? null : restore(read.instance());
    return saga == null || saga.progress.state() != State.WAITING
        ? Future.succeededFuture(false)
        : takeKept(saga, read.kept());
  }

  private <D> Future<Boolean> takeKept(Running<D> saga, List<SagaRepository.PendingSignal> kept) {
    StepDefinition<D> step = saga.progress.currentGroup(saga.definition).get(0);
    return kept.stream().filter(k -> step.takes(k.eventType())).findFirst()
        .map(k -> deliver(saga, k.eventType(), k.payload()))
        .orElse(Future.succeededFuture(false));
  }

  private <D> Future<Void> finish(Running<D> saga, String event) {
    return checkpoint(saga, event).onSuccess(x -> finished(saga));
  }

  /** The saga's end is written: it leaves memory, its kept facts go, and its hooks run. */
  private <D> void finished(Running<D> saga) {
    running.remove(saga.id, saga);
    repository.dropSignals(saga.definition.type(), saga.businessKey)
        .onFailure(err -> log.debug("kept signals of saga {} not dropped: {}", saga.id, err.toString()));
    State state = saga.progress.state();
    metrics.count(state.name().toLowerCase(), saga.definition.type());
    metrics.duration(saga.definition.type(), state.name(), Duration.between(saga.startedAt, Instant.now()));
    if (state == State.COMPLETED) {
      log.debug("saga completed id={} type={} key={}", saga.id, saga.definition.type(), saga.businessKey);
    } else {
      log.info("saga {} id={} type={} key={} error={}", state.name().toLowerCase(), saga.id, saga.definition.type(),
          saga.businessKey, saga.progress.lastError());
    }
    if (state == State.FAILED) {
      // For the admin dashboard's "latest failures" (a saga_instance query by state would need an index).
      vertx.eventBus().publish(AdminAddresses.SAGA_FAILED, new JsonObject().put("sagaId", saga.id)
          .put("type", saga.definition.type()).put("businessKey", saga.businessKey)
          .put("error", saga.progress.lastError()).put("at", Instant.now().toString()));
    }
    SagaDefinition.Hook<D> hook = switch (state) {
      case COMPLETED -> saga.definition.hooks().completed();
      case COMPENSATED -> saga.definition.hooks().compensated();
      default -> saga.definition.hooks().failed();
    };
    if (hook != null) {
      Future.<Void>succeededFuture().compose(y -> hook.run(saga.data, saga.id))
          .onFailure(err -> log.warn("saga hook failed id={} state={} error={}", saga.id, state, err.toString()));
    }
  }

  private enum OutcomeKind { SUCCEEDED, REJECTED, UNKNOWN, ABANDONED }

  /** How a step ended: done, refused by the participant, outcome unknown after all tries, or no longer ours. */
  private record Outcome(OutcomeKind kind, String error) {
  }

  /** One try of a step's action (or compensation), then retries per policy. Never fails: answers an Outcome. */
  private <D> Future<Outcome> attempt(Running<D> saga, StepDefinition<D> step, boolean forward, int attempt) {
    if (stopping || running.get(saga.id) != saga) {
      return Future.succeededFuture(new Outcome(OutcomeKind.ABANDONED, null));
    }
    Duration stepNeeds = step.timeout().plusSeconds(1);
    Instant leaseNeeded = Instant.now().plus(stepNeeds);
    Future<Void> leased = Future.succeededFuture();
    if (leaseNeeded.isAfter(saga.leaseUntil)) {
      // A step longer than the configured lease renews for as long as it may take, so no other node resumes it.
      saga.leaseAtLeast = stepNeeds;
      leased = checkpoint(saga, null);
    }
    return leased.transform(lease -> {
      if (lease.failed()) {
        return Future.succeededFuture(new Outcome(OutcomeKind.ABANDONED, null));
      }
      String phase = forward ? "ACTION" : "COMPENSATION";
      SagaStep ref = new SagaStep(saga.id, step.name(), attempt);
      Instant startedAt = Instant.now();
      long started = System.nanoTime();
      Future<?> call;
      try {
        call = (forward ? step.action() : step.compensation()).run(saga.data, ref);
      } catch (RuntimeException e) {
        call = Future.failedFuture(e);
      }
      return tracked(call.timeout(step.timeout().toMillis(), TimeUnit.MILLISECONDS)).transform(result -> {
        long durationMs = (System.nanoTime() - started) / 1_000_000;
        if (result.succeeded()) {
          if (forward) {
            step.replyHandlers().forEach(h -> h.applyIfMatches(saga.data, result.result()));
          }
          record(saga, step, phase, attempt, "SUCCEEDED", null, startedAt, durationMs);
          return Future.succeededFuture(new Outcome(OutcomeKind.SUCCEEDED, null));
        }
        Throwable failure = result.cause();
        String error = describe(failure);
        RetryPolicy policy = forward ? step.retry() : step.compensationRetry();
        if (forward && failure instanceof ServiceException refusal
            && (step.failureHandlers().containsKey(refusal.failureCode()) || !policy.isRetryable(refusal.failureCode()))) {
          StepDefinition.FailureHandler<D> handler = step.failureHandlers().get(refusal.failureCode());
          if (handler != null) {
            handler.handle(saga.data, refusal);
          }
          record(saga, step, phase, attempt, "REJECTED", error, startedAt, durationMs);
          return Future.succeededFuture(new Outcome(OutcomeKind.REJECTED, error));
        }
        String outcome = failure instanceof TimeoutException ? "TIMED_OUT" : "FAILED";
        record(saga, step, phase, attempt, outcome, error, startedAt, durationMs);
        if (!policy.allowsAnotherAfter(attempt)) {
          return Future.succeededFuture(new Outcome(OutcomeKind.UNKNOWN, error));
        }
        long backoff = policy.backoffAfter(attempt).toMillis();
        log.info("saga step retry id={} step={} phase={} attempt={} inMs={} error={}", saga.id, step.name(), phase,
            attempt, backoff, error);
        // Persisting the failed attempt also renews the lease across the backoff. A step without durable effect leaves
        // its failed attempts to the next write: the next attempt renews the lease first if it needs to.
        Future<Void> saving = forward && step.noDurableEffect() ? Future.succeededFuture() : checkpoint(saga, null);
        return saving.transform(saved -> saved.failed()
            ? Future.succeededFuture(new Outcome(OutcomeKind.ABANDONED, null))
            : (backoff > 0 ? vertx.timer(backoff) : Future.succeededFuture()).compose(t -> attempt(saga, step, forward,
                attempt + 1)));
      });
    });
  }

  private <D> void record(Running<D> saga, StepDefinition<D> step, String phase, int attempt, String outcome,
                          String error, Instant startedAt, long durationMs) {
    saga.logs.add(new LogEntry(step.name(), phase, attempt, outcome, error, startedAt, durationMs));
    metrics.step(saga.definition.type(), step.name(), phase, outcome, durationMs);
  }

  private static String describe(Throwable failure) {
    if (failure instanceof ServiceException refusal) {
      return "code " + refusal.failureCode() + ": " + refusal.getMessage();
    }
    return failure.getClass().getSimpleName() + ": " + failure.getMessage();
  }

  // ---------------------------------------------------------------- persistence

  /** A write asked for after this stopping node handed its sagas back: whoever resumes the saga writes it. */
  private static final class HandedBack extends RuntimeException {
    HandedBack(String sagaId) {
      super("saga " + sagaId + " was handed back by this stopping coordinator", null, false, false);
    }
  }

  /** Thrown when a saga's row moved on without us (another node resumed it, or an operator acted). */
  private static final class LostOwnership extends RuntimeException {
    LostOwnership(String sagaId) {
      super("saga " + sagaId + " was moved on by somebody else", null, false, false);
    }
  }

  /**
   * Writes the saga's transition (and pending step log) in one transaction, with {@code event} in the outbox if given.
   * Writes of one saga are queued one after the other, so parallel branches never race on the version. On any
   * failure the saga is dropped from memory; its lease runs out and the scan resumes it from the last transition.
   */
  private <D> Future<Void> checkpoint(Running<D> saga, String event) {
    Future<Void> write = saga.lastWrite.transform(previous -> previous.failed()
        ? Future.failedFuture(previous.cause())
        : write(saga, event));
    saga.lastWrite = write;
    return write.onFailure(err -> {
      if (running.get(saga.id) == saga) {
        running.remove(saga.id, saga);
        if (err instanceof LostOwnership) {
          log.info("saga dropped id={}: {}", saga.id, err.getMessage());
        } else if (stopping) {
          // Not the saga's failure: this node stops, and the saga's lease (or the hand-back) lets another resume it.
          log.debug("saga checkpoint not written id={}: the coordinator is stopping ({})", saga.id, err.toString());
        } else {
          log.warn("saga checkpoint failed id={} error={}; it resumes when its lease runs out", saga.id, err.toString());
        }
      }
    });
  }

  private <D> Future<Void> write(Running<D> saga, String event) {
    if (handedBack) {
      return Future.failedFuture(new HandedBack(saga.id));
    }
    Instant now = Instant.now();
    State state = saga.progress.state();
    boolean owned = state == State.RUNNING || state == State.COMPENSATING;
    Duration lease = saga.leaseAtLeast.compareTo(settings.lease()) > 0 ? saga.leaseAtLeast : settings.lease();
    Instant wakeUp = owned ? now.plus(lease) : state == State.WAITING ? saga.waitUntil : null;
    List<LogEntry> logs = List.copyOf(saga.logs);
    long expected = saga.version;
    return writer.write(new TransitionWriter.Transition(saga.id, expected, state, saga.progress.toJson(),
            encode(saga.data), saga.progress.awaitingEvent(), saga.progress.lastError(), owned ? node.id() : null,
            wakeUp, logs, null, Promise.promise()))
        .compose(written -> written ? Future.<Void>succeededFuture() : Future.failedFuture(new LostOwnership(saga.id)))
        .onSuccess(x -> {
          saga.version = expected + 1;
          saga.logs.subList(0, logs.size()).clear();
          if (wakeUp != null && owned) {
            saga.leaseUntil = wakeUp;
          }
          // The saga's life, as the log tells it: its row and step log are the record, nobody consumes it as events.
          if (event != null) {
            log.debug("saga transition id={} type={} key={} event={} state={}", saga.id, saga.definition.type(),
                saga.businessKey, event, state);
          }
        });
  }

  // ---------------------------------------------------------------- recovery

  /**
   * Resumes sagas whose lease or wait ran out (a dead node's sagas, timed-out waits, hand-overs), and delivers kept
   * facts that a waiting saga takes but never got (the reads after keeping and after parking both failed).
   */
  private void scan() {
    if (stopping || scanning) {
      return;
    }
    scanning = true;
    Instant now = Instant.now();
    repository.due(now, now.minus(KEPT_SIGNAL_GRACE), settings.scanBatch(), takenEvents)
        .compose(wakeUps -> {
          Set<String> seen = new HashSet<>();
          List<Future<Void>> work = new ArrayList<>();
          // Due sagas come first: a timed-out wait looks at its kept facts itself before it gives up.
          for (SagaRepository.WakeUp wakeUp : wakeUps) {
            if (!running.containsKey(wakeUp.sagaId()) && !claiming.contains(wakeUp.sagaId())
                && seen.add(wakeUp.sagaId())) {
              work.add(wakeUp.keptSignal() ? deliverKeptSignal(wakeUp.sagaId()) : resume(wakeUp.sagaId(), now));
            }
          }
          return Future.join(work);
        })
        .onComplete(x -> scanning = false)
        .onFailure(err -> log.warn("saga scan failed: {}", err.toString()));
  }

  private Future<Void> deliverKeptSignal(String id) {
    return repository.loadWithKept(id)
        .compose(this::takeKeptSignal)
        .onSuccess(delivered -> {
          if (delivered) {
            log.info("saga id={} took a kept signal found by the wake-up scan", id);
          }
        })
        .<Void>mapEmpty()
        .recover(err -> {
          log.warn("kept signal of saga {} not delivered by the scan ({}); next scan tries again", id, err.toString());
          return Future.succeededFuture();
        });
  }

  private Future<Void> resume(String id, Instant now) {
    if (!claiming.add(id)) {
      return Future.succeededFuture();
    }
    return repository.load(id).compose(row -> {
      if (row == null || !definitions.containsKey(row.type())) {
        return Future.succeededFuture(false);
      }
      return repository.claimDue(id, node.id(), now, now.plus(settings.lease())).compose(claimed -> {
        if (!claimed) {
          return Future.succeededFuture(false);
        }
        SagaRepository.Instance current = new SagaRepository.Instance(row.id(), row.type(), row.businessKey(),
            row.state(), row.progress(), row.data(), row.awaitingEvent(), row.lastError(), row.version() + 1,
            now.plus(settings.lease()), row.createdAt(), row.updatedAt());
        return run(current, row.version()).map(true);
      });
    }).andThen(x -> claiming.remove(id)).mapEmpty();
  }

  /** Runs a saga this coordinator has just claimed ({@code row} as it now stands, {@code claimedFrom} the version before). */
  private Future<Void> run(SagaRepository.Instance row, long claimedFrom) {
    String id = row.id();
    Running<?> saga = restore(row);
    running.put(id, saga);
    if (stopping) {
      // Claimed as the node began to stop: held here only to be handed back at once.
      return Future.succeededFuture();
    }
    if (saga.progress.state() == State.WAITING) {
      timedOut(saga);
    } else {
      if (claimedFrom == 0) {
        // Started in its business object's own transaction (SagaStarts): this is its first run, not a recovery.
        metrics.count("started", row.type());
        log.debug("saga started id={} type={} key={}", id, row.type(), row.businessKey());
      } else {
        log.info("saga resumed id={} type={} state={} group={}", id, row.type(), row.state(),
            saga.progress.group());
      }
      advance(saga);
    }
    return Future.succeededFuture();
  }

  /**
   * A wait ran out. Before giving up, the saga looks at what really happened: a kept fact its wait takes (delivered
   * late, or whose delivery failed), then the step's timeout resolver (e.g. the order's own state). Only if neither has
   * anything does it compensate. If it cannot find out (the database does not answer), it stays waiting and is looked
   * at again when the claim's lease runs out.
   */
  private <D> void timedOut(Running<D> saga) {
    StepDefinition<D> step = saga.progress.currentGroup(saga.definition).get(0);
    tracked(repository.pendingSignals(saga.definition.type(), saga.businessKey)
        .compose(kept -> {
          Optional<SagaRepository.PendingSignal> taken = kept.stream().filter(k -> step.takes(k.eventType()))
              .findFirst();
          return taken.isPresent() ? Future.succeededFuture(taken.get()) : factAtTimeout(saga, step);
        }))
        .onComplete(found -> {
          if (stopping || running.get(saga.id) != saga) {
            return;
          }
          if (found.failed()) {
            log.warn("saga id={} wait ran out but what happened meanwhile is unknown ({}); it is looked at again when"
                + " its lease runs out", saga.id, found.cause().toString());
            running.remove(saga.id, saga);
          } else if (found.result() != null) {
            log.info("saga wait ran out id={} step={}: took {} found meanwhile", saga.id, step.name(),
                found.result().eventType());
            deliver(saga, found.result().eventType(), found.result().payload())
                .onFailure(err -> giveUpWaiting(saga, step));
          } else {
            giveUpWaiting(saga, step);
          }
        });
  }

  /**
   * The step's timeout resolver, if it has one: every fact it finds is kept (the later waits of the saga take theirs
   * when they park), and the first one this wait takes is answered; null if none.
   */
  private <D> Future<SagaRepository.PendingSignal> factAtTimeout(Running<D> saga, StepDefinition<D> step) {
    if (step.timeoutResolver() == null) {
      return Future.succeededFuture();
    }
    Future<List<StepDefinition.Fact>> facts;
    try {
      facts = step.timeoutResolver().factsAtTimeout(saga.data);
    } catch (RuntimeException e) {
      facts = Future.failedFuture(e);
    }
    return facts.timeout(ASK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).compose(found -> {
      Future<Void> kept = Future.succeededFuture();
      Instant now = Instant.now();
      for (StepDefinition.Fact fact : found == null ? List.<StepDefinition.Fact>of() : found) {
        kept = kept.compose(x -> repository.keepSignal(saga.definition.type(), saga.businessKey, fact.eventType(),
            fact.payload(), now));
      }
      return kept.map(x -> (found == null ? List.<StepDefinition.Fact>of() : found).stream()
          .filter(fact -> step.takes(fact.eventType()))
          .map(fact -> new SagaRepository.PendingSignal(fact.eventType(), fact.payload()))
          .findFirst().orElse(null));
    });
  }

  private <D> void giveUpWaiting(Running<D> saga, StepDefinition<D> step) {
    if (stopping || running.get(saga.id) != saga || saga.progress.state() != State.WAITING) {
      return;
    }
    String error = "timed out waiting for " + step.awaitedEvent();
    saga.logs.add(new LogEntry(step.name(), "EVENT", 1, "TIMED_OUT", error, Instant.now(), 0));
    saga.progress.forwardFailed(List.of(), List.of(), error);
    log.info("saga wait timed out id={} step={}", saga.id, step.name());
    checkpoint(saga, "saga.compensating").onSuccess(x -> advance(saga));
  }

  // ---------------------------------------------------------------- mapping

  /** A saga as it stands in its row, ready to run here; null if this coordinator does not know its type. */
  private Running<?> restore(SagaRepository.Instance row) {
    SagaDefinition<?> definition = definitions.get(row.type());
    return definition == null ? null : restore(definition, row);
  }

  private <D> Running<D> restore(SagaDefinition<D> definition, SagaRepository.Instance row) {
    D data = SagaDataCodec.decode(row.data(), definition.dataType());
    SagaProgress progress = SagaProgress.fromJson(row.state(), row.awaitingEvent(), row.lastError(), row.progress());
    Instant lease = row.nextWakeupAt() != null ? row.nextWakeupAt() : Instant.now();
    return new Running<>(row.id(), definition, row.businessKey(), data, progress, row.version(), row.createdAt(), lease);
  }

  private Future<SagaView> view(SagaRepository.Instance row) {
    return repository.log(row.id()).map(entries -> new SagaView()
        .setId(row.id())
        .setSagaType(row.type())
        .setBusinessKey(row.businessKey())
        .setState(row.state().name())
        .setAwaitingEvent(row.awaitingEvent())
        .setLastError(row.lastError())
        .setData(new JsonObject(row.data()))
        .setCreatedAt(row.createdAt().toString())
        .setUpdatedAt(row.updatedAt().toString())
        .setTimeline(new JsonArray(entries.stream().map(e -> new JsonObject()
            .put("step", e.step())
            .put("phase", e.phase())
            .put("attempt", e.attempt())
            .put("outcome", e.outcome())
            .put("error", e.error())
            .put("startedAt", e.startedAt().toString())
            .put("durationMs", e.durationMs())).toList())));
  }

  private static String encode(Object data) {
    return SagaDataCodec.encode(data);
  }

  /**
   * The sagas held here by id, and by type and business key: a courier's fact finds its saga without a scan of all
   * held (hundreds under load, once per fact).
   */
  private static final class HeldSagas {
    private final Map<String, Running<?>> byId = new HashMap<>();
    private final Map<String, Running<?>> byKey = new HashMap<>();

    private static String key(String sagaType, String businessKey) {
      return sagaType + '\u0000' + businessKey;
    }

    void put(String id, Running<?> saga) {
      Running<?> before = byId.put(id, saga);
      if (before != null && before != saga) {
        byKey.remove(key(before.definition.type(), before.businessKey), before);
      }
      byKey.put(key(saga.definition.type(), saga.businessKey), saga);
    }

    Running<?> get(String id) {
      return byId.get(id);
    }

    boolean containsKey(String id) {
      return byId.containsKey(id);
    }

    /** Removes {@code saga} if it is the copy held for {@code id}. */
    boolean remove(String id, Running<?> saga) {
      if (!byId.remove(id, saga)) {
        return false;
      }
      byKey.remove(key(saga.definition.type(), saga.businessKey), saga);
      return true;
    }

    Running<?> heldFor(String sagaType, String businessKey) {
      return byKey.get(key(sagaType, businessKey));
    }

    java.util.Collection<Running<?>> values() {
      return byId.values();
    }

    int size() {
      return byId.size();
    }

    void clear() {
      byId.clear();
      byKey.clear();
    }
  }

  /** A saga this verticle is running: definition, data and progress, and its version and lease as last written. */
  private static final class Running<D> {
    final String id;
    final SagaDefinition<D> definition;
    final String businessKey;
    final D data;
    final SagaProgress progress;
    final Instant startedAt;
    final List<LogEntry> logs = new ArrayList<>();
    long version;
    Instant leaseUntil;
    Instant waitUntil;
    /** The lease the next write must give at least: the step about to run may take longer than the usual lease. */
    Duration leaseAtLeast = Duration.ZERO;
    /** Whether this copy has asked its definition's compensation guard already. */
    boolean guardAsked;
    Future<Void> lastWrite = Future.succeededFuture();
    /** Completes when the forward group this copy is running has ended (every try of its steps). */
    Future<Void> busy = Future.succeededFuture();

    Running(String id, SagaDefinition<D> definition, String businessKey, D data, SagaProgress progress, long version,
            Instant startedAt, Instant leaseUntil) {
      this.id = id;
      this.definition = definition;
      this.businessKey = businessKey;
      this.data = data;
      this.progress = progress;
      this.version = version;
      this.startedAt = startedAt;
      this.leaseUntil = leaseUntil;
    }
  }
}
