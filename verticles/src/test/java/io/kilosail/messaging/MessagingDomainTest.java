package io.kilosail.messaging;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The plain-Java parts of messaging: ids, the codec, backoff, shards, the fencing rule. No servers. */
class MessagingDomainTest {

  @Test
  void idsAreVersion7TimeOrderedAndStrictlyIncreasingWithinAMillisecond() {
    Clock frozen = Clock.fixed(Instant.parse("2026-11-22T10:00:00.123Z"), ZoneOffset.UTC);
    MessageIds ids = new MessageIds(frozen, new SecureRandom());
    List<UUID> generated = new ArrayList<>();
    for (int i = 0; i < 5_000; i++) {
      generated.add(ids.nextId());
    }
    assertThat(generated).allSatisfy(id -> assertThat(id.version()).isEqualTo(7));
    assertThat(generated).isSortedAccordingTo((x, y) -> Long.compareUnsigned(x.getMostSignificantBits(),
        y.getMostSignificantBits()));
    assertThat(new HashSet<>(generated)).hasSize(5_000);
    assertThat(MessageIds.millisOf(generated.get(0).toString())).isEqualTo(frozen.millis());
  }

  @Test
  void envelopeSurvivesTheCodecAndCarriesCausality() {
    Envelope cause = Envelope.create("order.accepted", "order", "o-1", new JsonObject().put("amount", 1250))
        .withSagaId("saga-9");
    Envelope effect = Envelope.create("courier.requested", "delivery", "o-1", new JsonObject()).causedBy(cause);
    Envelope decoded = EnvelopeCodec.decode(EnvelopeCodec.encode(effect));
    assertThat(decoded).isEqualTo(effect);
    assertThat(decoded.header(Envelope.CAUSATION_ID)).isEqualTo(cause.id());
    assertThat(decoded.header(Envelope.CORRELATION_ID)).isEqualTo(cause.id());
    assertThat(decoded.header(Envelope.SAGA_ID)).isEqualTo("saga-9");
    assertThatThrownBy(() -> EnvelopeCodec.decode("{\"id\":\"x\"}"))
        .isInstanceOf(EnvelopeCodec.MalformedEnvelopeException.class);
    assertThatThrownBy(() -> EnvelopeCodec.decode("nope")).isInstanceOf(EnvelopeCodec.MalformedEnvelopeException.class);
  }

  @Test
  void backoffDoublesUpToItsCap() {
    Backoff backoff = new Backoff(100, 1_000);
    assertThat(List.of(1, 2, 3, 4, 5, 64).stream().map(backoff::delayAfter).toList())
        .containsExactly(100L, 200L, 400L, 800L, 1_000L, 1_000L);
  }

  @Test
  void everyShardIsVisitedByEveryWorkerAndKeysMapStably() {
    ShardRotation rotation = new ShardRotation(16, 3, 7);
    Set<Integer> visited = new HashSet<>();
    for (int i = 0; i < rotation.groupCount(); i++) {
      visited.addAll(rotation.next());
    }
    assertThat(visited).hasSize(16);
    // A nudge names shards; the relay claims the group each belongs to.
    for (int shard = 0; shard < 16; shard++) {
      assertThat(rotation.group(rotation.groupOf(shard))).contains(shard);
    }
    assertThat(OutboxShards.of("order-42")).isEqualTo(OutboxShards.of("order-42")).isBetween(0, 15);
    // CRC32("order-42") is fixed by the standard, so this holds on every node and JVM.
    java.util.zip.CRC32 crc = new java.util.zip.CRC32();
    crc.update("order-42".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    assertThat(OutboxShards.of("order-42")).isEqualTo((int) (crc.getValue() % 16));
  }

  @Test
  void aFencingTokenMayWriteUnlessAHigherOneHasWritten() {
    assertThat(Fencing.isCurrent(0, 1)).isTrue();
    assertThat(Fencing.isCurrent(5, 5)).isTrue();
    assertThat(Fencing.isCurrent(6, 5)).isFalse();
  }
}
