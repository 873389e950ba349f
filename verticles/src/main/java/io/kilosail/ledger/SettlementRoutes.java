package io.kilosail.ledger;

import io.kilosail.access.AccessRules;
import io.kilosail.access.Callers;
import io.kilosail.access.Callers.PlatformCaller;
import io.kilosail.ledger.Ledger.Posting;
import io.kilosail.web.Problems;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;

/**
 * The settlement reports a finance team reconciles, read from the ledger ({@code ledger_entry}):
 * <ul>
 *   <li>{@code GET /v1/settlements?from=&to=[&platform=]} — per food platform: delivered orders, delivery fees
 *   receivable, penalties charged, courier costs and penalties of its orders, margin; and a total;</li>
 *   <li>{@code GET /v1/settlements/couriers?from=&to=[&courier=]} — per courier platform: fees, penalties, payable;
 *   and a total;</li>
 *   <li>{@code GET /v1/orders/{id}/ledger} — one order's postings, whether they balance, its margin.</li>
 * </ul>
 * {@code from} (inclusive) and {@code to} (exclusive) are UTC ISO-8601 instants compared with the postings'
 * {@code occurred_at}. JSON by default; CSV with {@code Accept: text/csv} or {@code format=csv}. Bad or missing
 * parameters: 400 problem+json naming the parameter.
 *
 * <p>Who may read ({@link Callers}; docs/security.md): the reports and any order's ledger need an operator with the
 * finance role. A food platform (signed) may read the ledger of its own order, reduced to its side of it: the postings
 * with it as counterparty and what it owes, not our courier costs nor our margin; another's order answers 404.
 */
public final class SettlementRoutes {

  static final String CSV = "text/csv; charset=utf-8";

  private static final Logger log = LoggerFactory.getLogger(SettlementRoutes.class);

  private final Pool pool;

  private SettlementRoutes(Pool pool) {
    this.pool = pool;
  }

  public static void mount(Router router, Pool pool, Callers readers) {
    SettlementRoutes routes = new SettlementRoutes(pool);
    router.get("/v1/settlements").handler(readers.readers()).handler(routes::platforms);
    router.get("/v1/settlements/couriers").handler(readers.readers()).handler(routes::couriers);
    router.get("/v1/orders/:id/ledger").handler(readers.readers()).handler(routes::orderLedger);
  }

  /** Query parameters of a report, already checked. */
  private record Query(Instant from, Instant to, String counterparty, boolean csv) {
  }

  /** A bad query parameter; the message names it. */
  private static final class BadParameter extends RuntimeException {
    BadParameter(String message) {
      super(message);
    }
  }

  private void platforms(RoutingContext ctx) {
    if (!Callers.requireRole(ctx, AccessRules.READ_MONEY)) {
      return;
    }
    Query q = query(ctx, "platform");
    if (q == null) {
      return;
    }
    LedgerRepository.platformTotals(pool, q.counterparty(), q.from(), q.to())
        .onSuccess(rows -> {
          if (q.csv()) {
            csv(ctx, "settlements-platforms", q, Settlements.platformsCsv(rows));
          } else {
            ctx.json(Settlements.platformsJson(rows, q.from(), q.to()));
          }
        })
        .onFailure(err -> failed(ctx, err));
  }

  private void couriers(RoutingContext ctx) {
    if (!Callers.requireRole(ctx, AccessRules.READ_MONEY)) {
      return;
    }
    Query q = query(ctx, "courier");
    if (q == null) {
      return;
    }
    LedgerRepository.courierTotals(pool, q.counterparty(), q.from(), q.to())
        .onSuccess(rows -> {
          if (q.csv()) {
            csv(ctx, "settlements-couriers", q, Settlements.couriersCsv(rows));
          } else {
            ctx.json(Settlements.couriersJson(rows, q.from(), q.to()));
          }
        })
        .onFailure(err -> failed(ctx, err));
  }

  private void orderLedger(RoutingContext ctx) {
    String orderId = ctx.pathParam("id");
    if (Callers.of(ctx) instanceof PlatformCaller platform) {
      platformLedger(ctx, orderId, platform.platform());
      return;
    }
    if (!Callers.requireRole(ctx, AccessRules.READ_MONEY)) {
      return;
    }
    Future.all(LedgerRepository.orderExists(pool, orderId), LedgerRepository.perOrder(pool, orderId))
        .onSuccess(both -> {
          boolean exists = both.resultAt(0);
          List<Posting> postings = both.resultAt(1);
          if (!exists && postings.isEmpty()) {
            Problems.send(ctx, 404, "order-not-found", "Not Found", "no order " + orderId);
            return;
          }
          ctx.json(orderLedgerJson(orderId, postings));
        })
        .onFailure(err -> failed(ctx, err));
  }

