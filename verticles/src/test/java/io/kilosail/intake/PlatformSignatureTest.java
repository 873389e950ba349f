package io.kilosail.intake;

import io.kilosail.intake.PlatformSignature.Failure;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class PlatformSignatureTest {

  private static final Instant NOW = Instant.parse("2025-06-01T04:00:00Z");
  private static final String TS = String.valueOf(NOW.getEpochSecond());
  private static final byte[] BODY = "{\"platformOrderId\":\"MT-1\"}".getBytes(StandardCharsets.UTF_8);
  private final PlatformSignature signature = new PlatformSignature(Map.of("meituan", "s3cret"), Duration.ofSeconds(300),
      Clock.fixed(NOW, ZoneOffset.UTC));

  @Test
  void knownVectorMatchesOpenssl() {
    // printf '%s' '1748750400.{"platformOrderId":"MT-1"}' | openssl dgst -sha256 -hmac s3cret  (as in docs/intake.md)
    assertThat(PlatformSignature.sign("s3cret", TS, BODY))
        .isEqualTo("v1=3f90e8b5086bfb14e798e915ae814c3ae60450c51a699b5774f81bcdc2e2f7e9");
  }

  @Test
  void acceptsItsOwnSignatureAndAnyOfSeveral() {
    String good = PlatformSignature.sign("s3cret", TS, BODY);
    assertThat(signature.verify("meituan", TS, good, BODY).ok()).isTrue();
    assertThat(signature.verify("meituan", TS, "v1=00ff, " + good, BODY).ok()).isTrue();
  }

  @Test
  void refusesAChangedBodyTimestampOrSecret() {
    String good = PlatformSignature.sign("s3cret", TS, BODY);
    byte[] changed = "{\"platformOrderId\":\"MT-2\"}".getBytes(StandardCharsets.UTF_8);
    assertThat(signature.verify("meituan", TS, good, changed).failure()).isEqualTo(Failure.BAD_SIGNATURE);
    String earlier = String.valueOf(NOW.getEpochSecond() - 1);
    assertThat(signature.verify("meituan", earlier, good, BODY).failure()).isEqualTo(Failure.BAD_SIGNATURE);
    assertThat(signature.verify("meituan", TS, PlatformSignature.sign("other", TS, BODY), BODY).failure())
        .isEqualTo(Failure.BAD_SIGNATURE);
    assertThat(signature.verify("meituan", TS, "v1=not-hex", BODY).failure()).isEqualTo(Failure.BAD_SIGNATURE);
    assertThat(signature.verify("meituan", TS, good.substring(3), BODY).failure()).isEqualTo(Failure.BAD_SIGNATURE);
  }

  @Test
  void refusesTimestampsOutsideTheTolerance() {
    for (long offset : new long[] {-301, 301}) {
      String ts = String.valueOf(NOW.getEpochSecond() + offset);
      assertThat(signature.verify("meituan", ts, PlatformSignature.sign("s3cret", ts, BODY), BODY).failure())
          .isEqualTo(Failure.STALE_TIMESTAMP);
    }
    String edge = String.valueOf(NOW.getEpochSecond() - 300);
    assertThat(signature.verify("meituan", edge, PlatformSignature.sign("s3cret", edge, BODY), BODY).ok()).isTrue();
    assertThat(signature.verify("meituan", "2025-06-01T04:00:00Z", "v1=00", BODY).failure())
        .isEqualTo(Failure.BAD_TIMESTAMP);
  }

  @Test
  void refusesUnknownPlatformsAndMissingHeaders() {
    String good = PlatformSignature.sign("s3cret", TS, BODY);
    assertThat(signature.verify("ubereats", TS, good, BODY).failure()).isEqualTo(Failure.UNKNOWN_PLATFORM);
    assertThat(signature.verify(null, TS, good, BODY).failure()).isEqualTo(Failure.MISSING_HEADER);
    assertThat(signature.verify("meituan", null, good, BODY).failure()).isEqualTo(Failure.MISSING_HEADER);
    assertThat(signature.verify("meituan", TS, "", BODY).detail()).contains("X-Kilosail-Signature");
  }
}
