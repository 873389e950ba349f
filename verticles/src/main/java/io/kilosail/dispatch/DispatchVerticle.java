package io.kilosail.dispatch;

import io.kilosail.cancel.CancellationPolicy;
import io.kilosail.cancel.Penalties;
import io.kilosail.contracts.courier.CourierCallOutcome;
import io.kilosail.contracts.courier.CourierGateway;
import io.kilosail.contracts.courier.CourierQuoteResult;
import io.kilosail.contracts.courier.CourierState;
import io.kilosail.contracts.courier.DeliveryRequest;
import io.kilosail.contracts.dispatch.DispatchPlan;
import io.kilosail.contracts.dispatch.DispatchRequest;
import io.kilosail.contracts.dispatch.DispatchService;
import io.kilosail.contracts.saga.SagaStep;
import io.kilosail.dispatch.DispatchCommand.ArmTimeout;
import io.kilosail.dispatch.DispatchCommand.Assigned;
import io.kilosail.dispatch.DispatchCommand.Cancel;
import io.kilosail.dispatch.DispatchCommand.Delivered;
import io.kilosail.dispatch.DispatchCommand.NoCourier;
import io.kilosail.dispatch.DispatchCommand.Place;
import io.kilosail.dispatch.DispatchCommand.Released;
import io.kilosail.infra.Clients;
import io.kilosail.infra.Meters;
import io.kilosail.infra.NodeConfig;
import io.kilosail.infra.Proxies;
import io.kilosail.infra.Times;
import io.kilosail.intake.OrderRepository;
import io.kilosail.intake.OrderTimeline;
import io.kilosail.messaging.ConsumerSettings;
import io.kilosail.messaging.DurableTimers;
import io.kilosail.messaging.Envelope;
import io.kilosail.messaging.IdempotentConsumer;
import io.kilosail.messaging.Outbox;
import io.kilosail.platform.settings.InfraSettings;
import io.kilosail.pushback.Pushback;
import io.kilosail.saga.SagaBarrier;
import io.kilosail.saga.SagaSignals;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceBinder;
import io.vertx.serviceproxy.ServiceException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Transaction;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Hosts {@link DispatchService} and drives every {@link Dispatch}: the saga starts and withdraws dispatches through the
 * proxy; courier facts (from the webhooks, on {@code kilosail.order-events}) and acceptance timeouts (durable timers on
 * {@link #TIMER_TOPIC}) arrive through one idempotent consumer.
 *
 * <p>Each fact is one MySQL transaction: lock the dispatch row, let {@link Dispatch} decide, store it, and write the
 * durable effects (timers, saga signals, the order's row and timeline) in the same transaction. The HTTP effects
 * (placing, cancelling at a platform) run after the commit. A node dying between the commit and the request loses at
 * most that request: an unplaced candidate times out into the next one, and a courier that was not cancelled is
 * cancelled again at its next callback (it no longer holds the order, so the webhook reports it as NOT_HOLDER).
 */
public class DispatchVerticle extends VerticleBase implements DispatchService {

  /** Kafka topic of dispatch's own durable timers (acceptance timeouts). */
  public static final String TIMER_TOPIC = "kilosail.dispatch-timers";
  static final String ACCEPTANCE_TIMEOUT = "dispatch.acceptance-timeout";
  static final String PLACEMENT_CHECK = "dispatch.placement-check";

  /** The saga the outcome is signalled to, and its facts. */
  public static final String SAGA_TYPE = "delivery";
  public static final String COURIER_ASSIGNED = "delivery.courier-assigned";
  public static final String NO_COURIER = "delivery.no-courier";
  public static final String DELIVERED = "delivery.delivered";

  private static final String COURIER_STATE_CHANGED = OrderRepository.COURIER_STATE_CHANGED;
  private static final String COURIER_FACT = OrderRepository.COURIER_FACT;
  private static final int CANCEL_ATTEMPTS = 5;
  /** How long a stopping node waits for its placements' answers: above the gateway's own bound on a call. */
  private static final long EFFECTS_DRAIN_MS = 12_000;

  private static final Logger log = LoggerFactory.getLogger(DispatchVerticle.class);

  private DispatchSettings settings;
  private CancellationPolicy cancellation;
  private Pool pool;
  private CourierGateway gateway;
  private MeterRegistry registry;
  private MessageConsumer<JsonObject> binding;
  private IdempotentConsumer facts;
  /** Placements and cancels sent whose outcome is not stored yet (on this verticle's event loop). */
  private int effectsInFlight;

  @Override
  public Future<?> start() {
    settings = DispatchSettings.fromJson(config());
    cancellation = CancellationPolicy.fromJson(config());
    NodeConfig node = NodeConfig.fromJson(config());
    InfraSettings infra = InfraSettings.fromJson(config());
    pool = Clients.mysqlPool(vertx, infra.mysql());
    registry = Meters.registry(node);
    gateway = Proxies.courierGateway(vertx, config());
    binding = new ServiceBinder(vertx).setAddress(ADDRESS).register(DispatchService.class, this);
    facts = IdempotentConsumer.create(vertx, pool, infra, node,
        ConsumerSettings.of("dispatch", OrderRepository.ORDER_EVENTS_TOPIC, TIMER_TOPIC)
            .onlyTypes(ACCEPTANCE_TIMEOUT, PLACEMENT_CHECK, COURIER_STATE_CHANGED, COURIER_FACT), this::onFact);
    return binding.completion().compose(x -> facts.start())
        .onSuccess(x -> log.info("dispatch started defaultStrategy={} priority={} acceptanceTimeoutMs={} rules={}",
            settings.defaultStrategy(), settings.priority(), settings.acceptanceTimeout().toMillis(),
            settings.rules().size()));
  }

  /**
   * Takes no new dispatches or facts, then waits (bounded) for the placements and cancels in flight to get their
   * answers and store them: an answer dropped here would leave the platform holding an order dispatch does not know.
   */
  @Override
  public Future<?> stop() {
    long deadline = System.currentTimeMillis() + EFFECTS_DRAIN_MS;
    return Future.join(binding.unregister(), facts.stop())
        .eventually(() -> effectsDrained(deadline))
        .onComplete(x -> {
          if (effectsInFlight > 0) {
            log.warn("dispatch stopping with {} placements or cancels in flight", effectsInFlight);
          }
        });
  }

  private Future<Void> effectsDrained(long deadlineMillis) {
    if (effectsInFlight == 0 || System.currentTimeMillis() >= deadlineMillis) {
      return Future.succeededFuture();
    }
    return vertx.timer(20).compose(x -> effectsDrained(deadlineMillis));
  }

  // ---------------------------------------------------------------- service

  @Override
  public Future<DispatchPlan> dispatch(SagaStep step, DispatchRequest request) {
    DeliveryRequest delivery = request == null ? null : request.getDelivery();
    if (step == null || delivery == null || delivery.getOrderId() == null) {
      return ServiceException.fail(INVALID_REQUEST, "step, delivery and delivery.orderId are required");
    }
    if (request.getOffers() == null || request.getOffers().isEmpty()) {
      return ServiceException.fail(NO_CANDIDATE, "no courier offers to dispatch order " + delivery.getOrderId() + " to");
    }
    String orderId = delivery.getOrderId();
    DispatchStrategy strategy = settings.strategyFor(request.getFoodPlatform(), delivery.getCityName());
    List<Dispatch.Offer> offers = new ArrayList<>();
    for (CourierQuoteResult q : request.getOffers()) {
      offers.add(new Dispatch.Offer(q.getPlatform(), q.getPriceFen(), q.getEtaSeconds(), q.getQuoteToken()));
    }
    Dispatch dispatch = Dispatch.plan(orderId, strategy, offers, settings.priority(),
        settings.acceptanceTimeout().toMillis());
    DispatchPlan plan = new DispatchPlan().setOrderId(orderId).setStrategy(strategy.name())
        .setCandidates(dispatch.candidates().stream().map(Dispatch.Candidate::platform).toList());
    List<DispatchCommand> afterCommit = new ArrayList<>();
    JsonObject stored = delivery.toJson();
    stored.remove("quoteToken");
    return pool.withTransaction(conn -> SagaBarrier.action(conn, step, () -> {
          Instant now = Instant.now();
          List<DispatchCommand> commands = dispatch.start();
          return DispatchRepository.insert(conn, dispatch, step.getSagaId(), stored, now)
              .compose(x -> conn.preparedQuery("UPDATE delivery_order SET state = 'DISPATCHING', updated_at = ?,"
                  + " version = version + 1 WHERE id = ? AND state = 'CREATED'").execute(Tuple.of(Times.toDb(now), orderId)))
              // The order moved: its event, for whoever follows the order (the status push-back).
              .compose(rows -> rows.rowCount() == 0 ? Future.<Void>succeededFuture()
                  : Outbox.add(conn, OrderRepository.ORDER_EVENTS_TOPIC, Envelope.create(OrderRepository.ORDER_DISPATCHING, "order",
                      orderId, new JsonObject().put("orderId", orderId).put("strategy", strategy.name())
                          .put("at", now.toString())))
                      .compose(x -> Pushback.mark(conn, orderId, now)))
              .compose(x -> OrderTimeline.add(conn, orderId, "DISPATCHING", now, "dispatch",
                  strategy + ": " + String.join(", ", plan.getCandidates())))
              .compose(x -> durableEffects(conn, dispatch, commands, now, 1))
              .onSuccess(afterCommit::addAll);
        }))
        .onSuccess(first -> {
          if (first) {
            count("started", strategy.name());
            log.info("dispatch started orderId={} strategy={} candidates={}", orderId, strategy, plan.getCandidates());
          }
          send(dispatch.orderId(), stored, afterCommit);
        })
        .map(plan);
  }

  @Override
  public Future<Void> withdraw(SagaStep step, String orderId, String reason) {
    if (step == null || orderId == null) {
      return ServiceException.fail(INVALID_REQUEST, "step and orderId are required");
    }
    List<DispatchCommand> afterCommit = new ArrayList<>();
    JsonObject[] delivery = new JsonObject[1];
    return pool.withTransaction(conn -> SagaBarrier.compensation(conn, step, () ->
            transition(conn, orderId, d -> d.withdraw(reason == null ? "order called off" : reason))
                .onSuccess(done -> {
                  if (done != null) {
                    delivery[0] = done.delivery();
                    afterCommit.addAll(done.afterCommit());
                  }
                })))
        .onSuccess(x -> {
          if (delivery[0] != null) {
            log.info("dispatch withdrawn orderId={} reason={}", orderId, reason);
            send(orderId, delivery[0], afterCommit);
          }
        })
        .mapEmpty();
  }

  // ---------------------------------------------------------------- facts

  private Future<Void> onFact(SqlConnection conn, Envelope fact) {
    JsonObject p = fact.payload();
    String orderId = fact.aggregateId();
    Function<Dispatch, List<DispatchCommand>> decide = switch (fact.type()) {
      case ACCEPTANCE_TIMEOUT -> d -> d.timedOut(p.getInteger("round"));
      case PLACEMENT_CHECK -> d -> d.placementCheck(p.getString("platform"), p.getInteger("round"));
      case COURIER_STATE_CHANGED -> stateChanged(p);
      case COURIER_FACT -> courierFact(p);
      default -> null;
    };
    if (decide == null) {
      return Future.succeededFuture();
    }
    int checkAttempt = PLACEMENT_CHECK.equals(fact.type()) ? p.getInteger("attempt", 1) + 1 : 1;
    return transition(conn, orderId, decide, checkAttempt).compose(done -> {
      if (done != null && !done.afterCommit().isEmpty()) {
        // The inbox's transaction commits after this handler: send only once it did.
        Transaction tx = conn.transaction();
        if (tx != null) {
          tx.completion().onSuccess(x -> send(orderId, done.delivery(), done.afterCommit()));
        } else {
          send(orderId, done.delivery(), done.afterCommit());
        }
      }
      return Future.succeededFuture();
    });
  }

  /** An order state the webhook applied: a claim (first courier state with nobody holding it), a delivery, a cancel. */
  private static Function<Dispatch, List<DispatchCommand>> stateChanged(JsonObject p) {
    String platform = p.getString("platform");
    String platformOrderId = p.getString("platformOrderId");
    CourierState from = CourierState.valueOf(p.getString("from"));
    CourierState to = CourierState.valueOf(p.getString("to"));
    // The webhook made this platform the holder on the order's row: dispatch follows the row.
    boolean claims = p.getBoolean("claims", !from.isAfter(CourierState.CREATED) && to != CourierState.CANCELLED);
    return d -> {
      List<DispatchCommand> commands = new ArrayList<>();
      if (claims) {
        commands.addAll(d.claimed(platform, platformOrderId));
      }
      if (to == CourierState.DELIVERED) {
        commands.addAll(d.delivered(platform));
      } else if (to == CourierState.CANCELLED) {
        commands.addAll(d.holderCancelled(platform, "raw status " + p.getString("rawStatus")));
      }
      return commands;
    };
  }

  /** A callback the webhook did not apply to the order but that dispatch must act on. */
  private static Function<Dispatch, List<DispatchCommand>> courierFact(JsonObject p) {
    String platform = p.getString("platform");
    String platformOrderId = p.getString("platformOrderId");
    CourierState callbackState = CourierState.valueOf(p.getString("callbackState"));
    return switch (p.getString("outcome")) {
      case "GAVE_UP" -> d -> d.gaveUp(platform);
      case "DROPPED" -> d -> d.dropped(platform, platform + " dropped the order (raw status " + p.getString("rawStatus")
          + ")");
      // A loser's late acceptance or progress: call it off. A loser's own end (its cancel) needs nothing.
      case "NOT_HOLDER" -> callbackState.isTerminal() ? null : d -> d.notHolder(platform, platformOrderId);
      default -> null;
    };
  }

  /** What one transition left to do after its commit. */
  private record Done(JsonObject delivery, List<DispatchCommand> afterCommit) {
  }

  /** Locks the dispatch, applies {@code decide}, stores it with its durable effects; null when there is no dispatch. */
  private Future<Done> transition(SqlConnection conn, String orderId, Function<Dispatch, List<DispatchCommand>> decide) {
    return transition(conn, orderId, decide, 1);
  }

  /** @param checkAttempt the number of the placement check armed for each placement this transition sends */
  private Future<Done> transition(SqlConnection conn, String orderId, Function<Dispatch, List<DispatchCommand>> decide,
                                  int checkAttempt) {
    if (decide == null) {
      return Future.succeededFuture();
    }
    return DispatchRepository.lock(conn, orderId).compose(stored -> {
      if (stored == null) {
        return Future.succeededFuture();
      }
      Dispatch dispatch = stored.dispatch();
      Dispatch.State before = dispatch.state();
      return OrderRepository.holding(conn, orderId).compose(order -> {
        List<DispatchCommand> commands = new ArrayList<>(followOrder(dispatch, order));
        commands.addAll(decide.apply(dispatch));
        return store(conn, stored, before, commands, checkAttempt);
      });
    });
  }

  /**
   * What the order's own row says first: a courier the webhook made holder, or an order that already ended, wins over
   * whatever dispatch believed, so dispatch never places an order that is held, delivered or cancelled.
   */
  private static List<DispatchCommand> followOrder(Dispatch dispatch, OrderRepository.Holding order) {
    if (order == null) {
      return List.of();
    }
    List<DispatchCommand> commands = new ArrayList<>();
    if (order.courierPlatform() != null) {
      commands.addAll(dispatch.claimed(order.courierPlatform(), order.courierOrderId()));
    }
    if (order.ended()) {
      commands.addAll(dispatch.orderEnded(order.state()));
    }
    return commands;
  }

  private Future<Done> store(SqlConnection conn, DispatchRepository.Stored stored, Dispatch.State before,
                             List<DispatchCommand> commands, int checkAttempt) {
    Dispatch dispatch = stored.dispatch();
    if (dispatch.state() != before) {
      count(dispatch.state().name().toLowerCase(), dispatch.strategy().name());
    }
    Instant now = Instant.now();
    return DispatchRepository.save(conn, stored, now)
        .compose(x -> durableEffects(conn, dispatch, commands, now, checkAttempt))
        .map(afterCommit -> new Done(stored.delivery(), afterCommit));
  }

  /** Writes the commands that must commit with the transition; answers the ones to send after the commit. */
  private Future<List<DispatchCommand>> durableEffects(SqlConnection conn, Dispatch d, List<DispatchCommand> commands,
                                                       Instant now, int checkAttempt) {
    List<DispatchCommand> afterCommit = new ArrayList<>();
    Future<Void> chain = Future.succeededFuture();
    String orderId = d.orderId();
    for (DispatchCommand command : commands) {
      if (command instanceof Place place) {
        afterCommit.add(command);
        if (checkAttempt <= settings.placementChecks()) {
          chain = chain.compose(x -> armPlacementCheck(conn, orderId, place.platform(), d.round(), checkAttempt, now));
        }
      } else if (command instanceof Cancel) {
        afterCommit.add(command);
      } else {
        chain = chain.compose(x -> durableEffect(conn, d.orderId(), command, now));
      }
    }
    return chain.map(afterCommit);
  }

  private Future<Void> durableEffect(SqlConnection conn, String orderId, DispatchCommand command, Instant now) {
    if (command instanceof ArmTimeout arm) {
      return DurableTimers.schedule(conn, timerKeyPrefix(orderId) + arm.round(), now.plusMillis(arm.afterMs()),
              TIMER_TOPIC, Envelope.create(ACCEPTANCE_TIMEOUT, "order", orderId,
                  new JsonObject().put("orderId", orderId).put("round", arm.round())))
          .mapEmpty();
    }
    if (command instanceof Assigned assigned) {
      // A courier holds the order: the round's acceptance timeout and the placement checks have nothing left to do.
      return DurableTimers.cancelMatching(conn, timerKeyPrefix(orderId) + "%")
          .compose(x -> signal(conn, orderId, COURIER_ASSIGNED, new JsonObject().put("platform", assigned.platform())
              .put("platformOrderId", assigned.platformOrderId()).put("priceFen", assigned.priceFen())));
    }
    if (command instanceof Delivered delivered) {
      return signal(conn, orderId, DELIVERED, new JsonObject().put("platform", delivered.platform()));
    }
    if (command instanceof NoCourier none) {
      log.info("dispatch found no courier orderId={} reason={}", orderId, none.reason());
      return signal(conn, orderId, NO_COURIER, new JsonObject().put("reason", none.reason()));
    }
    if (command instanceof Released released) {
      // Only a courier still on its way to the shop can be replaced; the order then has no holder until the next
      // candidate's courier accepts.
      return conn.preparedQuery("UPDATE delivery_order SET state = 'DISPATCHING', courier_platform = NULL,"
              + " courier_order_id = NULL, courier_fee_fen = NULL, courier_name = NULL, courier_phone = NULL,"
              + " updated_at = ?, version = version + 1"
              + " WHERE id = ? AND courier_platform = ? AND state IN ('ACCEPTED', 'ARRIVED_AT_SHOP')")
          .execute(Tuple.of(Times.toDb(now), orderId, released.platform()))
          .compose(rows -> rows.rowCount() == 0 ? Future.succeededFuture()
              : OrderTimeline.add(conn, orderId, "DISPATCHING", now, "dispatch",
                  "the " + released.platform() + " courier gave the order up; next candidate")
                  .compose(x -> Outbox.add(conn, OrderRepository.ORDER_EVENTS_TOPIC, Envelope.create(
                      OrderRepository.ORDER_DISPATCHING, "order", orderId, new JsonObject().put("orderId", orderId)
                          .put("releasedBy", released.platform()).put("at", now.toString()))))
                  .compose(x -> Pushback.mark(conn, orderId, now)));
    }
    return Future.failedFuture(new IllegalStateException("unhandled dispatch command " + command));
  }

  /**
   * The placement is sent after the commit; if its answer is not stored by then (lost, or this node died first), the
   * check sends it again. Committed with the placement's decision, so a node dying in between loses nothing.
   */
  private Future<Void> armPlacementCheck(SqlConnection conn, String orderId, String platform, int round, int attempt,
                                         Instant now) {
    return DurableTimers.schedule(conn, timerKeyPrefix(orderId) + round + ":" + platform + ":check" + attempt,
            now.plus(settings.placementCheck()), TIMER_TOPIC, Envelope.create(PLACEMENT_CHECK, "order", orderId,
                new JsonObject().put("orderId", orderId).put("platform", platform).put("round", round)
                    .put("attempt", attempt)))
        .mapEmpty();
  }

  private Future<Void> disarmPlacementChecks(SqlConnection conn, String orderId, String platform) {
    return DurableTimers.cancelMatching(conn, timerKeyPrefix(orderId) + "%:" + platform + ":check%");
  }

  /** Every dispatch timer of the order (acceptance timeouts, placement checks) has a key starting so. */
  private static String timerKeyPrefix(String orderId) {
    return "dispatch:" + orderId + ":";
  }

  private static Future<Void> signal(SqlConnection conn, String orderId, String type, JsonObject payload) {
    return Outbox.add(conn, SagaSignals.TOPIC, SagaSignals.envelope(SAGA_TYPE, orderId, type,
        payload.put("orderId", orderId)));
  }

  // ---------------------------------------------------------------- HTTP effects, after commit

  private void send(String orderId, JsonObject delivery, List<DispatchCommand> commands) {
    for (DispatchCommand command : commands) {
      if (command instanceof Place place) {
        place(orderId, delivery, place);
      } else if (command instanceof Cancel cancel) {
        cancel(orderId, cancel, 1);
      }
    }
  }

  private void place(String orderId, JsonObject delivery, Place place) {
    DeliveryRequest request = new DeliveryRequest(delivery.copy()).setQuoteToken(place.quoteToken());
    effectsInFlight++;
    gateway.placeOrder(place.platform(), request).onComplete(ar -> {
      Function<Dispatch, List<DispatchCommand>> decide;
      if (ar.succeeded()) {
        count("place-succeeded", place.platform());
        log.debug("dispatch placed orderId={} platform={} platformOrderId={}", orderId, place.platform(),
            ar.result().getPlatformOrderId());
        decide = d -> d.placed(place.platform(), ar.result().getPlatformOrderId());
      } else if (!place.again() && CourierCallOutcome.certainlyFailed(ar.cause())) {
        count("place-failed", place.platform());
        log.info("dispatch placing failed orderId={} platform={} error={}", orderId, place.platform(),
            ar.cause().getMessage());
        decide = d -> d.placeFailed(place.platform(), ar.cause().getMessage());
      } else {
        count("place-unknown", place.platform());
        log.warn("dispatch placing outcome unknown orderId={} platform={} error={}; the platform may hold the order:"
            + " asked again, then its callback or the acceptance timeout decides", orderId, place.platform(),
            ar.cause().toString());
        // Asked again at once (the bus picks another gateway node if this one died): the platform answers with the
        // order it holds, or takes it now. A repeat that fails too is left to the durable placement check.
        decide = d -> {
          List<DispatchCommand> commands = new ArrayList<>(d.placementUnknown(place.platform(),
              ar.cause().getMessage()));
          if (!place.again()) {
            commands.addAll(d.placementCheck(place.platform(), d.round()));
          }
          return commands;
        };
      }
      List<DispatchCommand> next = new ArrayList<>();
      pool.withTransaction(conn -> transition(conn, orderId, decide)
              .onSuccess(done -> {
                if (done != null) {
                  next.addAll(done.afterCommit());
                }
              })
              // Answered: its placement checks have nothing left to find (one UPDATE each, instead of a firing).
              .compose(done -> ar.succeeded() && done != null ? disarmPlacementChecks(conn, orderId, place.platform())
                  : Future.succeededFuture()))
          .onSuccess(x -> send(orderId, delivery, next))
          .onComplete(x -> effectsInFlight--)
          // The placement's outcome is lost; the acceptance timeout moves the dispatch on.
          .onFailure(err -> log.warn("dispatch placement outcome not stored orderId={} platform={} error={}", orderId,
              place.platform(), err.toString()));
    });
  }

  /** Cancelling is retried a few times while the platform is down; a refusal means it has already ended there. */
  private void cancel(String orderId, Cancel cancel, int attempt) {
    effectsInFlight++;
    gateway.cancel(cancel.platform(), orderId, cancel.platformOrderId(), cancel.reason()).onComplete(ar -> {
      effectsInFlight--;
      if (ar.succeeded()) {
        count("cancel-succeeded", cancel.platform());
        Penalties.courierCancelled(pool, cancellation, orderId, cancel.platform(), ar.result().getPenaltyFen())
            .onSuccess(p -> log.info("dispatch cancelled orderId={} platform={} platformOrderId={} reason={}"
                    + " courierState={} penaltyFen={} ({})", orderId, cancel.platform(), cancel.platformOrderId(),
                cancel.reason(), p.courierState(), p.penaltyFen(), p.stated() ? "stated by the platform" : "table"))
            // The platform has cancelled; only our record of its charge is missing, and the log says how much.
            .onFailure(err -> log.error("courier penalty not recorded orderId={} platform={} statedPenaltyFen={}"
                + " error={}", orderId, cancel.platform(), ar.result().getPenaltyFen(), err.toString()));
        return;
      }
      boolean refused = ar.cause() instanceof ServiceException e && e.failureCode() == CourierGateway.REJECTED;
      if (refused || attempt >= CANCEL_ATTEMPTS) {
        count(refused ? "cancel-refused" : "cancel-failed", cancel.platform());
        log.warn("dispatch cancel {} orderId={} platform={} platformOrderId={} attempts={} error={}",
            refused ? "refused" : "gave up", orderId, cancel.platform(), cancel.platformOrderId(), attempt,
            ar.cause().getMessage());
        return;
      }
      vertx.setTimer(500L << attempt, t -> cancel(orderId, cancel, attempt + 1));
    });
  }

  private void count(String event, String tag) {
    Counter.builder("kilosail.dispatch.events").tag("event", event).tag("tag", tag).register(registry).increment();
  }
}