  /** A food platform's side of its own order's ledger; 404 for an order it did not push. */
  private void platformLedger(RoutingContext ctx, String orderId, String platform) {
    pool.preparedQuery("SELECT platform FROM delivery_order WHERE id = ?").execute(Tuple.of(orderId))
        .compose(rows -> rows.size() == 1 && platform.equals(rows.iterator().next().getString(0))
            ? LedgerRepository.perOrder(pool, orderId) : Future.<List<Posting>>succeededFuture(null))
        .onSuccess(postings -> {
          if (postings == null) {
            Problems.send(ctx, 404, "order-not-found", "Not Found", "no order " + orderId);
          } else {
            ctx.json(platformLedgerJson(orderId, platform, postings));
          }
        })
        .onFailure(err -> failed(ctx, err));
  }

  static JsonObject platformLedgerJson(String orderId, String platform, List<Posting> postings) {
    List<Posting> theirs = postings.stream().filter(p -> p.counterparty().equals(platform)
        && p.account().equals(Ledger.RECEIVABLE_PLATFORM)).toList();
    JsonArray lines = new JsonArray();
    for (Posting p : theirs) {
      lines.add(new JsonObject().put("entryType", p.entryType()).put("amountFen", p.amountFen())
          .put("occurredAt", p.occurredAt().toString()));
    }
    return new JsonObject().put("orderId", orderId).put("platform", platform).put("postings", lines)
        .put("owedFen", Ledger.balance(postings, Ledger.RECEIVABLE_PLATFORM));
  }

  static JsonObject orderLedgerJson(String orderId, List<Posting> postings) {
    JsonArray lines = new JsonArray();
    for (Posting p : postings) {
      lines.add(new JsonObject().put("entryType", p.entryType()).put("account", p.account())
          .put("counterparty", p.counterparty()).put("amountFen", p.amountFen())
          .put("occurredAt", p.occurredAt().toString()));
    }
    return new JsonObject().put("orderId", orderId).put("postings", lines)
        .put("sumFen", Ledger.sum(postings)).put("balanced", Ledger.balances(postings))
        .put("receivableFen", Ledger.balance(postings, Ledger.RECEIVABLE_PLATFORM))
        .put("payableFen", -Ledger.balance(postings, Ledger.PAYABLE_COURIER))
        .put("marginFen", Ledger.margin(postings));
  }

  /** The checked parameters, or null after answering 400. */
  private static Query query(RoutingContext ctx, String counterpartyParam) {
    try {
      Instant from = instant(ctx, "from");
      Instant to = instant(ctx, "to");
      if (!from.isBefore(to)) {
        throw new BadParameter("query parameter 'to' must be after 'from' (from inclusive, to exclusive)");
      }
      String counterparty = ctx.queryParams().get(counterpartyParam);
      if (counterparty != null && counterparty.isBlank()) {
        throw new BadParameter("query parameter '" + counterpartyParam
            + "' must not be blank; leave it out for every " + counterpartyParam);
      }
      return new Query(from, to, counterparty, wantsCsv(ctx));
    } catch (BadParameter e) {
      Problems.send(ctx, 400, "invalid-parameter", "Bad Request", e.getMessage());
      return null;
    }
  }

  private static Instant instant(RoutingContext ctx, String name) {
    String value = ctx.queryParams().get(name);
    if (value == null || value.isBlank()) {
      throw new BadParameter("query parameter '" + name + "' is required: a UTC instant such as 2025-06-01T00:00:00Z");
    }
    try {
      return Instant.parse(value);
    } catch (DateTimeParseException e) {
      throw new BadParameter("query parameter '" + name + "' is not a UTC ISO-8601 instant (e.g."
          + " 2025-06-01T00:00:00Z): " + value);
    }
  }

  /** {@code format=csv|json} wins; otherwise CSV when the Accept header asks for text/csv. */
  private static boolean wantsCsv(RoutingContext ctx) {
    String format = ctx.queryParams().get("format");
    if (format != null) {
      return switch (format) {
        case "csv" -> true;
        case "json" -> false;
        default -> throw new BadParameter("query parameter 'format' must be csv or json, was " + format);
      };
    }
    String accept = ctx.request().getHeader("Accept");
    return accept != null && accept.toLowerCase().contains("text/csv");
  }

  private static void csv(RoutingContext ctx, String name, Query q, String body) {
    ctx.response()
        .putHeader("Content-Type", CSV)
        .putHeader("Content-Disposition", "attachment; filename=\"" + name + "-" + fileStamp(q.from()) + "-"
            + fileStamp(q.to()) + ".csv\"")
        .end(body);
  }

  private static String fileStamp(Instant instant) {
    return instant.toString().replace(":", "");
  }

  private static void failed(RoutingContext ctx, Throwable err) {
    log.error("settlement query failed path={}", ctx.request().path(), err);
    Problems.send(ctx, 500, "internal-error", "Internal Server Error",
        "the request could not be completed; it has been logged");
  }
}
