package io.kilosail.saga;

import io.vertx.core.Vertx;

import java.util.List;

/**
 * The saga types this build runs: the coordinator of the {@code saga} role gets these. The delivery and checkout
 * sagas register here as those capabilities land; until then the coordinator serves operations on stored sagas only.
 */
public final class SagaCatalog {

  private SagaCatalog() {
  }

  public static List<SagaDefinition<?>> definitions(Vertx vertx) {
    return List.of();
  }
}
