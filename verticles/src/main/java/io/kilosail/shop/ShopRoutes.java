package io.kilosail.shop;

import io.kilosail.access.AuditLog;
import io.kilosail.admin.AdminAuthentication;
import io.kilosail.contracts.courier.CourierPlatform;
import io.kilosail.web.Problems;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;

/**
 * The operator API of shops (role ops) and courier accounts (role finance), behind the admin authentication
 * ({@code AccessRules#adminPath}); every change writes an {@code operator_audit} row in its own transaction.
 * <ul>
 *   <li>{@code GET /v1/admin/shops[?platform=meituan][&limit=100]}, {@code GET /v1/admin/shops/{platform}/{shopId}};</li>
 *   <li>{@code PUT /v1/admin/shops/{platform}/{shopId}} replaces name, hours and courier accounts, {@code PATCH} changes
 *   the fields it names ({@link ShopEdit}); other nodes drop the shop from their caches at once ({@link ShopDirectory});</li>
 *   <li>{@code GET /v1/admin/courier-accounts}: every tracked account with its balance and low flag;</li>
 *   <li>{@code POST /v1/admin/courier-accounts/{platform}/{accountId}/top-ups} {@code {"amountFen", "reference"}}: 201
 *   when recorded, 200 when the reference was recorded already with the same amount, 409 with another;</li>
 *   <li>{@code PUT /v1/admin/courier-accounts/{platform}/{accountId}} {@code {"lowThresholdFen": n | null}}.</li>
 * </ul>
 */
public final class ShopRoutes {

  private static final Logger log = LoggerFactory.getLogger(ShopRoutes.class);
  static final int MAX_LIST = 1000;

  private final Vertx vertx;
  private final Pool pool;
  private final ShopSettings settings;

  private ShopRoutes(Vertx vertx, Pool pool, ShopSettings settings) {
    this.vertx = vertx;
    this.pool = pool;
    this.settings = settings;
  }

  public static void mount(Vertx vertx, Router router, Pool pool, JsonObject config) {
    ShopRoutes routes = new ShopRoutes(vertx, pool, ShopSettings.fromJson(config));
    router.get("/v1/admin/shops").handler(routes::list);
    router.get("/v1/admin/shops/:platform/:shopId").handler(routes::get);
    router.put("/v1/admin/shops/:platform/:shopId").handler(ctx -> routes.edit(ctx, true));
    router.patch("/v1/admin/shops/:platform/:shopId").handler(ctx -> routes.edit(ctx, false));
    router.get("/v1/admin/courier-accounts").handler(routes::accounts);
    router.post("/v1/admin/courier-accounts/:platform/:accountId/top-ups").handler(routes::topUp);
    router.put("/v1/admin/courier-accounts/:platform/:accountId").handler(routes::threshold);
  }

  private void list(RoutingContext ctx) {
    String platform = ctx.queryParams().get("platform");
    int limit;
    try {
      String raw = ctx.queryParams().get("limit");
      limit = raw == null ? 100 : Integer.parseInt(raw);
      if (limit < 1 || limit > MAX_LIST) {
        throw new NumberFormatException();
      }
    } catch (NumberFormatException e) {
      Problems.send(ctx, 400, "invalid-parameter", "Bad Request", "query parameter 'limit' must be 1 to " + MAX_LIST,
          new JsonObject().put("field", "limit"));
      return;
    }
    ShopRepository.list(pool, platform, limit)
        .onSuccess(shops -> ctx.json(new JsonArray(shops.stream().map(Shop::toJson).toList())))
        .onFailure(err -> failed(ctx, err));
  }

  private void get(RoutingContext ctx) {
    ShopRepository.find(pool, ctx.pathParam("platform"), ctx.pathParam("shopId"))
        .onSuccess(shop -> {
          if (shop == null) {
            notFound(ctx);
          } else {
            ctx.json(shop.toJson());
          }
        })
        .onFailure(err -> failed(ctx, err));
  }

