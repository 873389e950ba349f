package io.kilosail.saga;

import io.kilosail.contracts.saga.SagaCoordinatorService;
import io.kilosail.contracts.saga.SagaView;
import io.kilosail.web.Problems;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * Saga operations over HTTP, for operators and the admin dashboard:
 * <ul>
 *   <li>{@code GET /v1/admin/sagas/{id}} and {@code GET /v1/admin/sagas?businessKey=} — state, data, timeline;</li>
 *   <li>{@code POST /v1/admin/sagas/{id}/retry} — resume a FAILED saga;</li>
 *   <li>{@code POST /v1/admin/sagas/{id}/compensate} — stop a running or waiting saga and undo what it did.</li>
 * </ul>
 * Calls go to whichever node runs the coordinator, through its service proxy.
 */
public final class SagaAdminRoutes {

  private SagaAdminRoutes() {
  }

  public static void mount(Router router, SagaCoordinatorService coordinator) {
    router.get("/v1/admin/sagas/:id").handler(ctx -> answer(ctx, coordinator.find(ctx.pathParam("id"))));
    router.get("/v1/admin/sagas").handler(ctx -> {
      String key = ctx.queryParams().get("businessKey");
      if (key == null || key.isBlank()) {
        Problems.send(ctx, 400, "missing-parameter", "Bad Request", "query parameter businessKey is required");
        return;
      }
      coordinator.findByBusinessKey(key)
          .onSuccess(list -> ctx.json(new JsonArray(list.stream().map(SagaView::toJson).toList())))
          .onFailure(err -> Problems.sendServiceFailure(ctx, err));
    });
    router.post("/v1/admin/sagas/:id/retry").handler(ctx -> answer(ctx, coordinator.retry(ctx.pathParam("id"))));
    router.post("/v1/admin/sagas/:id/compensate")
        .handler(ctx -> answer(ctx, coordinator.forceCompensate(ctx.pathParam("id"))));
  }

  private static void answer(RoutingContext ctx, Future<SagaView> result) {
    result.onSuccess(view -> ctx.json(view.toJson())).onFailure(err -> Problems.sendServiceFailure(ctx, err));
  }
}
