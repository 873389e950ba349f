package io.kilosail.intake;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import static java.net.http.HttpResponse.BodyHandlers.ofString;

/** Pushes signed as meituan signs them, for the intake tests that start their own ingress. */
final class SignedPushes {

  static final String SECRET = "test-meituan-secret";
  private static final HttpClient client = HttpClient.newHttpClient();

  private SignedPushes() {
  }

  static CompletableFuture<HttpResponse<String>> push(String ordersUrl, String platformOrderId) {
    String body = ReceivedOrderTest.push(platformOrderId).encode();
    String timestamp = String.valueOf(Instant.now().getEpochSecond());
    return client.sendAsync(HttpRequest.newBuilder(URI.create(ordersUrl))
        .header("Content-Type", "application/json")
        .header("X-Kilosail-Platform", "meituan")
        .header("X-Kilosail-Timestamp", timestamp)
        .header("X-Kilosail-Signature", PlatformSignature.sign(SECRET, timestamp, body.getBytes(StandardCharsets.UTF_8)))
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build(), ofString());
  }

  static String newPlatformOrderId() {
    return "MT-" + UUID.randomUUID();
  }
}