  private void edit(RoutingContext ctx, boolean replace) {
    ShopEdit edit;
    try {
      edit = ShopEdit.parse(body(ctx), replace);
    } catch (ShopEdit.InvalidShopException e) {
      Problems.send(ctx, 400, "invalid-shop", "Bad Request", e.getMessage(), new JsonObject().put("field", e.field()));
      return;
    }
    String platform = ctx.pathParam("platform");
    String shopId = ctx.pathParam("shopId");
    String operator = String.valueOf((Object) ctx.get(AdminAuthentication.OPERATOR));
    Instant now = Instant.now();
    pool.withTransaction(conn -> ShopRepository.lock(conn, platform, shopId).compose(shop -> {
          if (shop == null) {
            return Future.succeededFuture((Shop) null);
          }
          Shop next = edit.applyTo(shop, now);
          return ShopRepository.update(conn, next)
              .compose(x -> AuditLog.record(conn, new AuditLog.Entry(operator, AuditLog.CHANNEL_HTTP,
                  replace ? "shop.replace" : "shop.patch", next.key(), AuditLog.OK,
                  "name=" + next.name() + " hours=" + (next.hours() == null ? "none"
                      : next.hours().opensText() + "-" + next.hours().closesText())
                      + " courierAccounts=" + next.accountsJson().encode())))
              .map(next);
        }))
        .onSuccess(shop -> {
          if (shop == null) {
            notFound(ctx);
            return;
          }
          ShopDirectory.publishChanged(vertx, shop.key());
          log.info("shop edited shop={} version={} operator={}", shop.key(), shop.version(), operator);
          ctx.json(shop.toJson());
        })
        .onFailure(err -> failed(ctx, err));
  }

  private void accounts(RoutingContext ctx) {
    CourierAccountRepository.list(pool)
        .onSuccess(all -> {
          JsonArray accounts = new JsonArray();
          JsonArray low = new JsonArray();
          for (CourierAccountRepository.Stored a : all) {
            JsonObject json = a.toJson(settings.lowThresholdFen());
            accounts.add(json);
            if (json.getBoolean("low")) {
              low.add(a.platform() + "/" + a.accountId());
            }
          }
          ctx.json(new JsonObject().put("floorFen", settings.floorFen())
              .put("defaultLowThresholdFen", settings.lowThresholdFen()).put("accounts", accounts).put("low", low));
        })
        .onFailure(err -> failed(ctx, err));
  }

  private void topUp(RoutingContext ctx) {
    String platform;
    CourierAccountRepository.TopUp topUp;
    try {
      platform = platform(ctx.pathParam("platform"));
      String accountId = accountId(ctx.pathParam("accountId"));
      JsonObject body = body(ctx);
      if (body == null) {
        throw new ShopEdit.InvalidShopException("(body)", "the body must be a JSON object with amountFen, reference");
      }
      if (!(body.getValue("amountFen") instanceof Number n) || n.doubleValue() != Math.floor(n.doubleValue())
          || n.longValue() <= 0 || n.longValue() > 100_000_000_00L) {
        throw new ShopEdit.InvalidShopException("amountFen", "amountFen: required, a whole number of fen above 0");
      }
      if (!(body.getValue("reference") instanceof String ref) || ref.isBlank() || ref.length() > 64) {
        throw new ShopEdit.InvalidShopException("reference", "reference: required, 1 to 64 characters (the"
            + " transfer's reference: the same one again records nothing)");
      }
      for (String field : body.fieldNames()) {
        if (!field.equals("amountFen") && !field.equals("reference")) {
          throw new ShopEdit.InvalidShopException(field, "unknown field " + field + "; a top-up has amountFen,"
              + " reference");
        }
      }
      topUp = new CourierAccountRepository.TopUp(platform, accountId, ((Number) body.getValue("amountFen")).longValue(),
          body.getString("reference"));
    } catch (ShopEdit.InvalidShopException e) {
      Problems.send(ctx, 400, "invalid-top-up", "Bad Request", e.getMessage(), new JsonObject().put("field", e.field()));
      return;
    }
    String operator = String.valueOf((Object) ctx.get(AdminAuthentication.OPERATOR));
    pool.withTransaction(conn -> CourierAccountRepository.topUp(conn, topUp, operator, Instant.now())
            .compose(recorded -> {
              boolean same = recorded.topUp().amountFen() == topUp.amountFen();
              return AuditLog.record(conn, new AuditLog.Entry(operator, AuditLog.CHANNEL_HTTP, "courier-account.top-up",
                  topUp.platform() + "/" + topUp.accountId() + "/" + topUp.reference(),
                  recorded.created() || same ? AuditLog.OK : AuditLog.REFUSED,
                  recorded.created() ? "topped up " + topUp.amountFen() + " fen, balance " + recorded.balanceFen()
                      : same ? "already recorded" : "reference taken by another amount")).map(recorded);
            }))
        .onSuccess(recorded -> {
          JsonObject json = new JsonObject().put("platform", topUp.platform()).put("accountId", topUp.accountId())
              .put("amountFen", recorded.topUp().amountFen()).put("reference", topUp.reference())
              .put("balanceFen", recorded.balanceFen());
          if (!recorded.created() && recorded.topUp().amountFen() != topUp.amountFen()) {
            Problems.send(ctx, 409, "top-up-reference-taken", "Conflict", "reference '" + topUp.reference()
                + "' was recorded for " + recorded.topUp().amountFen() + " fen", new JsonObject().put("field",
                "reference"));
            return;
          }
          if (recorded.created()) {
            log.info("courier account topped up platform={} account={} amountFen={} balanceFen={} operator={}",
                topUp.platform(), topUp.accountId(), topUp.amountFen(), recorded.balanceFen(), operator);
            CourierBalanceGauges.publishChanged(vertx, topUp.platform(), topUp.accountId());
          }
          ctx.response().setStatusCode(recorded.created() ? 201 : 200).putHeader("Content-Type", "application/json")
              .end(json.encode());
        })
        .onFailure(err -> failed(ctx, err));
  }

