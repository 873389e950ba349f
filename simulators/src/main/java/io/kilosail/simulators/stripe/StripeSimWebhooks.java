package io.kilosail.simulators.stripe;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * Delivers Stripe events to the configured endpoint the way Stripe does, warts included: each attempt signed afresh
 * ({@link StripeSimSignatures}), retried on a non-2xx answer or no answer after the configured delays, and on demand
 * sent more than once or out of order, because kilosail's webhook must survive all of that.
 *
 * <p>At most {@code maxInFlight} posts wait for an answer at once; the rest queue (bounded). Touched only on the event
 * loop of the verticle that created it.
 */
final class StripeSimWebhooks {

  private static final Logger log = LoggerFactory.getLogger(StripeSimWebhooks.class);

  /** How long an event is held back for reordering when no later event comes to overtake it. */
  static final long REORDER_HOLD_MS = 300;
  static final List<Long> DEFAULT_RETRY_DELAYS_MS = List.of(200L, 1_000L, 5_000L, 15_000L, 30_000L, 60_000L);
  static final long DEFAULT_TIMEOUT_MS = 5_000;
  static final int DEFAULT_MAX_IN_FLIGHT = 64;
  private static final int MAX_DUPLICATES = 10;
  private static final int MAX_RETRIES = 50;
  private static final long MAX_RETRY_DELAY_MS = 3_600_000;
  /** Posts waiting for a free slot; beyond this a send is dropped (and logged) rather than grow without bound. */
  private static final int MAX_QUEUED = 100_000;
  /** The fields {@code PUT /_control/stripe/webhooks} may change; timeout and concurrency are fixed at start. */
  static final Set<String> RUNTIME_FIELDS = Set.of("webhookUrl", "duplicates", "reorder", "retryDelaysMs");

  /** What changes at run time. {@code webhookUrl} null: events are recorded, not delivered. */
  record Settings(String webhookUrl, int duplicates, boolean reorder, List<Long> retryDelaysMs) {

    static final Settings DEFAULT = new Settings(null, 0, false, DEFAULT_RETRY_DELAYS_MS);

    /**
     * These settings with {@code changes} applied (fields of {@link #RUNTIME_FIELDS}, a field absent keeps its value).
     * Throws {@link IllegalArgumentException} naming the field as {@code name} spells it; nothing is half applied
     * since a new record is returned.
     */
    Settings with(JsonObject changes, UnaryOperator<String> name) {
      String url = webhookUrl;
      if (changes.containsKey("webhookUrl")) {
        Object value = changes.getValue("webhookUrl");
        if (value != null && !(value instanceof String text && isHttpUrl(text))) {
          throw new IllegalArgumentException(name.apply("webhookUrl") + " must be an absolute http(s) URL or null,"
              + " got " + value);
        }
        url = (String) value;
      }
      int copies = duplicates;
      if (changes.containsKey("duplicates")) {
        if (!(changes.getValue("duplicates") instanceof Integer n) || n < 0 || n > MAX_DUPLICATES) {
          throw new IllegalArgumentException(name.apply("duplicates") + " must be an integer from 0 to "
              + MAX_DUPLICATES + ", got " + changes.getValue("duplicates"));
        }
        copies = n;
      }
      boolean shuffle = reorder;
      if (changes.containsKey("reorder")) {
        if (!(changes.getValue("reorder") instanceof Boolean b)) {
          throw new IllegalArgumentException(name.apply("reorder") + " must be true or false, got "
              + changes.getValue("reorder"));
        }
        shuffle = b;
      }
      List<Long> delays = retryDelaysMs;
      if (changes.containsKey("retryDelaysMs")) {
        String field = name.apply("retryDelaysMs");
        if (!(changes.getValue("retryDelaysMs") instanceof JsonArray array) || array.size() > MAX_RETRIES) {
          throw new IllegalArgumentException(field + " must be an array of at most " + MAX_RETRIES
              + " delays in ms, got " + changes.getValue("retryDelaysMs"));
        }
        List<Long> read = new ArrayList<>();
        for (Object delay : array) {
          if (!(delay instanceof Integer || delay instanceof Long) || ((Number) delay).longValue() < 0
              || ((Number) delay).longValue() > MAX_RETRY_DELAY_MS) {
            throw new IllegalArgumentException(field + " holds whole milliseconds from 0 to " + MAX_RETRY_DELAY_MS
                + ", got " + delay);
          }
          read.add(((Number) delay).longValue());
        }
        delays = List.copyOf(read);
      }
      return new Settings(url, copies, shuffle, delays);
    }

