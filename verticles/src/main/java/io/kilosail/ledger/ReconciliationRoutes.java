package io.kilosail.ledger;

import io.kilosail.access.AuditLog;
import io.kilosail.admin.AdminAuthentication;
import io.kilosail.contracts.courier.CourierPlatform;
import io.kilosail.web.Problems;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.time.YearMonth;
import java.util.List;

/**
 * Reconciliation of a courier platform's bill with the ledger (finance role, {@link io.kilosail.access.AccessRules}):
 * <ul>
 *   <li>{@code POST /v1/admin/reconciliations/{courier}?reference=&period=2026-11}, body {@code text/csv}
 *   ({@link Reconciliation#parse}) — stores the bill with its lines and answers its report: 201 when imported now, 200
 *   when that reference was imported with the same lines (a retry), 409 when with others; 400 naming the line and
 *   column of a line that cannot be read (nothing stored);</li>
 *   <li>{@code GET /v1/admin/reconciliations/{id}[?format=csv]} — the report against the ledger as it is now: every
 *   MISSING, EXTRA and DIFFERENT line, with totals.</li>
 * </ul>
 */
public final class ReconciliationRoutes {

  public static final String PATH = "/v1/admin/reconciliations";
  /** A month's bill of a busy courier platform: about 80,000 lines fit. */
  public static final int MAX_BILL_BYTES = 4 * 1024 * 1024;

  private static final Logger log = LoggerFactory.getLogger(ReconciliationRoutes.class);

  private final Pool pool;
  private final ReconciliationRepository repository;

  private ReconciliationRoutes(Pool pool) {
    this.pool = pool;
    this.repository = new ReconciliationRepository(pool);
  }

  /**
   * A bill is larger than the admin API's body limit: call before {@link AdminAuthentication#mount}, whose body
   * handler then finds the body read.
   */
  public static void mountBodyLimit(Router router) {
    router.post(PATH + "/*").handler(BodyHandler.create(false).setBodyLimit(MAX_BILL_BYTES));
  }

  /** Behind the admin authentication, which checks the finance role. */
  public static void mount(Router router, Pool pool) {
    ReconciliationRoutes routes = new ReconciliationRoutes(pool);
    router.post(PATH + "/:courier").handler(routes::importBill);
    router.get(PATH + "/:id").handler(routes::report);
  }

  private void importBill(RoutingContext ctx) {
    String courier = ctx.pathParam("courier");
    String reference = ctx.queryParams().get("reference");
    String rawPeriod = ctx.queryParams().get("period");
    YearMonth period = Receivables.period(rawPeriod);
    List<Reconciliation.BillLine> lines;
    try {
      CourierPlatform.fromId(courier);
    } catch (IllegalArgumentException e) {
      Problems.send(ctx, 404, "unknown-courier", "Not Found", "no courier platform '" + courier + "'; one of uu,"
          + " shansong, sf, fengniao");
      return;
    }
    if (reference == null || reference.isBlank() || reference.length() > 64) {
      Problems.send(ctx, 400, "invalid-parameter", "Bad Request", "query parameter 'reference' (the bill's own"
          + " reference): required, 1 to 64 characters");
      return;
    }
    if (period == null) {
      Problems.send(ctx, 400, "invalid-parameter", "Bad Request", "query parameter 'period': required, the bill's"
          + " month such as 2026-11");
      return;
    }
    try {
      lines = Reconciliation.parse(ctx.body().asString());
    } catch (Reconciliation.BadLine e) {
      Problems.send(ctx, 400, "invalid-bill", "Bad Request", e.getMessage(), new JsonObject()
          .put("line", e.line()).put("column", e.column()));
      return;
    }
    String operator = String.valueOf((Object) ctx.get(AdminAuthentication.OPERATOR));
    String digest = Reconciliation.digest(period.toString(), lines);
    // The audit row commits with the bill (or alone, saying why nothing was stored).
    pool.withTransaction(conn -> ReconciliationRepository.store(conn, courier, reference, period, lines, operator,
            Instant.now())
        .compose(imported -> {
          boolean same = imported.bill().digest().equals(digest);
          return AuditLog.record(conn, new AuditLog.Entry(operator, AuditLog.CHANNEL_HTTP, "reconciliation.import",
                  courier + "/" + reference, imported.created() || same ? AuditLog.OK : AuditLog.REFUSED,
                  imported.created() ? "imported " + lines.size() + " lines for " + period + " as "
                      + imported.bill().id() : same ? "already imported as " + imported.bill().id()
                      : "reference taken by another bill " + imported.bill().id()))
              .map(imported);
        }))
        .onSuccess(imported -> {
          ctx.put(AdminAuthentication.AUDITED, true);
          ReconciliationRepository.Bill bill = imported.bill();
          if (!imported.created() && !bill.digest().equals(digest)) {
            Problems.send(ctx, 409, "bill-reference-taken", "Conflict", "bill reference '" + reference + "' of "
                + courier + " was imported with other lines or period as " + bill.id());
            return;
          }
          if (imported.created()) {
            log.info("courier bill imported courier={} reference={} period={} lines={} id={} operator={}", courier,
                reference, period, lines.size(), bill.id(), operator);
          }
          ctx.response().setStatusCode(imported.created() ? 201 : 200)
              .putHeader("Location", PATH + "/" + bill.id());
          answer(ctx, bill, false);
        })
        .onFailure(err -> failed(ctx, err));
  }