  private void threshold(RoutingContext ctx) {
    String platform;
    String accountId;
    Long threshold;
    try {
      platform = platform(ctx.pathParam("platform"));
      accountId = accountId(ctx.pathParam("accountId"));
      JsonObject body = body(ctx);
      if (body == null || !body.containsKey("lowThresholdFen") || body.size() != 1) {
        throw new ShopEdit.InvalidShopException("lowThresholdFen", "the body must be {\"lowThresholdFen\": fen or"
            + " null}");
      }
      Object raw = body.getValue("lowThresholdFen");
      if (raw != null && (!(raw instanceof Number n) || n.doubleValue() != Math.floor(n.doubleValue())
          || n.longValue() < 0)) {
        throw new ShopEdit.InvalidShopException("lowThresholdFen", "lowThresholdFen must be a whole number of fen,"
            + " 0 or more, or null for the default");
      }
      threshold = raw == null ? null : ((Number) raw).longValue();
    } catch (ShopEdit.InvalidShopException e) {
      Problems.send(ctx, 400, "invalid-courier-account", "Bad Request", e.getMessage(),
          new JsonObject().put("field", e.field()));
      return;
    }
    String operator = String.valueOf((Object) ctx.get(AdminAuthentication.OPERATOR));
    pool.withTransaction(conn -> CourierAccountRepository.threshold(conn, platform, accountId, threshold, Instant.now())
            .compose(x -> AuditLog.record(conn, new AuditLog.Entry(operator, AuditLog.CHANNEL_HTTP,
                "courier-account.threshold", platform + "/" + accountId, AuditLog.OK,
                "lowThresholdFen=" + threshold))))
        .onSuccess(x -> {
          CourierBalanceGauges.publishChanged(vertx, platform, accountId);
          ctx.json(new JsonObject().put("platform", platform).put("accountId", accountId)
              .put("lowThresholdFen", threshold));
        })
        .onFailure(err -> failed(ctx, err));
  }

  private static String platform(String raw) {
    try {
      return CourierPlatform.fromId(raw).id();
    } catch (RuntimeException e) {
      throw new ShopEdit.InvalidShopException("platform", "platform must be a courier platform: uu, shansong, sf,"
          + " fengniao");
    }
  }

  private static String accountId(String raw) {
    if (raw == null || raw.isBlank() || raw.length() > ShopEdit.MAX_ACCOUNT) {
      throw new ShopEdit.InvalidShopException("accountId", "accountId must be 1 to " + ShopEdit.MAX_ACCOUNT
          + " characters");
    }
    return raw;
  }

  private static JsonObject body(RoutingContext ctx) {
    try {
      return ctx.body() == null || ctx.body().length() == 0 ? null : ctx.body().asJsonObject();
    } catch (DecodeException | ClassCastException e) {
      throw new ShopEdit.InvalidShopException("(body)", "the body is not a JSON object");
    }
  }

  private static void notFound(RoutingContext ctx) {
    Problems.send(ctx, 404, "not-found", "Not Found", "no shop " + ctx.pathParam("platform") + "/"
        + ctx.pathParam("shopId") + "; shops are created by their first order");
  }

  private static void failed(RoutingContext ctx, Throwable err) {
    log.error("shop request failed path={}", ctx.request().path(), err);
    Problems.send(ctx, 500, "internal-error", "Internal Server Error",
        "the request could not be completed; it has been logged");
  }
}