    JsonObject toJson() {
      return new JsonObject().put("webhookUrl", webhookUrl).put("duplicates", duplicates).put("reorder", reorder)
          .put("retryDelaysMs", new JsonArray(new ArrayList<>(retryDelaysMs)));
    }
  }

  /** One post of one event: {@code attempt} 0 is the first try, each retry one more. */
  private record Send(StripeSimEvent event, int attempt, boolean replay) {
  }

  private final Vertx vertx;
  private final List<String> secrets;
  private final Settings configured;
  private final long timeoutMs;
  private final int maxInFlight;
  private final WebClient client;

  private Settings settings;
  private final ArrayDeque<Send> queue = new ArrayDeque<>();
  private int inFlight;
  private int retriesWaiting;
  private StripeSimEvent held;
  private long heldTimer = -1;
  private boolean closed;

  private long published;
  private long attempts;
  private long delivered;
  private long failedAttempts;
  private long givenUp;
  private long dropped;

  StripeSimWebhooks(Vertx vertx, List<String> secrets, Settings settings, long timeoutMs, int maxInFlight) {
    this.vertx = vertx;
    this.secrets = List.copyOf(secrets);
    this.configured = settings;
    this.settings = settings;
    this.timeoutMs = timeoutMs;
    this.maxInFlight = maxInFlight;
    this.client = WebClient.create(vertx, new WebClientOptions().setKeepAlive(true),
        new PoolOptions().setHttp1MaxSize(maxInFlight));
  }

  static boolean isHttpUrl(String text) {
    try {
      URI uri = new URI(text);
      return ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null;
    } catch (URISyntaxException e) {
      return false;
    }
  }

  Settings settings() {
    return settings;
  }

  void change(Settings changed) {
    settings = changed;
    log.info("stripe simulator webhook settings changed {}", changed.toJson().encode());
  }

  /**
   * Sends a new event: with duplicates on, several identical copies; with reorder on, held back until the next event
   * has been sent (or {@link #REORDER_HOLD_MS} passed), so the two arrive swapped.
   */
  void publish(StripeSimEvent event) {
    published++;
    StripeSimEvent before = held;
    if (before != null) {
      held = null;
      vertx.cancelTimer(heldTimer);
      heldTimer = -1;
      sendCopies(event);
      sendCopies(before);
      return;
    }
    if (settings.reorder()) {
      held = event;
      heldTimer = vertx.setTimer(REORDER_HOLD_MS, id -> {
        if (held == event) {
          held = null;
          heldTimer = -1;
          sendCopies(event);
        }
      });
      return;
    }
    sendCopies(event);
  }

  /** Sends an event once more, as a replay (Stripe's "resend" button): one copy, its own retries. */
  void resend(StripeSimEvent event) {
    enqueue(new Send(event, 0, true));
  }

  private void sendCopies(StripeSimEvent event) {
    for (int copy = 0; copy <= settings.duplicates(); copy++) {
      enqueue(new Send(event, 0, false));
    }
  }

  private void enqueue(Send send) {
    if (closed) {
      return;
    }
    if (queue.size() >= MAX_QUEUED) {
      dropped++;
      send.event().recordFailed(System.currentTimeMillis(), null, "dropped: " + MAX_QUEUED + " posts already queued",
          send.attempt() + 1, send.replay());
      log.warn("stripe simulator dropped a webhook post eventId={} type={} queued={}", send.event().id,
          send.event().type, queue.size());
      return;
    }
    queue.add(send);
    pump();
  }