  private void report(RoutingContext ctx) {
    String format = ctx.queryParams().get("format");
    if (format != null && !format.equals("csv") && !format.equals("json")) {
      Problems.send(ctx, 400, "invalid-parameter", "Bad Request", "query parameter 'format' must be csv or json, was "
          + format);
      return;
    }
    String accept = ctx.request().getHeader("Accept");
    boolean csv = format != null ? format.equals("csv") : accept != null && accept.toLowerCase().contains("text/csv");
    repository.bill(ctx.pathParam("id"))
        .onSuccess(bill -> {
          if (bill == null) {
            Problems.send(ctx, 404, "unknown-reconciliation", "Not Found", "no imported bill " + ctx.pathParam("id"));
          } else {
            answer(ctx, bill, csv);
          }
        })
        .onFailure(err -> failed(ctx, err));
  }

  /** The report of {@code bill} against the ledger as it is now. */
  private void answer(RoutingContext ctx, ReconciliationRepository.Bill bill, boolean csv) {
    Future.all(repository.lines(bill.id()), repository.booked(bill.courier(), bill.period()))
        .onSuccess(both -> {
          List<Reconciliation.BillLine> lines = both.resultAt(0);
          List<Reconciliation.LedgerLine> booked = both.resultAt(1);
          List<Reconciliation.Difference> differences = Reconciliation.differences(lines, booked);
          if (csv) {
            ctx.response().putHeader("Content-Type", SettlementRoutes.CSV)
                .putHeader("Content-Disposition", "attachment; filename=\"reconciliation-" + bill.courier() + "-"
                    + bill.period() + "-" + bill.id() + ".csv\"")
                .end(Reconciliation.csv(differences));
            return;
          }
          ctx.json(new JsonObject().put("id", bill.id()).put("courier", bill.courier())
              .put("reference", bill.reference()).put("period", bill.period().toString())
              .put("importedBy", bill.importedBy()).put("importedAt", bill.createdAt().toString())
              .put("currency", "CNY")
              .put("totals", Reconciliation.totals(lines, booked, differences))
              .put("differences", Reconciliation.json(differences)));
        })
        .onFailure(err -> failed(ctx, err));
  }

  private static void failed(RoutingContext ctx, Throwable err) {
    log.error("reconciliation request failed path={}", ctx.request().path(), err);
    Problems.send(ctx, 500, "internal-error", "Internal Server Error",
        "the request could not be completed; it has been logged");
  }
}
