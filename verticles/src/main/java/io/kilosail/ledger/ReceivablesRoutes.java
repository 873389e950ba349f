package io.kilosail.ledger;

import io.kilosail.access.AccessRules;
import io.kilosail.access.AuditLog;
import io.kilosail.access.Callers;
import io.kilosail.admin.AdminAuthentication;
import io.kilosail.web.Problems;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * Receivables: what the food platforms paid offline against their settlement periods, and what they still owe.
 * <ul>
 *   <li>{@code POST /v1/admin/receivables/payments} (operator token) — records a payment
 *   {@code {"platform", "period": "2026-11", "amountFen", "receivedAt", "reference"}}; 201 when recorded, 200 when the
 *   same reference was recorded with the same values (a retry), 409 when it was recorded with others;</li>
 *   <li>{@code GET /v1/settlements/receivables?asOf=2026-12-06[&platform=][&termsDays=30]} — per platform and month:
 *   receivable (the ledger), paid, unpaid, due date, status and aging; totals by aging bucket. JSON, or CSV with
 *   {@code format=csv} / {@code Accept: text/csv}.</li>
 * </ul>
 */
public final class ReceivablesRoutes {

  /** Days after a period's last day its payment is due, unless the query says otherwise. */
  public static final int DEFAULT_TERMS_DAYS = 30;

  private static final Logger log = LoggerFactory.getLogger(ReceivablesRoutes.class);

  private final Pool pool;
  private final ReceivablesRepository repository;

  private ReceivablesRoutes(Pool pool) {
    this.pool = pool;
    this.repository = new ReceivablesRepository(pool);
  }

  /** The POST is behind the admin authentication (role finance, {@link AccessRules#adminPath}); the GET checks it here. */
  public static void mount(Router router, Pool pool, Callers readers) {
    ReceivablesRoutes routes = new ReceivablesRoutes(pool);
    router.post("/v1/admin/receivables/payments").handler(routes::recordPayment);
    router.get("/v1/settlements/receivables").handler(readers.readers()).handler(ctx -> {
      if (Callers.requireRole(ctx, AccessRules.READ_MONEY)) {
        routes.report(ctx);
      }
    });
  }

  private void recordPayment(RoutingContext ctx) {
    ReceivablesRepository.Payment payment;
    try {
      payment = payment(ctx.body().asJsonObject());
    } catch (IllegalArgumentException e) {
      Problems.send(ctx, 400, "invalid-payment", "Bad Request", e.getMessage());
      return;
    }
    String operator = String.valueOf((Object) ctx.get(AdminAuthentication.OPERATOR));
    // The audit row commits with the payment (or with nothing, for a retry or a conflict: then it says so).
    pool.withTransaction(conn -> ReceivablesRepository.record(conn, payment, operator, Instant.now())
            .compose(recorded -> AuditLog.record(conn, new AuditLog.Entry(operator, AuditLog.CHANNEL_HTTP,
                    "receivables.payment", payment.platform() + "/" + payment.reference(),
                    recorded.created() || recorded.payment().equals(payment) ? AuditLog.OK : AuditLog.REFUSED,
                    recorded.created() ? "recorded " + payment.amountFen() + " fen for " + payment.period()
                        : recorded.payment().equals(payment) ? "already recorded" : "reference taken by other values"))
                .map(recorded)))
        .onSuccess(recorded -> {
          if (!recorded.created() && !recorded.payment().equals(payment)) {
            Problems.send(ctx, 409, "payment-reference-taken", "Conflict", "payment reference '"
                + payment.reference() + "' of " + payment.platform() + " was recorded with other values: "
                + json(recorded.payment()).encode());
            return;
          }
          if (recorded.created()) {
            log.info("receivable payment recorded platform={} period={} amountFen={} reference={} operator={}",
                payment.platform(), payment.period(), payment.amountFen(), payment.reference(), operator);
          }
          ctx.response().setStatusCode(recorded.created() ? 201 : 200)
              .putHeader("Content-Type", "application/json").end(json(recorded.payment()).encode());
        })
        .onFailure(err -> failed(ctx, err));
  }

