package io.kilosail.dispatch;

import io.kilosail.contracts.events.Topics;

import io.kilosail.cancel.CancellationPolicy;
import io.kilosail.contracts.courier.CourierQuoteResult;
import io.kilosail.contracts.courier.DeliveryRequest;
import io.kilosail.contracts.dispatch.DispatchPlan;
import io.kilosail.contracts.dispatch.DispatchRequest;
import io.kilosail.contracts.dispatch.DispatchService;
import io.kilosail.contracts.saga.SagaStep;
import io.kilosail.infra.Clients;
import io.kilosail.infra.Meters;
import io.kilosail.infra.NodeConfig;
import io.kilosail.infra.Proxies;
import io.kilosail.order.OrderRepository;
import io.kilosail.order.OrderTransitions;
import io.kilosail.messaging.ConsumerSettings;
import io.kilosail.messaging.Envelope;
import io.kilosail.messaging.IdempotentConsumer;
import io.kilosail.platform.settings.InfraSettings;
import io.kilosail.quote.QuoteRules;
import io.kilosail.quote.QuotingSettings;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceBinder;
import io.vertx.serviceproxy.ServiceException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Hosts {@link DispatchService} (the saga starts and withdraws dispatches through the proxy) and the dispatch's durable
 * timers (acceptance timeouts and placement checks on {@link Topics#DISPATCH_TIMERS}, through an idempotent consumer). Courier
 * callbacks do not come here: the courier webhook applies each one to the dispatch in its own transaction. Every
 * transition is a {@link Dispatcher} call in one MySQL transaction.
 */
public class DispatchVerticle extends VerticleBase implements DispatchService {

  static final String ACCEPTANCE_TIMEOUT = Dispatcher.ACCEPTANCE_TIMEOUT;
  static final String PLACEMENT_CHECK = Dispatcher.PLACEMENT_CHECK;

  /** The saga the outcome is signalled to, and its facts. */
  /** How long a stopping node waits for its placements' answers: above the gateway's own bound on a call. */
  private static final long EFFECTS_DRAIN_MS = 12_000;

  private static final Logger log = LoggerFactory.getLogger(DispatchVerticle.class);

  private DispatchSettings settings;
  private Pool pool;
  private Dispatcher dispatcher;
  private MessageConsumer<JsonObject> binding;
  private IdempotentConsumer timers;
  /** The quoting rules, for their tips and margins: read like the quote verticle reads them, file or inline. */
  private volatile QuoteRules quoteRules = QuoteRules.none();
  private String quoteRulesText;
  private long rulesTimer = -1;

  @Override
  public Future<?> start() {
    settings = DispatchSettings.fromJson(config());
    NodeConfig node = NodeConfig.fromJson(config());
    InfraSettings infra = InfraSettings.fromJson(config());
    pool = Clients.mysqlPool(vertx, infra.mysql());
    dispatcher = new Dispatcher(vertx, pool, Proxies.courierGateway(vertx, config()), settings,
        CancellationPolicy.fromJson(config()), Meters.registry(node))
        .chargingBalances(io.kilosail.shop.ShopSettings.fromJson(config()))
        .tipsFrom(() -> quoteRules);
    binding = new ServiceBinder(vertx).setAddress(ADDRESS).register(DispatchService.class, this);
    // Courier callbacks move the dispatch in the webhook's own transaction (Dispatcher.courierCallback): only the
    // dispatch's timers arrive here.
    timers = IdempotentConsumer.create(vertx, pool, infra, node,
        ConsumerSettings.of("dispatch", Topics.DISPATCH_TIMERS).onlyTypes(ACCEPTANCE_TIMEOUT, PLACEMENT_CHECK), this::onTimer);
    return loadQuoteRules().compose(x -> binding.completion()).compose(x -> timers.start())
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
    if (rulesTimer >= 0) {
      vertx.cancelTimer(rulesTimer);
    }
    long deadline = System.currentTimeMillis() + EFFECTS_DRAIN_MS;
    return Future.join(binding.unregister(), timers.stop())
        .eventually(() -> dispatcher.drained(deadline))
        .onComplete(x -> {
          if (dispatcher.effectsInFlight() > 0) {
            log.warn("dispatch stopping with {} placements or cancels in flight", dispatcher.effectsInFlight());
          }
        });
  }

  /**
   * The tip rounds follow the quoting rules (their {@code tips}, bounded by their {@code margins}): the rules file,
   * re-read every {@code quoting.rulesScanMs} (a bad file is logged and the rules before it stay, as quoting does), else
   * the inline {@code quoting.rules}, else none (no tips).
   */
  private Future<Void> loadQuoteRules() {
    QuotingSettings quoting = QuotingSettings.fromJson(config());
    String file = quoting.rulesFile();
    Future<Boolean> exists = file == null ? Future.succeededFuture(false) : vertx.fileSystem().exists(file);
    return exists.compose(present -> {
      if (!present) {
        if (quoting.inlineRules() != null) {
          quoteRules = quoting.inlineRules();
        }
        return Future.succeededFuture();
      }
      rulesTimer = vertx.setPeriodic(quoting.rulesScanMs(), t -> readQuoteRules(file));
      return readQuoteRules(file);
    });
  }

  private Future<Void> readQuoteRules(String file) {
    return vertx.fileSystem().readFile(file).map(buffer -> {
      String text = buffer.toString();
      if (!text.equals(quoteRulesText)) {
        quoteRulesText = text;
        try {
          quoteRules = QuoteRules.fromJson(new JsonObject(text));
        } catch (RuntimeException e) {
          log.error("dispatch: quoting rules in {} rejected for tips, keeping the previous ones: {}", file,
              e.getMessage());
        }
      }
      return (Void) null;
    }).recover(err -> {
      log.warn("dispatch: quoting rules {} not read: {}", file, err.toString());
      return Future.succeededFuture();
    });
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
    // The dispatch row is the step's own barrier (see DispatchRepository.insert): a repeated step, or one a withdraw
    // overtook, writes nothing and sends nothing. The order's row is locked first, as in every dispatch transition.
    return pool.withTransaction(conn -> {
          Instant now = Instant.now();
          List<DispatchCommand> commands = dispatch.start();
          // An order that ended before its dispatch (cancelled while it was quoted) is offered to nobody.
          return OrderRepository.holding(conn, orderId)
              .compose(order -> order == null || order.ended()
                  ? ServiceException.<Boolean>fail(NO_CANDIDATE, "order " + orderId + " is "
                      + (order == null ? "not stored" : order.state()) + ": nothing to dispatch")
                  : DispatchRepository.insert(conn, dispatch, step.getSagaId(), stored, now)
                      .compose(first -> !first ? Future.succeededFuture(false)
                          : OrderRepository.apply(conn, orderId,
                                  OrderTransitions.dispatching(order.orderState(), now), now)
                              .compose(x -> dispatcher.durableEffects(conn, dispatch, commands, now, 1, order))
                              .onSuccess(afterCommit::addAll)
                              .map(true)));
        })
        .onSuccess(first -> {
          if (first) {
            dispatcher.count("started", strategy.name());
            log.info("dispatch started orderId={} strategy={} candidates={}", orderId, strategy, plan.getCandidates());
          }
          dispatcher.send(dispatch.orderId(), stored, afterCommit);
        })
        .map(plan);
  }

  @Override
  public Future<Void> withdraw(SagaStep step, String orderId, String reason) {
    if (step == null || orderId == null) {
      return ServiceException.fail(INVALID_REQUEST, "step and orderId are required");
    }
    // A withdraw that overtakes the dispatch leaves a tombstone the late dispatch finds; otherwise the dispatch is
    // withdrawn (a repeated withdraw changes nothing).
    return pool.withTransaction(conn -> OrderRepository.holding(conn, orderId)
            .compose(order -> DispatchRepository.withdrawnFirst(conn, orderId, step.getSagaId(), Instant.now()))
            .compose(tombstone -> tombstone ? Future.succeededFuture()
                : dispatcher.transition(conn, orderId, d -> d.withdraw(reason == null ? "order called off" : reason))
                    .onSuccess(done -> {
                      if (done != null) {
                        log.info("dispatch withdrawn orderId={} reason={}", orderId, reason);
                        dispatcher.afterCommit(conn, orderId, done);
                      }
                    })))
        .mapEmpty();
  }

  // ---------------------------------------------------------------- facts

  private Future<Void> onTimer(SqlConnection conn, Envelope timer) {
    JsonObject p = timer.payload();
    String orderId = timer.aggregateId();
    Dispatcher.Decide decide = switch (timer.type()) {
      case ACCEPTANCE_TIMEOUT -> (d, order, delivery) -> d.timedOut(p.getInteger("round"),
          dispatcher.tipping(d, order, delivery));
      case PLACEMENT_CHECK -> (d, order, delivery) -> d.placementCheck(p.getString("platform"), p.getInteger("round"));
      default -> null;
    };
    int checkAttempt = PLACEMENT_CHECK.equals(timer.type()) ? p.getInteger("attempt", 1) + 1 : 1;
    // The inbox's transaction commits after this handler: what the transition sends goes out only once it did.
    return dispatcher.transition(conn, orderId, decide, checkAttempt)
        .onSuccess(done -> dispatcher.afterCommit(conn, orderId, done))
        .mapEmpty();
  }
}
