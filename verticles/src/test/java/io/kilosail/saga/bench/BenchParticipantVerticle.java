package io.kilosail.saga.bench;

import io.kilosail.contracts.saga.SagaStep;
import io.kilosail.infra.Clients;
import io.kilosail.platform.settings.InfraSettings;
import io.kilosail.saga.SagaBarrier;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.serviceproxy.ServiceBinder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.List;

/**
 * Three participants (one per step address), each effect one SQL write in the participant's own transaction together
 * with its {@link SagaBarrier} row, as in production: BEGIN; INSERT IGNORE saga_barrier; INSERT bench_effect; COMMIT.
 */
public final class BenchParticipantVerticle extends VerticleBase {

  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private Pool pool;

  public static Future<Void> createTable(Pool pool) {
    return pool.query("CREATE TABLE IF NOT EXISTS bench_effect (saga_id CHAR(36) NOT NULL, step VARCHAR(64) NOT NULL,"
        + " business_key VARCHAR(64) NOT NULL, amount BIGINT NOT NULL, PRIMARY KEY (saga_id, step))"
        + " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin").execute().mapEmpty();
  }

  @Override
  public Future<?> start() {
    pool = Clients.mysqlPool(vertx, InfraSettings.fromJson(config()).mysql());
    List<Future<Void>> registered = new ArrayList<>();
    for (String address : BenchSaga.ADDRESSES) {
      MessageConsumer<?> consumer = new ServiceBinder(vertx).setAddress(address)
          .register(BenchStepService.class, new Participant());
      consumers.add(consumer);
      registered.add(consumer.completion());
    }
    return Future.all(registered);
  }

  @Override
  public Future<?> stop() {
    return Future.join(consumers.stream().map(MessageConsumer::unregister).toList()).eventually(() -> pool.close());
  }

  private final class Participant implements BenchStepService {
    @Override
    public Future<Void> apply(SagaStep step, String key, long amount) {
      return pool.withTransaction(conn -> SagaBarrier.action(conn, step, () ->
          conn.preparedQuery("INSERT INTO bench_effect (saga_id, step, business_key, amount) VALUES (?, ?, ?, ?)")
              .execute(Tuple.of(step.getSagaId(), step.getStep(), key, amount)))).mapEmpty();
    }

    @Override
    public Future<Void> undo(SagaStep step, String key, long amount) {
      return pool.withTransaction(conn -> SagaBarrier.compensation(conn, step, () ->
          conn.preparedQuery("DELETE FROM bench_effect WHERE saga_id = ? AND step = ?")
              .execute(Tuple.of(step.getSagaId(), step.getStep())))).mapEmpty();
    }
  }
}
