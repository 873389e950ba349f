package io.kilosail.admin;

import io.kilosail.access.AuditLog;
import io.kilosail.checkout.CheckoutSettings;
import io.kilosail.cancel.CancellationPolicy;
import io.kilosail.cancel.OrderCancellations;
import io.kilosail.contracts.saga.SagaCoordinatorService;
import io.kilosail.infra.Clients;
import io.kilosail.infra.Meters;
import io.kilosail.infra.NodeConfig;
import io.kilosail.infra.Proxies;
import io.kilosail.order.DeliveryOrder;
import io.kilosail.order.OrderRepository;
import io.kilosail.platform.settings.InfraSettings;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * Answers the admin commands the dashboard sends over the bridge ({@link AdminAddresses#COMMANDS}), after the bridge
 * checked the operator's token. Each answers {@code {"ok": true, ...}} or fails the message with a code (400 bad
 * request, 404 unknown, 409 not possible now, 500) and a message meant for the operator. Each leaves a row in the
 * audit log: a cancel in its own transaction, a saga retry (a call to the coordinator, no transaction here) right
 * after, with its outcome; a failed command after the failure.
 */
public class AdminCommandsVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(AdminCommandsVerticle.class);

  private Pool mysql;
  private SagaCoordinatorService coordinator;
  private OrderRepository orders;
  private OrderCancellations cancellations;
  private List<MessageConsumer<JsonObject>> consumers;

  @Override
  public Future<?> start() {
    mysql = Clients.mysqlPool(vertx, InfraSettings.fromJson(config()).mysql());
    coordinator = Proxies.sagaCoordinator(vertx);
    orders = new OrderRepository(mysql);
    cancellations = new OrderCancellations(mysql, CancellationPolicy.fromJson(config()), CheckoutSettings.fromJson(config()),
        Meters.registry(NodeConfig.fromJson(config())));
    consumers = List.of(
        vertx.eventBus().<JsonObject>consumer(AdminAddresses.RETRY_SAGA, this::retrySaga),
        vertx.eventBus().<JsonObject>consumer(AdminAddresses.CANCEL_ORDER, this::cancelOrder));
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList());
  }

  private void retrySaga(Message<JsonObject> command) {
    String sagaId = field(command, "sagaId");
    if (sagaId == null) {
      return;
    }
    String operator = operator(command);
    coordinator.retry(sagaId).onComplete(result -> {
      AuditLog.recordAfter(mysql, new AuditLog.Entry(operator, AuditLog.CHANNEL_BRIDGE, AdminAddresses.RETRY_SAGA,
          sagaId, result.succeeded() ? AuditLog.OK : AuditLog.FAILED,
          result.succeeded() ? "state " + result.result().getState() : result.cause().getMessage()));
      if (result.succeeded()) {
        log.info("operator retried saga sagaId={} operator={} state={}", sagaId, operator, result.result().getState());
        command.reply(new JsonObject().put("ok", true).put("saga", result.result().toJson()));
      } else {
        answerFailure(command, "retry saga " + sagaId, result.cause());
      }
    });
  }

  /**
   * Cancels as the system would when nobody can deliver: no penalty for the food platform, whose order it is; the
   * reason names the operator. The delivery saga then calls the courier off like for any other cancel.
   */
  private void cancelOrder(Message<JsonObject> command) {
    String orderId = field(command, "orderId");
    if (orderId == null) {
      return;
    }
    String operator = operator(command);
    String given = text(command, "reason");
    String reason = "operator " + operator + ": " + (given == null || given.isBlank() ? "cancelled from the dashboard"
        : given);
    orders.find(orderId).compose(order -> {
      if (order == null) {
        return Future.failedFuture(new ServiceException(404, "no order " + orderId));
      }
      if (order.state().isFinal()) {
        return Future.failedFuture(new ServiceException(409, "order " + orderId + " is already "
            + order.state().name()));
      }
      return mysql.withTransaction(conn -> cancellations.cancelBySystem(conn, orderId, reason)
              // The audit row commits with the cancel, or neither does.
              .compose(cancelled -> !cancelled ? Future.succeededFuture(false)
                  : AuditLog.record(conn, new AuditLog.Entry(operator, AuditLog.CHANNEL_BRIDGE,
                      AdminAddresses.CANCEL_ORDER, orderId, AuditLog.OK, given)).map(true)))
          .compose(cancelled -> cancelled ? Future.succeededFuture()
              // It ended between the read and the lock: say so rather than pretend.
              : Future.failedFuture(new ServiceException(409, "order " + orderId + " ended meanwhile")));
    }).onComplete(result -> {
      if (result.succeeded()) {
        log.info("operator cancelled order orderId={} operator={}", orderId, operator);
        command.reply(new JsonObject().put("ok", true).put("orderId", orderId).put("state", "CANCELLED"));
      } else {
        AuditLog.recordAfter(mysql, new AuditLog.Entry(operator, AuditLog.CHANNEL_BRIDGE, AdminAddresses.CANCEL_ORDER,
            orderId, AuditLog.FAILED, result.cause().getMessage()));
        answerFailure(command, "cancel order " + orderId, result.cause());
      }
    });
  }

  private static String field(Message<JsonObject> command, String name) {
    String value = text(command, name);
    if (value == null || value.isBlank()) {
      command.fail(400, name + " is required");
      return null;
    }
    return value.trim();
  }

  /**
   * A text field of the command, or null. A command comes from a browser through the bridge: its body may be no JSON
   * object at all, and a field may be of any type, which must be answered, not thrown on the event loop.
   */
  private static String text(Message<JsonObject> command, String name) {
    Object body = ((Message<?>) command).body();
    return body instanceof JsonObject json && json.getValue(name) instanceof String value ? value : null;
  }

  private static String operator(Message<JsonObject> command) {
    String operator = command.headers().get(AdminAddresses.OPERATOR_HEADER);
    return operator == null ? "unknown" : operator;
  }

  private static void answerFailure(Message<JsonObject> command, String what, Throwable err) {
    if (err instanceof ServiceException known && known.failureCode() >= 4400 && known.failureCode() < 4500) {
      // The contracts' 4xxx codes as the HTTP-like code the page shows (4404 "not found" as 404), like Problems does.
      command.fail(known.failureCode() - 4000, known.getMessage());
    } else if (err instanceof ServiceException known && known.failureCode() > 0) {
      command.fail(known.failureCode(), known.getMessage());
    } else if (err instanceof ReplyException unanswered) {
      // No coordinator on the cluster, or it did not answer in time: nothing was done, the operator may try again.
      command.fail(503, what + ": no answer from the service (" + unanswered.failureType() + ")");
    } else {
      log.error("admin command failed: {}", what, err);
      command.fail(500, what + " failed: " + err.getMessage());
    }
  }

  @Override
  public Future<?> stop() {
    return mysql.close();
  }
}