  private static ReceivablesRepository.Payment payment(JsonObject body) {
    if (body == null) {
      throw new IllegalArgumentException("the body must be a JSON object with platform, period, amountFen,"
          + " receivedAt and reference");
    }
    String platform = text(body, "platform", 32);
    YearMonth period = Receivables.period(body.getValue("period") instanceof String s ? s : null);
    if (period == null) {
      throw new IllegalArgumentException("period: required, a month such as 2026-11");
    }
    if (!(body.getValue("amountFen") instanceof Number n) || n.doubleValue() != Math.floor(n.doubleValue())
        || n.longValue() == 0) {
      throw new IllegalArgumentException("amountFen: required, a whole number of fen other than 0 (negative reverses"
          + " an earlier payment)");
    }
    Instant receivedAt;
    try {
      // Stored to the millisecond: a retry of the same payment must compare equal to what was stored.
      receivedAt = Instant.parse(text(body, "receivedAt", 40)).truncatedTo(ChronoUnit.MILLIS);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("receivedAt: a UTC ISO-8601 instant such as 2026-12-01T02:00:00Z");
    }
    return new ReceivablesRepository.Payment(platform, period, ((Number) body.getValue("amountFen")).longValue(),
        receivedAt, text(body, "reference", 64));
  }

  private static String text(JsonObject body, String field, int maxLength) {
    if (!(body.getValue(field) instanceof String s) || s.isBlank() || s.length() > maxLength) {
      throw new IllegalArgumentException(field + ": required, 1 to " + maxLength + " characters");
    }
    return s;
  }

  private static JsonObject json(ReceivablesRepository.Payment p) {
    return new JsonObject().put("platform", p.platform()).put("period", p.period().toString())
        .put("amountFen", p.amountFen()).put("receivedAt", p.receivedAt().toString()).put("reference", p.reference());
  }

  private void report(RoutingContext ctx) {
    LocalDate asOf;
    int termsDays;
    boolean csv;
    String platform = ctx.queryParams().get("platform");
    try {
      String rawAsOf = ctx.queryParams().get("asOf");
      asOf = rawAsOf == null ? LocalDate.now(ZoneOffset.UTC) : LocalDate.parse(rawAsOf);
      String rawTerms = ctx.queryParams().get("termsDays");
      termsDays = rawTerms == null ? DEFAULT_TERMS_DAYS : Integer.parseInt(rawTerms);
      if (termsDays < 0 || termsDays > 365) {
        throw new NumberFormatException();
      }
      String format = ctx.queryParams().get("format");
      String accept = ctx.request().getHeader("Accept");
      csv = format != null ? "csv".equals(format) : accept != null && accept.toLowerCase().contains("text/csv");
      if (format != null && !format.equals("csv") && !format.equals("json")) {
        throw new IllegalArgumentException("query parameter 'format' must be csv or json, was " + format);
      }
    } catch (DateTimeParseException e) {
      Problems.send(ctx, 400, "invalid-parameter", "Bad Request", "query parameter 'asOf' must be a date such as"
          + " 2026-12-06");
      return;
    } catch (NumberFormatException e) {
      Problems.send(ctx, 400, "invalid-parameter", "Bad Request", "query parameter 'termsDays' must be 0 to 365");
      return;
    } catch (IllegalArgumentException e) {
      Problems.send(ctx, 400, "invalid-parameter", "Bad Request", e.getMessage());
      return;
    }
    Instant until = asOf.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
    repository.amounts(until)
        .onSuccess(amounts -> {
          if (platform != null) {
            amounts.keySet().retainAll(List.of(platform));
          }
          List<Receivables.Line> lines = Receivables.lines(amounts, asOf, termsDays);
          if (csv) {
            ctx.response().putHeader("Content-Type", SettlementRoutes.CSV)
                .putHeader("Content-Disposition", "attachment; filename=\"receivables-" + asOf + ".csv\"")
                .end(Receivables.csv(lines));
          } else {
            ctx.json(Receivables.json(lines, asOf, termsDays));
          }
        })
        .onFailure(err -> failed(ctx, err));
  }

  private static void failed(RoutingContext ctx, Throwable err) {
    log.error("receivables request failed path={}", ctx.request().path(), err);
    Problems.send(ctx, 500, "internal-error", "Internal Server Error",
        "the request could not be completed; it has been logged");
  }
}
