package io.kilosail.courier.gateway;

import io.kilosail.courier.wire.CourierHttpRequest;
import io.kilosail.courier.wire.FengniaoWire;
import io.kilosail.embedded.EmbeddedRedis;
import io.kilosail.infra.Clients;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.redis.client.Redis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fengniao's token shared by two nodes through the real (embedded) Redis. The token endpoint is a counting stand-in
 * that answers after 100 ms, so concurrent callers really overlap; each node is its own {@link FengniaoTokens} on its
 * own event-loop context, as two gateway verticles on two JVMs would be.
 */
@ExtendWith(VertxExtension.class)
class FengniaoTokensTest {

  private static EmbeddedRedis redisServer;

  @BeforeAll
  static void startRedis(@TempDir Path dir) {
    redisServer = EmbeddedRedis.start(dir.resolve("redis"), 0);
  }

  @AfterAll
  static void stopRedis() {
    redisServer.close();
  }

  /** A clock the test moves: token lifetimes are counted on it. */
  static final class TestClock extends Clock {
    final AtomicLong millis = new AtomicLong(Instant.parse("2026-03-01T00:00:00Z").toEpochMilli());

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(millis.get());
    }

    void advanceSeconds(long seconds) {
      millis.addAndGet(seconds * 1000);
    }
  }

  /** The token endpoint: counts requests, issues tok-N / ref-N living {@code lifetimeSeconds}. */
  static final class TokenEndpoint implements FengniaoTokens.Sender {
    final Vertx vertx;
    final long lifetimeSeconds;
    final List<JsonObject> requests = new CopyOnWriteArrayList<>();

    TokenEndpoint(Vertx vertx, long lifetimeSeconds) {
      this.vertx = vertx;
      this.lifetimeSeconds = lifetimeSeconds;
    }

    @Override
    public Future<String> apply(CourierHttpRequest request) {
      requests.add(new JsonObject(request.body()));
      int n = requests.size();
      return vertx.timer(100).map(x -> new JsonObject().put("code", "200").put("msg", "success")
          .put("business_data", new JsonObject().put("access_token", "tok-" + n).put("refresh_token", "ref-" + n)
              .put("expire_in", lifetimeSeconds).put("re_expire_in", lifetimeSeconds + 7 * 86_400).encode())
          .encode());
    }
  }

  /** One node: its own context, Redis client and token holder. */
  record Node(Context context, FengniaoTokens tokens) {

    <T> T await(Supplier<Future<T>> call) throws Exception {
      Promise<T> result = Promise.promise();
      context.runOnContext(v -> call.get().onComplete(result));
      return result.future().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    }

    List<String> concurrently(int callers) throws Exception {
      Promise<List<String>> all = Promise.promise();
      context.runOnContext(v -> {
        List<Future<String>> calls = new ArrayList<>();
        for (int i = 0; i < callers; i++) {
          calls.add(tokens.accessToken());
        }
        Future.all(calls).map(done -> calls.stream().map(Future::result).toList()).onComplete(all);
      });
      return all.future().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    }
  }

  private static Node node(Vertx vertx, String nodeId, FengniaoWire wire, TokenEndpoint endpoint, Clock clock) {
    Context context = vertx.getOrCreateContext();
    Redis redis = Clients.redis(vertx, redisServer.url());
    return new Node(context, new FengniaoTokens(vertx, redis, wire, endpoint, clock, nodeId));
  }

  /** A merchant of its own per test, so the tests share no Redis key. */
  private static FengniaoWire wire(Clock clock) {
    return new FengniaoWire(new FengniaoWire.Credentials("app", "secret", "m-" + UUID.randomUUID(), "store",
        FengniaoWire.TokenGrant.authorizationCode("auth-code")), clock);
  }

  @Test
  void twoNodesAskingAtOnceCauseOneTokenRequest(Vertx vertx) throws Exception {
    TestClock clock = new TestClock();
    FengniaoWire wire = wire(clock);
    TokenEndpoint endpoint = new TokenEndpoint(vertx, 365 * 86_400L);
    Node a = node(vertx, "node-a", wire, endpoint, clock);
    Node b = node(vertx, "node-b", wire, endpoint, clock);

    Promise<List<String>> fromB = Promise.promise();
    vertx.executeBlocking(() -> b.concurrently(5)).onComplete(fromB);
    List<String> fromA = a.concurrently(5);

    assertThat(fromA).containsOnly("tok-1");
    assertThat(fromB.future().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS))
        .containsOnly("tok-1");
    assertThat(endpoint.requests).hasSize(1);
    JsonObject request = endpoint.requests.get(0);
    assertThat(request.getString("grant_type")).isEqualTo("authorization_code");
    assertThat(request.getString("code")).isEqualTo("auth-code");
  }

  @Test
  void theTokenIsRenewedWithItsRefreshTokenBeforeItExpires(Vertx vertx) throws Exception {
    TestClock clock = new TestClock();
    FengniaoWire wire = wire(clock);
    TokenEndpoint endpoint = new TokenEndpoint(vertx, 1_000);
    Node a = node(vertx, "node-a", wire, endpoint, clock);
    Node b = node(vertx, "node-b", wire, endpoint, clock);

    assertThat(a.await(a.tokens()::accessToken)).isEqualTo("tok-1");
    clock.advanceSeconds(800);
    assertThat(a.await(a.tokens()::accessToken)).as("80% of its life: still good").isEqualTo("tok-1");
    assertThat(b.await(b.tokens()::accessToken)).as("the other node takes it from Redis").isEqualTo("tok-1");
    assertThat(endpoint.requests).hasSize(1);

    clock.advanceSeconds(101); // 90.1% of its 1000 s: renew, though it is still valid for another 99 s
    assertThat(a.await(a.tokens()::accessToken)).isEqualTo("tok-2");
    assertThat(endpoint.requests).hasSize(2);
    assertThat(endpoint.requests.get(1).getString("grant_type")).isEqualTo("refresh_token");
    assertThat(endpoint.requests.get(1).getString("refresh_token")).isEqualTo("ref-1");
    assertThat(b.await(b.tokens()::accessToken)).as("renewed once for both nodes").isEqualTo("tok-2");
    assertThat(endpoint.requests).hasSize(2);
  }

  @Test
  void aRefusedTokenIsRenewedOnceForEveryNode(Vertx vertx) throws Exception {
    TestClock clock = new TestClock();
    FengniaoWire wire = wire(clock);
    TokenEndpoint endpoint = new TokenEndpoint(vertx, 365 * 86_400L);
    Node a = node(vertx, "node-a", wire, endpoint, clock);
    Node b = node(vertx, "node-b", wire, endpoint, clock);
    assertThat(a.await(a.tokens()::accessToken)).isEqualTo("tok-1");
    assertThat(b.await(b.tokens()::accessToken)).isEqualTo("tok-1");

    // Fengniao refuses tok-1 (revoked, say) to node A, which renews it...
    assertThat(a.await(() -> a.tokens().renewAfterRejection("tok-1"))).isEqualTo("tok-2");
    assertThat(endpoint.requests).hasSize(2);
    assertThat(endpoint.requests.get(1).getString("refresh_token")).isEqualTo("ref-1");
    assertThat(a.await(a.tokens()::accessToken)).isEqualTo("tok-2");
    // ...and node B, refused the same token a moment later, finds A's new one instead of fetching again.
    assertThat(b.await(() -> b.tokens().renewAfterRejection("tok-1"))).isEqualTo("tok-2");
    assertThat(endpoint.requests).hasSize(2);
  }

  @Test
  void withoutRedisTheNodeKeepsItsOwnToken(Vertx vertx) throws Exception {
    TestClock clock = new TestClock();
    FengniaoWire wire = wire(clock);
    TokenEndpoint endpoint = new TokenEndpoint(vertx, 365 * 86_400L);
    Node unreachable = new Node(vertx.getOrCreateContext(), new FengniaoTokens(vertx,
        Clients.redis(vertx, "redis://127.0.0.1:1"), wire, endpoint, clock, "node-c"));
    assertThat(unreachable.concurrently(3)).containsOnly("tok-1");
    assertThat(unreachable.await(unreachable.tokens()::accessToken)).isEqualTo("tok-1");
    assertThat(endpoint.requests).hasSize(1);
    // Refused: renewed by its refresh token (the authorisation code works only once).
    assertThat(unreachable.await(() -> unreachable.tokens().renewAfterRejection("tok-1"))).isEqualTo("tok-2");
    assertThat(endpoint.requests.get(1).getString("grant_type")).isEqualTo("refresh_token");
    assertThat(endpoint.requests.get(1).getString("refresh_token")).isEqualTo("ref-1");
    assertThat(unreachable.await(unreachable.tokens()::accessToken)).isEqualTo("tok-2");
  }
}
