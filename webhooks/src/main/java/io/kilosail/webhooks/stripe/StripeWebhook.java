package io.kilosail.webhooks.stripe;

import io.kilosail.payment.stripe.StripeSettings;
import io.kilosail.web.Problems;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;

/**
 * Stripe's webhook, {@code POST /webhooks/stripe}, mounted on the webhook server: verify {@code Stripe-Signature} on
 * the raw body (401 and nothing stored when it does not verify, is too old, or the body was altered), read the event
 * (400 when a signed body is no event), store and apply it ({@link StripeEventStore}) and answer
 * {@code {"received":true}} only after the commit. Duplicates, stale events and types we do not act on are answered
 * 2xx too: Stripe would otherwise retry them for days. A database failure answers 500, so Stripe retries later.
 *
 * <p>Meters: {@code kilosail.payment.webhook} (channel stripe, outcome: the store's outcome, or rejected_signature,
 * unreadable, failed).
 */
public final class StripeWebhook {

  public static final String PATH = "/webhooks/stripe";
  private static final Logger log = LoggerFactory.getLogger(StripeWebhook.class);

  private final StripeSignature signature;
  private final StripeEventStore store;
  private final MeterRegistry registry;
  private final Clock clock;

  public StripeWebhook(StripeSettings settings, Pool pool, MeterRegistry registry, Clock clock) {
    this.signature = new StripeSignature(settings.webhookSecrets(), settings.tolerance());
    this.store = new StripeEventStore(pool);
    this.registry = registry;
    this.clock = clock;
  }

  public void mount(Router router, int maxBodyBytes) {
    // Raw bytes are what Stripe signs: nothing may parse or re-encode them first.
    router.post(PATH).handler(BodyHandler.create(false).setBodyLimit(maxBodyBytes));
    router.post(PATH).handler(this::handle);
  }

  private void handle(RoutingContext ctx) {
    Buffer raw = ctx.body().buffer();
    byte[] bytes = raw == null ? new byte[0] : raw.getBytes();
    Instant now = clock.instant();
    StripeSignature.Verdict verdict = signature.verify(ctx.request().getHeader("Stripe-Signature"), bytes,
        now.getEpochSecond());
    if (verdict != StripeSignature.Verdict.VALID) {
      count("rejected_signature");
      log.warn("stripe webhook refused reason={} bytes={} from={}", verdict, bytes.length,
          ctx.request().remoteAddress());
      Problems.send(ctx, 401, "stripe-signature", "Unauthorized", switch (verdict) {
        case NO_HEADER -> "the Stripe-Signature header is missing";
        case MALFORMED_HEADER -> "the Stripe-Signature header is not t=<seconds>,v1=<hex>";
        case TIMESTAMP_TOO_OLD -> "the signature's timestamp is older than the tolerance; a replay is refused";
        default -> "no v1 signature matches the body with the endpoint's secret";
      });
      return;
    }
    // A signed empty body is possible (the signature covers zero bytes): it is unreadable, not a server error.
    String body = new String(bytes, StandardCharsets.UTF_8);
    StripeEvent event;
    try {
      event = StripeEvent.read(body);
    } catch (StripeEvent.Unreadable e) {
      count("unreadable");
      log.warn("stripe webhook refused reason=unreadable cause={}", e.getMessage());
      Problems.send(ctx, 400, "stripe-event-unreadable", "Bad Request", e.getMessage());
      return;
    }
    store.store(event, body, now)
        .onSuccess(stored -> {
          count(stored.outcome().name().toLowerCase(java.util.Locale.ROOT));
          log.info("stripe event id={} type={} session={} orderId={} outcome={} from={} to={}", event.id(),
              event.type(), event.sessionId(), stored.before() != null ? stored.before().orderId() : event.orderId(),
              stored.outcome(), stored.before() == null ? null : stored.before().state(),
              stored.after() == null ? null : stored.after().state());
          ctx.response().putHeader("Content-Type", "application/json").end("{\"received\":true}");
        })
        .onFailure(err -> {
          count("failed");
          log.error("stripe event not stored id={} type={}", event.id(), event.type(), err);
          Problems.send(ctx, 500, "internal-error", "Internal Server Error",
              "the event could not be stored; Stripe will retry");
        });
  }

  private void count(String outcome) {
    Counter.builder("kilosail.payment.webhook").tag("channel", StripeSettings.CHANNEL).tag("outcome", outcome)
        .register(registry).increment();
  }
}
