package io.kilosail.pushback;

import io.kilosail.platform.settings.SettingException;
import io.kilosail.pushback.PushbackRules.AfterAck;
import io.kilosail.pushback.PushbackRules.Progress;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PushbackRulesTest {

  private static final Instant T0 = Instant.parse("2025-06-01T04:00:00Z");
  private static final Instant T1 = T0.plusSeconds(1);

  @Test
  void aNewOrderIsDueAtOnceAndPending() {
    Progress p = PushbackRules.first(0, T0);
    assertThat(p).isEqualTo(new Progress(0, -1, 0, T0, T0));
    assertThat(p.pending()).isTrue();
  }

  @Test
  void onlyAHigherVersionReplacesTheRow() {
    Progress stored = new Progress(3, 1, 0, T0, T0);
    assertThat(PushbackRules.observe(stored, 3, T1)).as("same version: a repeated event").isNull();
    assertThat(PushbackRules.observe(stored, 2, T1)).as("older version: a late event").isNull();
    Progress newer = PushbackRules.observe(stored, 5, T1);
    assertThat(newer.version()).isEqualTo(5);
    assertThat(newer.ackedVersion()).isEqualTo(1);
    assertThat(newer.pendingSince()).as("still behind since the first unacked change").isEqualTo(T0);
    assertThat(PushbackRules.supersedesUnsent(stored, 5)).as("version 3 was never acked: skipped").isTrue();
  }

  @Test
  void anAcknowledgedRowWakesUpAtOnceForANewerState() {
    Progress rested = new Progress(2, 2, 0, null, null);
    Progress next = PushbackRules.observe(rested, 3, T1);
    assertThat(next).isEqualTo(new Progress(3, 2, 0, T1, T1));
    assertThat(PushbackRules.supersedesUnsent(rested, 3)).isFalse();
  }

  @Test
  void aRowInBackoffKeepsItsRetryInstantForTheNewerState() {
    Instant retryAt = T0.plusSeconds(30);
    Progress failing = new Progress(2, 0, 3, retryAt, T0);
    Progress next = PushbackRules.observe(failing, 4, T1);
    assertThat(next).isEqualTo(new Progress(4, 0, 3, retryAt, T0));
  }

  @Test
  void anAckCoversItsVersionAndANewerStateIsSentNext() {
    Progress moved = new Progress(4, 1, 2, T0, T0);   // version 4 arrived while version 3 was in flight
    assertThat(PushbackRules.acked(moved, 3, T1)).isEqualTo(new Progress(4, 3, 0, T1, T1));
    Progress same = new Progress(3, 1, 2, T0, T0);
    assertThat(PushbackRules.acked(same, 3, T1)).isEqualTo(new Progress(3, 3, 0, null, null));
    assertThat(PushbackRules.acked(new Progress(3, 3, 0, null, null), 2, T1).ackedVersion())
        .as("an old ack never lowers the acked version").isEqualTo(3);
  }

  @Test
  void afterABatchedAckTheHolderSendsTheNewerStateOnlyUnderItsOwnLease() {
    assertThat(PushbackRules.afterAck(3, "lease-a", false, 3, 3, "lease-a")).isEqualTo(AfterAck.DONE);
    assertThat(PushbackRules.afterAck(3, "lease-a", true, 4, 3, "lease-a"))
        .as("moved on while in flight: still this pusher's").isEqualTo(AfterAck.MOVED_ON);
    assertThat(PushbackRules.afterAck(3, "lease-a", true, 4, 3, "lease-b"))
        .as("a move after the ack took a fresh lease: its nudge sends it").isEqualTo(AfterAck.DONE);
    assertThat(PushbackRules.afterAck(3, "lease-a", true, 4, 1, "lease-b"))
        .as("the lease was taken over: the ack was not written").isEqualTo(AfterAck.NOT_HELD);
    assertThat(PushbackRules.afterAck(3, "lease-a", true, 4, 1, "lease-a"))
        .as("same lease but not recorded (cannot happen): never pushed on as if acknowledged")
        .isEqualTo(AfterAck.NOT_HELD);
  }

  @Test
  void aFailureCountsAndWaitsOutTheBackoff() {
    Progress stored = new Progress(3, 1, 2, T0, T0);
    assertThat(PushbackRules.failed(stored, T1, 4_000)).isEqualTo(new Progress(3, 1, 3, T1.plusMillis(4_000), T0));
    assertThat(PushbackRules.failed(new Progress(3, 3, 0, null, null), T1, 4_000))
        .as("acked meanwhile (by a pusher whose lease was taken over): rests").isEqualTo(new Progress(3, 3, 0, null, null));
  }

  @Test
  void backoffDoublesFromOneSecondToFiveMinutes() {
    long[] expected = {1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 64_000, 128_000, 256_000, 300_000, 300_000};
    for (int attempt = 1; attempt <= expected.length; attempt++) {
      assertThat(PushbackRules.backoffMs(attempt, 1_000, 300_000, 0.2, 0.0)).as("attempt " + attempt)
          .isEqualTo(expected[attempt - 1]);
    }
    assertThat(PushbackRules.backoffMs(1_000_000, 1_000, 300_000, 0.2, 0.0)).isEqualTo(300_000);
  }

  @Test
  void jitterTakesOffAtMostItsShare() {
    assertThat(PushbackRules.backoffMs(3, 1_000, 300_000, 0.2, 0.999)).isBetween(3_200L, 4_000L);
    assertThat(PushbackRules.backoffMs(3, 1_000, 300_000, 0.2, 0.5)).isEqualTo(3_600);
    assertThat(PushbackRules.backoffMs(3, 1_000, 300_000, 0.0, 0.999)).isEqualTo(4_000);
    assertThatThrownBy(() -> PushbackRules.backoffMs(0, 1_000, 300_000, 0.2, 0.5))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void occurredAtIsTheInstantOfTheCurrentState() {
    Instant received = T0;
    Instant timeline = T0.plusSeconds(60);
    Instant updated = T0.plusSeconds(61);
    assertThat(PushbackRules.occurredAt("CREATED", received, null, null, updated)).isEqualTo(received);
    assertThat(PushbackRules.occurredAt("PICKED_UP", received, "PICKED_UP", timeline, updated)).isEqualTo(timeline);
    assertThat(PushbackRules.occurredAt("DISPATCHING", received, "ACCEPTED", timeline, updated)).isEqualTo(updated);
  }

  @Test
  void settingsDefaultTheCallbackUrlToTheSimulatorOnlyWhenItRuns() {
    JsonObject platforms = new JsonObject()
        .put("_comment", "ignored")
        .put("meituan", new JsonObject().put("secret", "s1"))
        .put("eleme", new JsonObject().put("secret", "s2").put("callbackUrl", "https://eleme.example/cb"));
    PushbackSettings simulated = PushbackSettings.fromJson(new JsonObject().put("platforms", platforms)
        .put("simulators", new JsonObject().put("enabled", true).put("courierPort", 8091)));
    assertThat(simulated.callbacks().get("meituan").url()).isEqualTo("http://127.0.0.1:8091/food/meituan/callbacks");
    assertThat(simulated.callbacks().get("meituan").secret()).isEqualTo("s1");
    assertThat(simulated.callbacks().get("eleme").url()).isEqualTo("https://eleme.example/cb");
    assertThat(simulated.withoutUrl()).isEmpty();
    assertThat(simulated.initialBackoffMs()).isEqualTo(1_000);
    assertThat(simulated.maxBackoffMs()).isEqualTo(300_000);

    // Without the simulators a platform without a URL stops start-up, naming the setting, unless switched off.
    assertThatThrownBy(() -> PushbackSettings.fromJson(new JsonObject().put("platforms", platforms)
        .put("simulators", new JsonObject().put("courierPort", 8091))))
        .isInstanceOf(SettingException.class)
        .hasMessageContaining("platforms.meituan.callbackUrl (KILOSAIL_PLATFORM_MEITUAN_CALLBACK_URL)")
        .hasMessageContaining("pushback.enabled=false");
    assertThatThrownBy(() -> PushbackSettings.fromJson(new JsonObject().put("platforms", new JsonObject()
        .put("jd", new JsonObject().put("secret", "s").put("callbackUrl", " ")))))
        .isInstanceOf(SettingException.class).hasMessageContaining("platforms.jd.callbackUrl");
    PushbackSettings off = PushbackSettings.fromJson(new JsonObject().put("platforms", platforms)
        .put("pushback", new JsonObject().put("enabled", "false")));
    assertThat(off.enabled()).isFalse();
    assertThat(off.callbacks()).isEmpty();
    assertThat(off.withoutUrl()).containsExactlyInAnyOrder("meituan", "eleme");
    assertThatThrownBy(() -> PushbackSettings.fromJson(new JsonObject()
        .put("pushback", new JsonObject().put("enabled", "maybe"))))
        .isInstanceOf(SettingException.class).hasMessageContaining("pushback.enabled");

    assertThatThrownBy(() -> PushbackSettings.fromJson(new JsonObject().put("platforms", new JsonObject()
        .put("jd", new JsonObject().put("secret", "s").put("callbackUrl", "not a url")))))
        .isInstanceOf(SettingException.class).hasMessageContaining("platforms.jd.callbackUrl");
    assertThatThrownBy(() -> PushbackSettings.fromJson(new JsonObject()
        .put("pushback", new JsonObject().put("httpTimeoutMs", 10_000).put("leaseMs", 15_000))))
        .isInstanceOf(SettingException.class).hasMessageContaining("pushback.leaseMs");
  }
}
