package io.kilosail.admin;

import io.kilosail.access.AccessRules;
import io.kilosail.access.AuditLog;
import io.kilosail.access.Role;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.bridge.BridgeEventType;
import io.vertx.ext.bridge.PermittedOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.sockjs.BridgeEvent;
import io.vertx.ext.web.handler.sockjs.SockJSBridgeOptions;
import io.vertx.ext.web.handler.sockjs.SockJSHandler;
import io.vertx.ext.web.handler.sockjs.SockJSHandlerOptions;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.regex.Pattern;

/**
 * The SockJS event bus bridge at {@code /eventbus/*} that feeds the admin dashboard. Two fences, both needed:
 * <ul>
 *   <li>the bridge's permitted lists: out only {@code dashboard.*}, in only the admin command addresses;</li>
 *   <li>{@link #onEvent}: a command passes only with a valid operator token in its {@code authorization} header, is
 *   sent (never published, it needs its answer), and the token is replaced by the operator's name before the message
 *   goes on the bus. Anything else is refused and logged at WARN with the address and the reason.</li>
 *   <li>the token must carry the role the command needs ({@link AccessRules#command}); a valid token without it is
 *   refused with 403 and the refusal written to the audit log.</li>
 * </ul>
 * A refused send with a reply address is answered on it (failure code 401 or 403 and why), so the page can say why.
 */
public final class AdminBridge {

  private static final Logger log = LoggerFactory.getLogger(AdminBridge.class);
  private static final Pattern DASHBOARD = Pattern.compile(AdminAddresses.DASHBOARD_REGEX);

  private final AdminTokens tokens;
  private final Pool audit;

  private AdminBridge(AdminTokens tokens, Pool audit) {
    this.tokens = tokens;
    this.audit = audit;
  }

  /** Adds {@code /eventbus/*} to {@code router}; refused commands of known operators are audited in {@code audit}. */
  public static void mount(Vertx vertx, Router router, AdminTokens tokens, Pool audit) {
    SockJSBridgeOptions options = new SockJSBridgeOptions()
        .addOutboundPermitted(new PermittedOptions().setAddressRegex(AdminAddresses.DASHBOARD_REGEX))
        // A browser subscribes to a handful of topics; more is a misbehaving client.
        .setMaxHandlersPerSocket(32);
    AdminAddresses.COMMANDS.forEach(address -> options.addInboundPermitted(new PermittedOptions().setAddress(address)));
    AdminBridge bridge = new AdminBridge(tokens, audit);
    router.route("/eventbus/*").subRouter(SockJSHandler.create(vertx, new SockJSHandlerOptions())
        .bridge(options, bridge::onEvent));
  }

  void onEvent(BridgeEvent event) {
    BridgeEventType type = event.type();
    switch (type) {
      case SEND, PUBLISH -> checkCommand(event);
      case REGISTER -> {
        String address = address(event);
        if (address != null && DASHBOARD.matcher(address).matches()) {
          event.complete(true);
        } else {
          refuse(event, address, 403, "only dashboard.* may be listened to");
        }
      }
      // Socket life cycle, unregister, pings and the messages going out (already filtered by the outbound list).
      default -> event.complete(true);
    }
  }

  private void checkCommand(BridgeEvent event) {
    String address = address(event);
    if (address == null || !AdminAddresses.COMMANDS.contains(address)) {
      refuse(event, address, 403, "not an admin command address");
      return;
    }
    if (event.type() == BridgeEventType.PUBLISH) {
      refuse(event, address, 403, "admin commands are sent, not published");
      return;
    }
    JsonObject raw = event.getRawMessage();
    // Whatever a socket sends is untrusted: a header of the wrong type is no token, not an exception.
    JsonObject headers = raw.getValue("headers") instanceof JsonObject h ? h : new JsonObject();
    String authorization = headers.getValue(AdminAddresses.AUTHORIZATION_HEADER) instanceof String a ? a : null;
    tokens.verify(bearer(authorization)).onComplete(verified -> {
      if (verified.failed()) {
        refuse(event, address, 401, "no valid operator token: " + verified.cause().getMessage());
        return;
      }
      String operator = verified.result().name();
      Role needed = AccessRules.command(address);
      if (needed == null || !verified.result().may(needed)) {
        String roles = verified.result().roles().stream().map(Role::id).sorted().toList().toString();
        AuditLog.recordAfter(audit, new AuditLog.Entry(operator, AuditLog.CHANNEL_BRIDGE, address, null,
            AuditLog.REFUSED, "needs role " + (needed == null ? "?" : needed.id()) + ", token has " + roles));
        refuse(event, address, 403, "this command needs the '" + (needed == null ? "?" : needed.id())
            + "' role; operator " + operator + " has roles " + roles);
        return;
      }
      log.info("bridge admin command address={} operator={}", address, operator);
      event.setRawMessage(raw.copy().put("headers", new JsonObject().put(AdminAddresses.OPERATOR_HEADER, operator)));
      event.complete(true);
    });
  }

  private static void refuse(BridgeEvent event, String address, int code, String reason) {
    log.warn("bridge refused type={} address={} reason={} remote={}", event.type(), address, reason,
        event.socket().remoteAddress());
    String replyAddress = event.getRawMessage() == null ? null
        : event.getRawMessage().getValue("replyAddress") instanceof String r ? r : null;
    if (replyAddress != null) {
      // The bridge itself only answers a bare "rejected" that no callback sees; the sender's reply handler gets why.
      event.socket().write(new JsonObject().put("type", "err").put("address", replyAddress)
          .put("failureCode", code).put("failureType", "RECIPIENT_FAILURE")
          .put("message", "refused: " + reason).encode());
    }
    event.complete(false);
  }

  private static String address(BridgeEvent event) {
    return event.getRawMessage() == null ? null
        : event.getRawMessage().getValue("address") instanceof String a ? a : null;
  }

  private static String bearer(String header) {
    if (header == null) {
      return null;
    }
    String value = header.trim();
    return value.regionMatches(true, 0, "Bearer ", 0, 7) ? value.substring(7).trim() : value;
  }
}