  private void pump() {
    while (!closed && inFlight < maxInFlight && !queue.isEmpty()) {
      post(queue.poll());
    }
  }

  private void post(Send send) {
    StripeSimEvent event = send.event();
    long now = System.currentTimeMillis();
    String url = settings.webhookUrl();
    if (url == null) {
      event.recordFailed(now, null, "not sent: no webhookUrl configured", send.attempt() + 1, send.replay());
      return;
    }
    inFlight++;
    attempts++;
    client.postAbs(url)
        .timeout(timeoutMs)
        .putHeader("Content-Type", "application/json; charset=utf-8")
        .putHeader("User-Agent", "Stripe/1.0 (+https://stripe.com/docs/webhooks)")
        // A fresh timestamp on every attempt, as Stripe signs each one anew: a receiver's tolerance check then
        // judges the attempt, not the event's age.
        .putHeader(StripeSimSignatures.HEADER, StripeSimSignatures.header(secrets, now / 1000, event.body))
        .sendBuffer(Buffer.buffer(event.body))
        .onComplete(answer -> {
          inFlight--;
          long at = System.currentTimeMillis();
          if (answer.succeeded() && answer.result().statusCode() / 100 == 2) {
            delivered++;
            event.recordDelivered(at, answer.result().statusCode(), send.attempt() + 1, send.replay());
            log.debug("stripe simulator webhook delivered eventId={} type={} attempt={}", event.id, event.type,
                send.attempt() + 1);
          } else {
            Integer status = answer.succeeded() ? answer.result().statusCode() : null;
            String error = answer.succeeded() ? "answered " + status : "no answer: " + answer.cause().getMessage();
            event.recordFailed(at, status, error, send.attempt() + 1, send.replay());
            failedAttempts++;
            retryLater(send, error);
          }
          pump();
        });
  }

  private void retryLater(Send send, String error) {
    StripeSimEvent event = send.event();
    List<Long> delays = settings.retryDelaysMs();
    if (send.attempt() >= delays.size() || closed) {
      givenUp++;
      log.warn("stripe simulator gave up webhook eventId={} type={} sessionId={} attempts={} lastError={}", event.id,
          event.type, event.sessionId, send.attempt() + 1, error);
      return;
    }
    long delay = delays.get(send.attempt());
    log.info("stripe simulator retries webhook eventId={} type={} attempt={} inMs={} cause={}", event.id, event.type,
        send.attempt() + 2, delay, error);
    retriesWaiting++;
    vertx.setTimer(Math.max(1, delay), id -> {
      retriesWaiting--;
      enqueue(new Send(event, send.attempt() + 1, send.replay()));
    });
  }

  JsonObject countsJson() {
    return new JsonObject()
        .put("published", published)
        .put("sent", attempts)
        .put("delivered", delivered)
        .put("failedAttempts", failedAttempts)
        .put("givenUp", givenUp)
        .put("dropped", dropped)
        .put("inFlight", inFlight)
        .put("queued", queue.size())
        .put("retriesWaiting", retriesWaiting)
        .put("heldBack", held == null ? 0 : 1);
  }

  /** The control view of the settings; secrets are counted, never shown. */
  JsonObject settingsJson() {
    return settings.toJson().put("timeoutMs", timeoutMs).put("maxInFlight", maxInFlight)
        .put("secrets", secrets.size());
  }

  /** Settings back to configuration, counters to zero; posts already started finish. */
  void reset() {
    settings = configured;
    queue.clear();
    if (held != null) {
      vertx.cancelTimer(heldTimer);
      held = null;
      heldTimer = -1;
    }
    published = 0;
    attempts = 0;
    delivered = 0;
    failedAttempts = 0;
    givenUp = 0;
    dropped = 0;
  }

  void close() {
    closed = true;
    queue.clear();
    if (heldTimer >= 0) {
      vertx.cancelTimer(heldTimer);
    }
    client.close();
  }
}
