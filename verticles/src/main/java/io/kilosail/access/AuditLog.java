package io.kilosail.access;

import io.kilosail.infra.Texts;
import io.kilosail.infra.Times;
import io.kilosail.web.Problems;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * The operators' audit log ({@code operator_audit}): one row per operator action, who, what, when and how it ended.
 * {@link #record(SqlClient, Entry)} takes a connection so an action that is a transaction writes its row inside it;
 * {@code GET /v1/admin/audit} (role ops) reads it back, newest first.
 */
public final class AuditLog {

  public static final String CHANNEL_HTTP = "http";
  public static final String CHANNEL_BRIDGE = "bridge";
  public static final String OK = "ok";
  public static final String REFUSED = "refused";
  public static final String FAILED = "failed";
  static final int DEFAULT_LIMIT = 100;
  static final int MAX_LIMIT = 1000;

  private static final Logger log = LoggerFactory.getLogger(AuditLog.class);

  /** One action. {@code target} and {@code detail} may be null. */
  public record Entry(String operator, String channel, String action, String target, String outcome, String detail) {
  }

  private AuditLog() {
  }

  /** Writes {@code entry} with {@code client}: a connection inside the action's transaction, or the pool. */
  public static Future<Void> record(SqlClient client, Entry entry) {
    return client.preparedQuery("INSERT INTO operator_audit (occurred_at, operator, channel, action, target, outcome,"
            + " detail) VALUES (?, ?, ?, ?, ?, ?, ?)")
        .execute(Tuple.of(Times.toDb(Instant.now()), clip(entry.operator(), 128), entry.channel(),
            clip(entry.action(), 255), clip(entry.target(), 255), entry.outcome(), clip(entry.detail(), 500)))
        .mapEmpty();
  }

  /**
   * As {@link #record(SqlClient, Entry)} for an action already done: a failure to write is logged with the whole entry
   * (so the log still holds it) and does not change the action's answer.
   */
  public static Future<Void> recordAfter(SqlClient client, Entry entry) {
    return record(client, entry).recover(err -> {
      log.error("audit row not written operator={} channel={} action={} target={} outcome={} detail={}",
          entry.operator(), entry.channel(), entry.action(), entry.target(), entry.outcome(), entry.detail(), err);
      return Future.succeededFuture();
    });
  }

  /** {@code GET /v1/admin/audit[?operator=][&before=<instant>][&limit=100]}, behind the admin authentication (ops). */
  public static void mount(Router router, Pool pool) {
    router.get("/v1/admin/audit").handler(ctx -> read(ctx, pool));
  }

  private static void read(RoutingContext ctx, Pool pool) {
    String operator = ctx.queryParams().get("operator");
    String beforeText = ctx.queryParams().get("before");
    String limitText = ctx.queryParams().get("limit");
    Instant before;
    int limit;
    try {
      before = beforeText == null ? Instant.now().plusSeconds(1) : Instant.parse(beforeText);
    } catch (DateTimeParseException e) {
      Problems.send(ctx, 400, "invalid-parameter", "Bad Request",
          "query parameter 'before' is not a UTC ISO-8601 instant (e.g. 2025-06-01T00:00:00Z)");
      return;
    }
    try {
      limit = limitText == null ? DEFAULT_LIMIT : Integer.parseInt(limitText);
    } catch (NumberFormatException e) {
      limit = -1;
    }
    if (limit < 1 || limit > MAX_LIMIT) {
      Problems.send(ctx, 400, "invalid-parameter", "Bad Request",
          "query parameter 'limit' must be an integer from 1 to " + MAX_LIMIT);
      return;
    }
    String sql = "SELECT id, occurred_at, operator, channel, action, target, outcome, detail FROM operator_audit"
        + " WHERE occurred_at < ?" + (operator == null ? "" : " AND operator = ?") + " ORDER BY occurred_at DESC, id DESC"
        + " LIMIT " + limit;
    Tuple args = operator == null ? Tuple.of(Times.toDb(before)) : Tuple.of(Times.toDb(before), operator);
    pool.preparedQuery(sql).execute(args)
        .onSuccess(rows -> {
          JsonArray entries = new JsonArray();
          for (Row r : rows) {
            entries.add(new JsonObject().put("id", r.getLong("id"))
                .put("at", Times.fromDb(r.getLocalDateTime("occurred_at")).toString())
                .put("operator", r.getString("operator")).put("channel", r.getString("channel"))
                .put("action", r.getString("action")).put("target", r.getString("target"))
                .put("outcome", r.getString("outcome")).put("detail", r.getString("detail")));
          }
          ctx.json(new JsonObject().put("entries", entries));
        })
        .onFailure(err -> Problems.sendServiceFailure(ctx, err));
  }

  private static String clip(String text, int max) {
    return Texts.clip(text, max);
  }
}
