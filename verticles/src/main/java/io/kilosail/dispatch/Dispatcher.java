package io.kilosail.dispatch;

import static io.kilosail.contracts.saga.DeliverySagaSignals.RETURNED;
import static io.kilosail.contracts.saga.DeliverySagaSignals.DELIVERED;
import static io.kilosail.contracts.saga.DeliverySagaSignals.NO_COURIER;
import static io.kilosail.contracts.saga.DeliverySagaSignals.COURIER_ASSIGNED;
import static io.kilosail.contracts.saga.DeliverySagaSignals.SAGA_TYPE;
import io.kilosail.cancel.CancellationPolicy;
import io.kilosail.cancel.Penalties;
import io.kilosail.contracts.courier.CourierCallOutcome;
import io.kilosail.contracts.courier.CourierGateway;
import io.kilosail.contracts.courier.CourierOrderLookup;
import io.kilosail.contracts.courier.CourierPlacement;
import io.kilosail.contracts.courier.CourierState;
import io.kilosail.contracts.courier.DeliveryRequest;
import io.kilosail.contracts.events.OrderEvents;
import io.kilosail.contracts.events.Topics;
import io.kilosail.dispatch.DispatchCommand.AddTip;
import io.kilosail.dispatch.DispatchCommand.ArmTimeout;
import io.kilosail.dispatch.DispatchCommand.Assigned;
import io.kilosail.dispatch.DispatchCommand.Cancel;
import io.kilosail.dispatch.DispatchCommand.Delivered;
import io.kilosail.dispatch.DispatchCommand.NoCourier;
import io.kilosail.dispatch.DispatchCommand.Place;
import io.kilosail.dispatch.DispatchCommand.Released;
import io.kilosail.dispatch.DispatchCommand.Returned;
import io.kilosail.dispatch.DispatchCommand.TipAdded;
import io.kilosail.messaging.DurableTimers;
import io.kilosail.messaging.Envelope;
import io.kilosail.order.OrderRepository;
import io.kilosail.order.OrderTransitions;
import io.kilosail.quote.MarginPolicy;
import io.kilosail.quote.QuoteRules;
import io.kilosail.quote.TipPolicy;
import io.kilosail.saga.SagaSignals;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Transaction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Applies facts to an order's {@link Dispatch}, wherever the fact arrives: the courier webhook applies a callback in
 * its own transaction ({@link #courierCallback}), the {@link DispatchVerticle} applies the saga's commands and the
 * dispatch's timers. Each fact is one transition in the caller's MySQL transaction: lock the order's row and the
 * dispatch's, let {@link Dispatch} decide, store what changed, and write the durable effects (timers, saga facts, the
 * order's row and timeline) in that same transaction. The HTTP effects (placing, cancelling at a platform) are sent
 * once it has committed. A node dying between the commit and the request loses at most that request: a placement's
 * durable check sends it again, and a courier that was not cancelled is cancelled again at its next callback (it no
 * longer holds the order, so the webhook reports it as NOT_HOLDER).
 */
public final class Dispatcher {

  static final String ACCEPTANCE_TIMEOUT = "dispatch.acceptance-timeout";
  static final String PLACEMENT_CHECK = "dispatch.placement-check";

  private static final int CANCEL_ATTEMPTS = 5;
  /** A tip whose answer never came is asked again at once this many times; after that the next timeout sends it. */
  private static final int TIP_ATTEMPTS = 3;
  /**
   * The platforms whose wire has a tip call (UuWire.addTip); the gateway answers the others NOT_SUPPORTED, so they are
   * not even tried: an order with them writes nothing for tips.
   */
  static final Set<String> TIP_PLATFORMS = Set.of("uu");
  private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);

  private final Vertx vertx;
  private final Pool pool;
  private final CourierGateway gateway;
  private final DispatchSettings settings;
  private final CancellationPolicy cancellation;
  private final MeterRegistry registry;
  /** Placements and cancels sent whose outcome is not stored yet (on the owner's event loop). */
  private int effectsInFlight;
  /** The quoting rules in force (their tips and margins bound a tip round); null: no tips. */
  private Supplier<QuoteRules> tipRules;

  public Dispatcher(Vertx vertx, Pool pool, CourierGateway gateway, DispatchSettings settings,
                    CancellationPolicy cancellation, MeterRegistry registry) {
    this.vertx = vertx;
    this.pool = pool;
    this.gateway = gateway;
    this.settings = settings;
    this.cancellation = cancellation;
    this.registry = registry;
  }

  /** The couriers' default accounts, for charging a placement to its prepaid balance; none: nothing is charged. */
  private io.kilosail.shop.ShopSettings accounts;

  /** Charges each first placement to its courier account's prepaid balance (see {@link #place}). */
  public Dispatcher chargingBalances(io.kilosail.shop.ShopSettings accounts) {
    this.accounts = accounts;
    return this;
  }

  DispatchSettings settings() {
    return settings;
  }

  /** Lets the acceptance timeout add tips by the quoting rules {@code rules} supplies (their tips and margins). */
  public Dispatcher tipsFrom(Supplier<QuoteRules> rules) {
    this.tipRules = rules;
    return this;
  }

  /** Placements and cancels sent whose answer is not stored yet; a stopping node waits for them (bounded). */
  public int effectsInFlight() {
    return effectsInFlight;
  }

  /** Completes once no placement or cancel is in flight, or at {@code deadlineMillis}. */
  public Future<Void> drained(long deadlineMillis) {
    if (effectsInFlight == 0 || System.currentTimeMillis() >= deadlineMillis) {
      return Future.succeededFuture();
    }
    return vertx.timer(20).compose(x -> drained(deadlineMillis));
  }

  /**
   * A courier callback the webhook has just applied to the order's row, in the webhook's transaction {@code conn}:
   * {@code eventType} and {@code payload} are the callback's decision as {@code CourierCallbackRules} states it (a
   * state change, or a fact that moved nothing). Moves the dispatch in the same transaction; what it must send (the
   * next placement, cancelling a loser) goes out once that transaction has committed.
   */
  public Future<Void> courierCallback(SqlConnection conn, String orderId, String eventType, JsonObject payload) {
    Function<Dispatch, List<DispatchCommand>> decide = switch (eventType) {
      case OrderEvents.COURIER_STATE_CHANGED -> stateChanged(payload);
      case OrderEvents.COURIER_FACT -> courierFact(payload);
      default -> null;
    };
    return transition(conn, orderId, decide).map(done -> {
      afterCommit(conn, orderId, done);
      return null;
    });
  }

  /** Sends what {@code done} left to do once the transaction {@code conn} is in has committed. */
  void afterCommit(SqlConnection conn, String orderId, Done done) {
    if (done == null || done.afterCommit().isEmpty()) {
      return;
    }
    Transaction tx = conn.transaction();
    if (tx != null) {
      tx.completion().onSuccess(x -> send(orderId, done.delivery(), done.afterCommit()));
    } else {
      send(orderId, done.delivery(), done.afterCommit());
    }
  }

  /** An order state the webhook applied: a claim (first courier state with nobody holding it), a delivery, a cancel. */
  static Function<Dispatch, List<DispatchCommand>> stateChanged(JsonObject p) {
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
      } else if (to == CourierState.RETURNED) {
        commands.addAll(d.returned(platform));
      } else if (to == CourierState.CANCELLED) {
        commands.addAll(d.holderCancelled(platform, "raw status " + p.getString("rawStatus")));
      }
      return commands;
    };
  }

  /** A callback the webhook did not apply to the order but that dispatch must act on. */
  static Function<Dispatch, List<DispatchCommand>> courierFact(JsonObject p) {
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
  record Done(JsonObject delivery, List<DispatchCommand> afterCommit) {
  }

  /** Locks the dispatch, applies {@code decide}, stores it with its durable effects; null when there is no dispatch. */
  Future<Done> transition(SqlConnection conn, String orderId, Function<Dispatch, List<DispatchCommand>> decide) {
    return transition(conn, orderId, decide, 1);
  }

  /** @param checkAttempt the number of the placement check armed for each placement this transition sends */
  Future<Done> transition(SqlConnection conn, String orderId, Function<Dispatch, List<DispatchCommand>> decide,
                          int checkAttempt) {
    return transition(conn, orderId, decide == null ? null : (d, order, delivery) -> decide.apply(d), checkAttempt);
  }

  /** A decision that also reads the order's locked row and the stored delivery (a tip round needs both). */
  interface Decide {
    List<DispatchCommand> apply(Dispatch dispatch, OrderRepository.Holding order, JsonObject delivery);
  }

  Future<Done> transition(SqlConnection conn, String orderId, Decide decide, int checkAttempt) {
    if (decide == null) {
      return Future.succeededFuture();
    }
    // The order's row first, then the dispatch's: the courier webhook locks them in this order too (it applies its
    // callback to both in one transaction), so the two never wait on each other the other way round.
    return OrderRepository.holding(conn, orderId).compose(order -> DispatchRepository.lock(conn, orderId)
        .compose(stored -> {
          if (stored == null) {
            return Future.succeededFuture();
          }
          Dispatch dispatch = stored.dispatch();
          Dispatch.State before = dispatch.state();
          List<DispatchCommand> commands = new ArrayList<>(followOrder(dispatch, order));
          commands.addAll(decide.apply(dispatch, order, stored.delivery()));
          return store(conn, stored, before, commands, checkAttempt, order);
        }));
  }

  /**
   * How this order's acceptance timeout may tip (see {@link Dispatch#timedOut(int, Dispatch.Tipping)}): the quoting
   * rules' tip rule for its food platform and city, under the ceiling its margin rule sets for the one live
   * placement's fee (the cap, or the fee plus the allowed loss when that courier was taken below the floor).
   */
  Dispatch.Tipping tipping(Dispatch d, OrderRepository.Holding order, JsonObject delivery) {
    QuoteRules rules = tipRules == null ? null : tipRules.get();
    if (rules == null || order == null || delivery == null) {
      return Dispatch.Tipping.NONE;
    }
    String city = rules.normalizeCity(delivery.getString("cityName"));
    TipPolicy.Rule rule = rules.tips().rule(order.foodPlatform(), city);
    List<Dispatch.Candidate> live = d.candidates().stream().filter(c -> c.status().live()).toList();
    if (rule == null || live.size() != 1) {
      return Dispatch.Tipping.NONE;
    }
    // The margin rule as quoting found it: judged with a price of 0, which every rule lets through.
    MarginPolicy.Rule margin = rules.margins().judge(order.foodPlatform(), city, order.deliveryFeeFen(),
        List.of(0L), p -> p).rule();
    Long fee = order.deliveryFeeFen();
    boolean belowFloor = margin != null && fee != null && live.get(0).feeFen() > margin.capFen(fee)
        && margin.whenNoCourierFits() == MarginPolicy.WhenNoCourierFits.ALLOW_LOSS;
    return new Dispatch.Tipping(rule, TipPolicy.ceilingFen(margin, fee, belowFloor), TIP_PLATFORMS);
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
                             List<DispatchCommand> commands, int checkAttempt, OrderRepository.Holding order) {
    Dispatch dispatch = stored.dispatch();
    if (dispatch.state() != before) {
      count(dispatch.state().name().toLowerCase(), dispatch.strategy().name());
    }
    Instant now = Instant.now();
    return DispatchRepository.save(conn, stored, now)
        .compose(x -> durableEffects(conn, dispatch, commands, now, checkAttempt, order))
        .map(afterCommit -> new Done(stored.delivery(), afterCommit));
  }

  /**
   * Writes the commands that must commit with the transition; answers the ones to send after the commit.
   * {@code order}: the order's row as the transition locked it, null when there is none.
   */
  Future<List<DispatchCommand>> durableEffects(SqlConnection conn, Dispatch d, List<DispatchCommand> commands,
                                               Instant now, int checkAttempt, OrderRepository.Holding order) {
    List<DispatchCommand> afterCommit = new ArrayList<>();
    // The transition's timers (a placement's check, the round's acceptance timeout) go in one statement at the end.
    List<DurableTimers.Timer> timers = new ArrayList<>();
    Future<Void> chain = Future.succeededFuture();
    String orderId = d.orderId();
    for (DispatchCommand command : commands) {
      if (command instanceof Place place) {
        afterCommit.add(command);
        if (checkAttempt <= settings.placementChecks()) {
          timers.add(placementCheck(orderId, place.platform(), d.round(), checkAttempt, now));
        }
      } else if (command instanceof Cancel || command instanceof AddTip || command instanceof TipAdded) {
        afterCommit.add(command);
      } else if (command instanceof ArmTimeout arm) {
        timers.add(new DurableTimers.Timer(timerKeyPrefix(orderId) + arm.round(), now.plusMillis(arm.afterMs()),
            Topics.DISPATCH_TIMERS, Envelope.create(ACCEPTANCE_TIMEOUT, "order", orderId,
                new JsonObject().put("orderId", orderId).put("round", arm.round()))));
      } else {
        chain = chain.compose(x -> durableEffect(conn, d.orderId(), command, now, order));
      }
    }
    return chain.compose(x -> DurableTimers.scheduleAll(conn, timers)).map(afterCommit);
  }

  private Future<Void> durableEffect(SqlConnection conn, String orderId, DispatchCommand command, Instant now,
                                     OrderRepository.Holding order) {
    if (command instanceof Assigned assigned) {
      // A courier holds the order: the round's acceptance timeout and the placement checks have nothing left to do.
      return DurableTimers.cancelMatching(conn, timerKeyPrefix(orderId) + "%")
          .compose(x -> signal(conn, orderId, COURIER_ASSIGNED, new JsonObject().put("platform", assigned.platform())
              .put("platformOrderId", assigned.platformOrderId()).put("priceFen", assigned.priceFen())));
    }
    if (command instanceof Delivered delivered) {
      return signal(conn, orderId, DELIVERED, new JsonObject().put("platform", delivered.platform()));
    }
    if (command instanceof Returned returned) {
      return signal(conn, orderId, RETURNED, new JsonObject().put("platform", returned.platform()));
    }
    if (command instanceof NoCourier none) {
      log.info("dispatch found no courier orderId={} reason={}", orderId, none.reason());
      return signal(conn, orderId, NO_COURIER, new JsonObject().put("reason", none.reason()));
    }
    if (command instanceof Released released) {
      // The order's row was locked by this transition and nothing else moved it since.
      return order == null ? Future.succeededFuture()
          : OrderRepository.apply(conn, orderId, OrderTransitions.released(order.orderState(), released.platform(), now),
              now).mapEmpty();
    }
    return Future.failedFuture(new IllegalStateException("unhandled dispatch command " + command));
  }

  /**
   * The placement is sent after the commit; if its answer is not stored by then (lost, or this node died first), the
   * check sends it again. Committed with the placement's decision, so a node dying in between loses nothing.
   */
  private DurableTimers.Timer placementCheck(String orderId, String platform, int round, int attempt, Instant now) {
    return new DurableTimers.Timer(timerKeyPrefix(orderId) + round + ":" + platform + ":check" + attempt,
        now.plus(settings.placementCheck()), Topics.DISPATCH_TIMERS, Envelope.create(PLACEMENT_CHECK, "order", orderId,
            new JsonObject().put("orderId", orderId).put("platform", platform).put("round", round)
                .put("attempt", attempt)));
  }

  private Future<Void> disarmPlacementChecks(SqlConnection conn, String orderId, String platform) {
    return DurableTimers.cancelMatching(conn, timerKeyPrefix(orderId) + "%:" + platform + ":check%");
  }

  /** Every dispatch timer of the order (acceptance timeouts, placement checks) has a key starting so. */
  private static String timerKeyPrefix(String orderId) {
    return "dispatch:" + orderId + ":";
  }

  private static Future<Void> signal(SqlConnection conn, String orderId, String type, JsonObject payload) {
    return SagaSignals.keep(conn, SAGA_TYPE, orderId, type, payload.put("orderId", orderId));
  }

  // ---------------------------------------------------------------- HTTP effects, after commit

  void send(String orderId, JsonObject delivery, List<DispatchCommand> commands) {
    for (DispatchCommand command : commands) {
      if (command instanceof Place place) {
        place(orderId, delivery, place);
      } else if (command instanceof Cancel cancel) {
        cancel(orderId, ownAccount(delivery, cancel.platform()), cancel, 1);
      } else if (command instanceof AddTip tip) {
        tip(orderId, delivery, tip, 1);
      } else if (command instanceof TipAdded added) {
        Counter.builder("kilosail.tips").description("Tips the courier platforms confirmed")
            .tag("platform", added.platform()).register(registry).increment();
        Counter.builder("kilosail.tips.fen").description("Fen of tips the courier platforms confirmed")
            .tag("platform", added.platform()).register(registry).increment(added.tipFen());
        log.info("dispatch tip added orderId={} platform={} round={} tipFen={} totalTipFen={}", orderId,
            added.platform(), added.tipRound(), added.tipFen(), added.totalFen());
      }
    }
  }

  /**
   * Sends one tip round under its key. A refusal (a courier took the order meanwhile, no tip call) adds nothing; an
   * answer that never came is asked again under the same key, so the platform counts it once, a few times at once and
   * then at the next acceptance timeout (the round stays pending in the placement's row). Sent under the account the
   * order was placed with: the platform knows the order under no other.
   */
  private void tip(String orderId, JsonObject delivery, AddTip tip, int attempt) {
    effectsInFlight++;
    gateway.addTip(tip.platform(), ownAccount(delivery, tip.platform()), orderId, tip.platformOrderId(), tip.tipFen(),
        tip.key()).onComplete(ar -> {
      Function<Dispatch, List<DispatchCommand>> decide;
      if (ar.succeeded()) {
        decide = d -> d.tipConfirmed(tip.platform(), tip.tipRound(), ar.result().getTotalTipFen());
      } else if (CourierCallOutcome.certainlyFailed(ar.cause())
          || ar.cause() instanceof ServiceException e && e.failureCode() == CourierGateway.NOT_SUPPORTED) {
        count("tip-refused", tip.platform());
        log.info("dispatch tip refused orderId={} platform={} round={} tipFen={} error={}", orderId, tip.platform(),
            tip.tipRound(), tip.tipFen(), ar.cause().getMessage());
        decide = d -> d.tipRefused(tip.platform(), tip.tipRound(), ar.cause().getMessage());
      } else {
        effectsInFlight--;
        count("tip-unknown", tip.platform());
        log.warn("dispatch tip outcome unknown orderId={} platform={} round={} key={} attempt={} error={}", orderId,
            tip.platform(), tip.tipRound(), tip.key(), attempt, ar.cause().toString());
        if (attempt < TIP_ATTEMPTS) {
          vertx.setTimer(500L << attempt, t -> tip(orderId, delivery, tip, attempt + 1));
        }
        return;
      }
      List<DispatchCommand> next = new ArrayList<>();
      pool.withTransaction(conn -> transition(conn, orderId, decide)
              .onSuccess(done -> {
                if (done != null) {
                  next.addAll(done.afterCommit());
                }
              }))
          .onSuccess(x -> send(orderId, delivery, next))
          .onComplete(x -> effectsInFlight--)
          // Still pending in the row: the next acceptance timeout sends it again under its key.
          .onFailure(err -> log.warn("dispatch tip outcome not stored orderId={} platform={} round={} error={}",
              orderId, tip.platform(), tip.tipRound(), err.toString()));
    });
  }

  private void place(String orderId, JsonObject delivery, Place place) {
    DeliveryRequest request = new DeliveryRequest(delivery.copy()).setQuoteToken(place.quoteToken());
    effectsInFlight++;
    Future<CourierPlacement> answer = place.again()
        ? lookUpThenPlace(orderId, ownAccount(delivery, place.platform()), place, request)
        : gateway.placeOrder(place.platform(), request);
    answer.onComplete(ar -> {
      // The price the placement's first answer charged, when it is to be taken from a prepaid balance (else -1).
      long[] charge = {-1};
      Function<Dispatch, List<DispatchCommand>> decide;
      if (ar.succeeded()) {
        count("place-succeeded", place.platform());
        log.debug("dispatch placed orderId={} platform={} platformOrderId={} chargedFen={}", orderId,
            place.platform(), ar.result().getPlatformOrderId(), ar.result().getPriceFen());
        decide = d -> {
          List<DispatchCommand> commands = d.placed(place.platform(), ar.result().getPlatformOrderId(),
              ar.result().getPriceFen());
          // The platform holds the order (whether its answer or a callback told first): charged once (journalled).
          Dispatch.Candidate after = candidate(d, place.platform());
          if (after != null && after.platformOrderId() != null) {
            charge[0] = after.feeFen();
          }
          return commands;
        };
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
                  : Future.succeededFuture())
              .compose(x -> charge(conn, orderId, delivery, place.platform(), charge[0])))
          .onSuccess(x -> send(orderId, delivery, next))
          .onComplete(x -> effectsInFlight--)
          // The placement's outcome is lost; the acceptance timeout moves the dispatch on.
          .onFailure(err -> log.warn("dispatch placement outcome not stored orderId={} platform={} error={}", orderId,
              place.platform(), err.toString()));
    });
  }

  private static Dispatch.Candidate candidate(Dispatch d, String platform) {
    for (Dispatch.Candidate c : d.candidates()) {
      if (c.platform().equals(platform)) {
        return c;
      }
    }
    return null;
  }

  /**
   * The platform took the order and charges its prepaid balance: the account's balance goes down by the charged
   * price in the placement's own transaction (a journal row, whose unique reference makes it once per placement, and
   * one UPDATE), and only for an account quoting found tracked (the delivery's {@code prepaidPlatforms}), so orders of
   * untracked accounts write nothing more.
   */
  private Future<Void> charge(io.vertx.sqlclient.SqlConnection conn, String orderId, JsonObject delivery,
                              String platform, long priceFen) {
    String account = priceFen < 0 ? null : prepaidAccount(delivery, platform);
    return account == null ? Future.succeededFuture()
        : io.kilosail.shop.CourierAccountRepository.charge(conn, platform, account, orderId, priceFen, Instant.now())
            .mapEmpty();
  }

  /** The account a placement on {@code platform} is charged to; null when its balance is not tracked. */
  private String prepaidAccount(JsonObject delivery, String platform) {
    if (accounts == null || !(delivery.getValue("prepaidPlatforms") instanceof JsonArray prepaid)
        || !prepaid.contains(platform)) {
      return null;
    }
    return accounts.accountFor(io.kilosail.contracts.courier.CourierPlatform.fromId(platform),
        delivery.getJsonObject("courierAccounts"));
  }

  /**
   * A placement sent again because the first one's answer never came: the platform's order-detail query is asked
   * first ({@link UnknownPlacement}), under the account the create went under (the shop's own, else the default):
   * asked under another the platform answers "no such order" and the create would be sent again. An order it holds is
   * answered as placed, at the price it states, without a new create; otherwise (no such order, no detail query, the
   * query failed) the create is sent again.
   */
  private Future<CourierPlacement> lookUpThenPlace(String orderId, String account, Place place,
                                                   DeliveryRequest request) {
    String platform = place.platform();
    return gateway.orderDetail(platform, account, orderId, null).transform(ar -> {
      CourierOrderLookup lookup = ar.succeeded() ? ar.result() : null;
      count(ar.succeeded() ? (lookup.isFound() ? "detail-found" : "detail-not-found")
          : ar.cause() instanceof ServiceException e && e.failureCode() == CourierGateway.NOT_SUPPORTED
              ? "detail-unsupported" : "detail-failed", platform);
      if (UnknownPlacement.resolve(lookup) == UnknownPlacement.Resolution.PLACED) {
        log.info("dispatch found its lost placement orderId={} platform={} platformOrderId={} state={} priceFen={}",
            orderId, platform, lookup.getPlatformOrderId(), lookup.getState(), lookup.getPriceFen());
        return Future.succeededFuture(new CourierPlacement().setPlatform(platform).setOrderId(orderId)
            .setPlatformOrderId(lookup.getPlatformOrderId()).setPriceFen(lookup.getPriceFen()));
      }
      return gateway.placeOrder(platform, request);
    });
  }

  /** The shop's own account on {@code platform} the order was placed under; null for the default account. */
  private static String ownAccount(JsonObject delivery, String platform) {
    JsonObject own = delivery == null ? null : delivery.getJsonObject("courierAccounts");
    return own != null && own.getValue(platform) instanceof String account ? account : null;
  }

  /** Cancelling is retried a few times while the platform is down; a refusal means it has already ended there. */
  private void cancel(String orderId, String account, Cancel cancel, int attempt) {
    effectsInFlight++;
    gateway.cancelUnder(cancel.platform(), account, orderId, cancel.platformOrderId(), cancel.reason()).onComplete(ar -> {
      effectsInFlight--;
      if (ar.succeeded()) {
        count("cancel-succeeded", cancel.platform());
        Penalties.courierCancelled(pool, cancellation, orderId, cancel.platform(), ar.result().getPenaltyFen())
            .onSuccess(p -> log.info("dispatch cancelled orderId={} platform={} platformOrderId={} reason={}"
                    + " courierState={} penaltyFen={} ({}) balanceCreditedFen={}", orderId, cancel.platform(),
                cancel.platformOrderId(), cancel.reason(), p.courierState(), p.penaltyFen(),
                p.stated() ? "stated by the platform" : "table", p.refundedFen()))
            // The platform has cancelled; only our record of its charge (and the balance it gives back) is missing,
            // and the log says how much.
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
      vertx.setTimer(500L << attempt, t -> cancel(orderId, account, cancel, attempt + 1));
    });
  }

  void count(String event, String tag) {
    Counter.builder("kilosail.dispatch.events").tag("event", event).tag("tag", tag).register(registry).increment();
  }
}
