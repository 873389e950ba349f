package io.kilosail.payment.stripe;

import io.kilosail.platform.settings.ConfigSection;
import io.kilosail.platform.settings.SettingException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code payments.stripe} section (docs/stripe.md).
 *
 * @param apiBase          Stripe's API base without {@code /v1}: {@code https://api.stripe.com} in production; by
 *                         default the Stripe simulator, {@code http://127.0.0.1:<simulators.courierPort>/stripe}
 * @param secretKey        the API key ({@code sk_...}), sent as {@code Authorization: Bearer}
 * @param webhookSecrets   the endpoint's signing secrets ({@code whsec_...}); two while a secret is being rolled, a
 *                         signature verifying with either is accepted
 * @param tolerance        how old a webhook's signed timestamp may be, in seconds (Stripe's libraries: 300)
 * @param timeoutMs        one API call's HTTP timeout
 * @param successUrl       where Stripe sends the customer after paying ({@code {ORDER_ID}} is replaced)
 * @param cancelUrl        where Stripe sends a customer who goes back
 */
public record StripeSettings(String apiBase, String secretKey, List<String> webhookSecrets, long tolerance,
                             int timeoutMs, String successUrl, String cancelUrl, Circuit circuit) {

  public static final String CHANNEL = "stripe";
  public static final String SECTION = "payments";
  public static final int DEFAULT_SIMULATOR_PORT = 8091;

  /** Open after {@code maxFailures} unavailable answers; one trial call after {@code resetTimeoutMs}. */
  public record Circuit(int maxFailures, int timeoutMs, int resetTimeoutMs) {
  }

  public static StripeSettings fromJson(JsonObject config) {
    ConfigSection s = new ConfigSection(config, SECTION).section(CHANNEL);
    int simulatorPort = config.getJsonObject("simulators", new JsonObject()).getInteger("courierPort",
        DEFAULT_SIMULATOR_PORT);
    String apiBase = s.text("apiBase", "http://127.0.0.1:" + simulatorPort + "/stripe");
    try {
      URI uri = URI.create(apiBase);
      if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
        throw new IllegalArgumentException("not an absolute http(s) URL");
      }
    } catch (IllegalArgumentException e) {
      throw new SettingException(s.name("apiBase"), "must be an absolute http(s) URL, got '" + apiBase + "'");
    }
    Object secrets = s.values().getValue("webhookSecrets", new JsonArray().add("whsec_dev_kilosail"));
    List<String> webhookSecrets = new ArrayList<>();
    if (secrets instanceof String one) {
      // One variable holds both while rolling: KILOSAIL_STRIPE_WEBHOOK_SECRETS=whsec_new,whsec_old
      for (String part : one.split(",")) {
        if (!part.isBlank()) {
          webhookSecrets.add(part.trim());
        }
      }
    } else if (secrets instanceof JsonArray array) {
      for (Object secret : array) {
        if (!(secret instanceof String text) || text.isBlank()) {
          throw new SettingException(s.name("webhookSecrets"), "every secret must be a non-empty string");
        }
        webhookSecrets.add(text);
      }
    }
    if (webhookSecrets.isEmpty() || webhookSecrets.size() > 2) {
      throw new SettingException(s.name("webhookSecrets"),
          "must hold one secret, or two while rolling from one to the next");
    }
    ConfigSection circuit = s.section("circuit");
    return new StripeSettings(
        apiBase.endsWith("/") ? apiBase.substring(0, apiBase.length() - 1) : apiBase,
        s.text("secretKey", "sk_test_kilosail_dev"),
        List.copyOf(webhookSecrets),
        s.integer("toleranceSeconds", 300, 1, 3600),
        s.integer("timeoutMs", 10_000, 100, 120_000),
        s.text("successUrl", "http://127.0.0.1:8080/v1/orders/{ORDER_ID}"),
        s.text("cancelUrl", "http://127.0.0.1:8080/v1/orders/{ORDER_ID}"),
        new Circuit(circuit.integer("maxFailures", 5, 1, 1000),
            circuit.integer("timeoutMs", 15_000, 100, 120_000),
            circuit.integer("resetTimeoutMs", 10_000, 100, 3_600_000)));
  }
}
