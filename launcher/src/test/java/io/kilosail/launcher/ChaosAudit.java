package io.kilosail.launcher;

import io.kilosail.access.Role;
import io.kilosail.embedded.EmbeddedInfrastructure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.TopicPartition;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * After a chaos run: reads what the system holds about every accepted order (the API on node-a, the saga and courier
 * callback tables, the food simulator's record of the callbacks it got, the dead-letter topics) and checks each
 * invariant of {@code docs/design.md} on each order. Read-only: nothing here changes the system.
 */
final class ChaosAudit {

  static final Set<String> TERMINAL = Set.of("DELIVERED", "CANCELLED");
  private static final Set<String> SAGA_NOT_ENDED = Set.of("RUNNING", "WAITING", "COMPENSATING");

  /** What an order broke, in words a reader of a failed build understands without the code. */
  enum Invariant {
    STORED("an accepted order is in MySQL"),
    ONE_TERMINAL_STATE("exactly one terminal state (DELIVERED or CANCELLED)"),
    ONE_COURIER_DELIVERED("one courier delivered it: at most one courier platform reported DELIVERED, the order's"),
    SAGA_AGREES("saga and order agree: COMPLETED for DELIVERED, never compensating a DELIVERED order, none left running"),
    LEDGER("ledger balanced and matching the courier that delivered"),
    PUSHBACK_MONOTONE("push-back monotone: the food platform never hears an older state, and ends on the terminal one");

    final String words;

    Invariant(String words) {
      this.words = words;
    }
  }

  /** How a broken invariant counts in the summary's lost / doubled / stranded figures. */
  enum Harm { LOST, DOUBLED, STRANDED, WRONG }

  record Violation(Invariant invariant, Harm harm, String orderId, String detail) {
  }

  record PushedOrder(String platform, String platformOrderId, String orderId) {
  }

  record SagaRow(String id, String state, String awaitingEvent, String owner, String lastError,
                 int compensationAttempts) {
  }

  record CourierDelivered(String platform, String outcome) {
  }

  /** Everything known about one order at the end of the run; {@code order} is null when the API answered 404. */
  record OrderFacts(PushedOrder pushed, JsonObject order, JsonObject ledger, JsonArray foodCallbacks, SagaRow saga,
                    List<CourierDelivered> deliveredBy) {

    String state() {
      return order == null ? null : order.getString("state");
    }

    List<JsonObject> timeline() {
      List<JsonObject> entries = new ArrayList<>();
      if (order != null) {
        order.getJsonArray("timeline", new JsonArray()).forEach(e -> entries.add((JsonObject) e));
      }
      return entries;
    }

    /** When intake took the order (its CREATED entry). */
    Instant acceptedAt() {
      return timeline().stream().filter(e -> "CREATED".equals(e.getString("state"))).findFirst()
          .map(e -> Instant.parse(e.getString("at"))).orElse(null);
    }

    /** When it reached its first terminal state, or null. */
    Instant terminalAt() {
      return timeline().stream().filter(e -> TERMINAL.contains(e.getString("state"))).findFirst()
          .map(e -> Instant.parse(e.getString("at"))).orElse(null);
    }

    String courierPlatform() {
      JsonObject courier = order == null ? null : order.getJsonObject("courier");
      return courier == null ? null : courier.getString("platform");
    }
  }

  private final ChaosCluster cluster;
  private final HttpClient http;

  /** The operator the audit reads as (the cluster's nodes set no per-operator rate limit for it, ChaosCluster). */
  private final String auditor = TestCredentials.operatorToken("chaos-audit", Role.OPS, Role.FINANCE);

  ChaosAudit(ChaosCluster cluster, HttpClient http) {
    this.cluster = cluster;
    this.http = http;
  }

  Connection mysql() throws SQLException {
    return DriverManager.getConnection(cluster.jdbcUrl(), EmbeddedInfrastructure.USER, EmbeddedInfrastructure.PASSWORD);
  }

  // ---------------------------------------------------------------- waiting for the system to settle

  /**
   * What is still moving: orders not terminal, sagas not ended, states the food platform has not acknowledged. The
   * database holds only this run's orders (fresh data directory), so no id list is needed.
   */
  record Backlog(int ordersNotTerminal, int sagasNotEnded, int pushbacksUnacked) {
    boolean settled() {
      return ordersNotTerminal == 0 && sagasNotEnded == 0 && pushbacksUnacked == 0;
    }
  }

  Backlog backlog() throws SQLException {
    try (Connection c = mysql(); Statement s = c.createStatement()) {
      return new Backlog(
          count(s, "SELECT COUNT(*) FROM delivery_order WHERE state NOT IN ('DELIVERED', 'CANCELLED')"),
          count(s, "SELECT COUNT(*) FROM saga_instance WHERE state IN ('RUNNING', 'WAITING', 'COMPENSATING')"),
          count(s, "SELECT COUNT(*) FROM delivery_order WHERE push_acked_version < version"));
    }
  }

  /** Orders received at or after {@code since} that are DELIVERED or CANCELLED by now. */
  int ordersEndedAcceptedAfter(Instant since) throws SQLException {
    try (Connection c = mysql(); java.sql.PreparedStatement s = c.prepareStatement("SELECT COUNT(*) FROM delivery_order"
        + " WHERE state IN ('DELIVERED', 'CANCELLED') AND received_at >= ?")) {
      // received_at is UTC written by the application, never converted by the session (V4): a UTC LocalDateTime.
      s.setObject(1, java.time.LocalDateTime.ofInstant(since.truncatedTo(java.time.temporal.ChronoUnit.MILLIS),
          java.time.ZoneOffset.UTC));
      try (ResultSet rs = s.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    }
  }

  private static int count(Statement s, String sql) throws SQLException {
    try (ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getInt(1);
    }
  }

  // ---------------------------------------------------------------- reading the facts

  /**
   * Reads the order through the API first, then what follows from it (ledger, push-back, saga, courier callbacks): if
   * the run did not settle, an order that moves while it is read then shows up as lag ("last told PICKED_UP but the
   * order is DELIVERED"), never as a courier callback missing for a state it caused.
   */
  List<OrderFacts> collect(List<PushedOrder> pushed) throws Exception {
    Map<String, JsonObject> orders = fetchAll(pushed, p -> cluster.api("/v1/orders/" + p.orderId()));
    // The whole ledger (balance, margin) is the finance role's; the audit reads as an operator with ops and finance.
    Map<String, JsonObject> ledgers = fetchAll(pushed, p -> cluster.api("/v1/orders/" + p.orderId() + "/ledger"));
    Map<String, JsonObject> told = fetchAll(pushed, p -> cluster.simulator("/_control/food/orders/" + p.platform()
        + "/" + p.platformOrderId()));
    Map<String, SagaRow> sagas = new HashMap<>();
    Map<String, List<CourierDelivered>> delivered = new HashMap<>();
    try (Connection c = mysql(); Statement s = c.createStatement()) {
      try (ResultSet rs = s.executeQuery("SELECT i.business_key, i.id, i.state, i.awaiting_event, i.owner, i.last_error,"
          + " (SELECT COUNT(*) FROM saga_step_log l WHERE l.saga_id = i.id AND l.phase = 'COMPENSATION')"
          + " FROM saga_instance i WHERE i.saga_type = 'delivery'")) {
        while (rs.next()) {
          sagas.put(rs.getString(1), new SagaRow(rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
              rs.getString(6), rs.getInt(7)));
        }
      }
      try (ResultSet rs = s.executeQuery("SELECT order_id, platform, outcome FROM courier_callback"
          + " WHERE state = 'DELIVERED' ORDER BY id")) {
        while (rs.next()) {
          List<CourierDelivered> list = delivered.computeIfAbsent(rs.getString(1), k -> new ArrayList<>());
          String platform = rs.getString(2);
          // A platform's repeated DELIVERED callback (retry, duplicate) is one delivery.
          if (list.stream().noneMatch(d -> d.platform().equals(platform))) {
            list.add(new CourierDelivered(platform, rs.getString(3)));
          }
        }
      }
    }
    List<OrderFacts> facts = new ArrayList<>();
    for (PushedOrder p : pushed) {
      JsonObject callbacks = told.get(p.orderId());
      facts.add(new OrderFacts(p, orders.get(p.orderId()), ledgers.get(p.orderId()),
          callbacks == null ? new JsonArray() : callbacks.getJsonArray("callbacks", new JsonArray()),
          sagas.get(p.orderId()), delivered.getOrDefault(p.orderId(), List.of())));
    }
    return facts;
  }

  /** GETs one URI per order, 16 at a time; a 404 (or any non-200) maps the order to nothing. */
  private Map<String, JsonObject> fetchAll(List<PushedOrder> pushed, Function<PushedOrder, URI> uri) throws Exception {
    Semaphore inFlight = new Semaphore(16);
    Map<String, CompletableFuture<HttpResponse<String>>> answers = new LinkedHashMap<>();
    for (PushedOrder p : pushed) {
      inFlight.acquire();
      HttpRequest.Builder request = HttpRequest.newBuilder(uri.apply(p)).timeout(Duration.ofSeconds(30));
      if (uri.apply(p).getPath().startsWith("/v1/")) {
        request.header("Authorization", "Bearer " + auditor);
      }
      answers.put(p.orderId(), http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString())
          .whenComplete((r, e) -> inFlight.release()));
    }
    Map<String, JsonObject> bodies = new HashMap<>();
    for (Map.Entry<String, CompletableFuture<HttpResponse<String>>> answer : answers.entrySet()) {
      HttpResponse<String> response = answer.getValue().get(60, TimeUnit.SECONDS);
      if (response.statusCode() == 200) {
        bodies.put(answer.getKey(), new JsonObject(response.body()));
      }
    }
    return bodies;
  }

  /** Records in every {@code *.dlt} topic (end offset minus start offset), by topic; topics with none left out. */
  Map<String, Long> deadLetterTopics() throws Exception {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.kafkaBootstrap()))) {
      Set<String> dlts = admin.listTopics().names().get(30, TimeUnit.SECONDS).stream()
          .filter(t -> t.endsWith(".dlt")).collect(Collectors.toSet());
      Map<String, Long> records = new TreeMap<>();
      if (dlts.isEmpty()) {
        return records;
      }
      Map<String, TopicDescription> described = admin.describeTopics(dlts).allTopicNames().get(30, TimeUnit.SECONDS);
      List<TopicPartition> partitions = described.values().stream().flatMap(d -> d.partitions().stream()
          .map(p -> new TopicPartition(d.name(), p.partition()))).toList();
      var earliest = admin.listOffsets(partitions.stream().collect(Collectors.toMap(p -> p, p -> OffsetSpec.earliest())))
          .all().get(30, TimeUnit.SECONDS);
      var latest = admin.listOffsets(partitions.stream().collect(Collectors.toMap(p -> p, p -> OffsetSpec.latest())))
          .all().get(30, TimeUnit.SECONDS);
      for (TopicPartition p : partitions) {
        long n = latest.get(p).offset() - earliest.get(p).offset();
        if (n > 0) {
          records.merge(p.topic(), n, Long::sum);
        }
      }
      return records;
    }
  }

  /**
   * Why those records were dead-lettered: every {@code *.dlt} record read from the start, counted by the consumer
   * group and error its headers name (the {@code dead_letter} row may be missing: it is written after the record).
   */
  List<String> deadLetterReasons(Set<String> topics) {
    Map<String, Integer> reasons = new TreeMap<>();
    if (topics.isEmpty()) {
      return List.of();
    }
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.kafkaBootstrap(),
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new StringDeserializer(), new StringDeserializer())) {
      List<TopicPartition> partitions = topics.stream().flatMap(t -> consumer.partitionsFor(t).stream()
          .map(p -> new TopicPartition(t, p.partition()))).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (System.nanoTime() < deadline && partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
          reasons.merge(record.topic() + " from group " + header(record, "kilosail.consumerGroup") + ": "
              + abbreviate(header(record, "kilosail.error"), 200), 1, Integer::sum);
        }
      }
    }
    return reasons.entrySet().stream().map(e -> e.getValue() + " x " + e.getKey()).toList();
  }

  private static String header(ConsumerRecord<String, String> record, String name) {
    Header header = record.headers().lastHeader(name);
    return header == null ? "?" : new String(header.value(), StandardCharsets.UTF_8);
  }

  /** The {@code dead_letter} table's account of those records: group, topic and the first error, for the report. */
  List<String> deadLetterRows() throws SQLException {
    List<String> rows = new ArrayList<>();
    try (Connection c = mysql(); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT consumer_group, topic, COUNT(*), MIN(dead_lettered_at), MIN(error)"
             + " FROM dead_letter GROUP BY consumer_group, topic ORDER BY consumer_group, topic")) {
      while (rs.next()) {
        rows.add(rs.getInt(3) + " from group " + rs.getString(1) + " on " + rs.getString(2) + " (first at "
            + rs.getString(4) + "; e.g. " + abbreviate(rs.getString(5), 300) + ")");
      }
    }
    return rows;
  }

  // ---------------------------------------------------------------- the invariants

  static List<Violation> check(List<OrderFacts> facts) {
    List<Violation> found = new ArrayList<>();
    for (OrderFacts f : facts) {
      String id = f.pushed().orderId();
      if (f.order() == null) {
        found.add(new Violation(Invariant.STORED, Harm.LOST, id, "intake answered 2xx for "
            + f.pushed().platformOrderId() + " but GET /v1/orders/" + id + " does not find it"));
        continue;
      }
      checkTerminalState(f, found);
      checkCourier(f, found);
      checkSaga(f, found);
      checkLedger(f, found);
      checkPushback(f, found);
    }
    return found;
  }

  private static void checkTerminalState(OrderFacts f, List<Violation> found) {
    String id = f.pushed().orderId();
    List<JsonObject> timeline = f.timeline();
    if (!TERMINAL.contains(f.state())) {
      JsonObject last = timeline.isEmpty() ? null : timeline.get(timeline.size() - 1);
      found.add(new Violation(Invariant.ONE_TERMINAL_STATE, Harm.STRANDED, id, "still " + f.state()
          + " at the deadline (last move " + (last == null ? "none" : last.getString("state") + " at "
          + last.getString("at") + " by " + last.getString("source")) + ")"));
      return;
    }
    List<String> terminals = timeline.stream().filter(e -> TERMINAL.contains(e.getString("state")))
        .map(e -> e.getString("state") + " at " + e.getString("at") + " by " + e.getString("source")).toList();
    if (terminals.size() != 1) {
      found.add(new Violation(Invariant.ONE_TERMINAL_STATE, Harm.DOUBLED, id, "state " + f.state() + " but the timeline"
          + " has " + terminals.size() + " terminal entries: " + terminals));
    }
  }

  private static void checkCourier(OrderFacts f, List<Violation> found) {
    String id = f.pushed().orderId();
    List<CourierDelivered> by = f.deliveredBy();
    String holder = f.courierPlatform();
    if (by.size() > 1) {
      found.add(new Violation(Invariant.ONE_COURIER_DELIVERED, Harm.DOUBLED, id, by.size() + " couriers reported it"
          + " DELIVERED: " + describe(by) + "; the order's courier is " + holder + ", its state " + f.state()));
    } else if ("DELIVERED".equals(f.state()) && by.isEmpty()) {
      found.add(new Violation(Invariant.ONE_COURIER_DELIVERED, Harm.WRONG, id, "DELIVERED, but no courier callback"
          + " says DELIVERED (order's courier " + holder + ")"));
    } else if ("DELIVERED".equals(f.state()) && !by.get(0).platform().equals(holder)) {
      found.add(new Violation(Invariant.ONE_COURIER_DELIVERED, Harm.WRONG, id, "delivered by " + describe(by)
          + " but the order's courier is " + holder));
    } else if ("CANCELLED".equals(f.state()) && !by.isEmpty()) {
      found.add(new Violation(Invariant.ONE_COURIER_DELIVERED, Harm.WRONG, id, "CANCELLED although " + describe(by)
          + " delivered it (what really happened must win)"));
    }
  }

  private static String describe(List<CourierDelivered> by) {
    return by.stream().map(d -> d.platform() + " (callback " + d.outcome() + ")").collect(Collectors.joining(" and "));
  }

  private static void checkSaga(OrderFacts f, List<Violation> found) {
    String id = f.pushed().orderId();
    SagaRow saga = f.saga();
    if (saga == null) {
      found.add(new Violation(Invariant.SAGA_AGREES, Harm.STRANDED, id, "no delivery saga was ever started (order "
          + f.state() + ")"));
      return;
    }
    String where = "saga " + saga.id() + " ";
    if (SAGA_NOT_ENDED.contains(saga.state())) {
      found.add(new Violation(Invariant.SAGA_AGREES, Harm.STRANDED, id, where + "still " + saga.state()
          + (saga.awaitingEvent() == null ? "" : " awaiting " + saga.awaitingEvent()) + " (owner " + saga.owner()
          + ", order " + f.state() + ")"));
    } else if ("FAILED".equals(saga.state())) {
      found.add(new Violation(Invariant.SAGA_AGREES, Harm.STRANDED, id, where + "FAILED, waiting for an operator (order "
          + f.state() + "): " + abbreviate(saga.lastError(), 300)));
    }
    if ("DELIVERED".equals(f.state())) {
      if (!"COMPLETED".equals(saga.state()) && !SAGA_NOT_ENDED.contains(saga.state())) {
        found.add(new Violation(Invariant.SAGA_AGREES, Harm.WRONG, id, where + saga.state()
            + " for a DELIVERED order" + (saga.lastError() == null ? "" : ": " + abbreviate(saga.lastError(), 300))));
      }
      if (saga.compensationAttempts() > 0) {
        found.add(new Violation(Invariant.SAGA_AGREES, Harm.WRONG, id, where + "ran " + saga.compensationAttempts()
            + " compensation attempt(s) on a DELIVERED order (saga " + saga.state() + ")"));
      }
    } else if ("CANCELLED".equals(f.state()) && "COMPLETED".equals(saga.state())) {
      found.add(new Violation(Invariant.SAGA_AGREES, Harm.WRONG, id, where + "COMPLETED but the order is CANCELLED"));
    }
  }

  private static void checkLedger(OrderFacts f, List<Violation> found) {
    String id = f.pushed().orderId();
    JsonObject ledger = f.ledger();
    if (ledger == null) {
      found.add(new Violation(Invariant.LEDGER, Harm.WRONG, id, "GET /v1/orders/" + id + "/ledger did not answer 200"));
      return;
    }
    if (!Boolean.TRUE.equals(ledger.getBoolean("balanced"))) {
      found.add(new Violation(Invariant.LEDGER, Harm.WRONG, id, "does not balance: sumFen " + ledger.getLong("sumFen")));
    }
    // Net courier cost and net delivery revenue, reversals included: what the ledger says was delivered, by whom.
    Map<String, Long> courierCost = new TreeMap<>();
    long deliveryRevenueLines = 0;
    for (Object o : ledger.getJsonArray("postings", new JsonArray())) {
      JsonObject posting = (JsonObject) o;
      String type = posting.getString("entryType");
      boolean reversal = type.endsWith(".reversal");
      if ("cost:courier".equals(posting.getString("account"))) {
        courierCost.merge(posting.getString("counterparty"), posting.getLong("amountFen"), Long::sum);
      }
      if ("revenue:delivery".equals(posting.getString("account"))) {
        deliveryRevenueLines += reversal ? -1 : 1;
      }
    }
    courierCost.values().removeIf(v -> v == 0);
    String holder = f.courierPlatform();
    if ("DELIVERED".equals(f.state())) {
      Long fee = f.order().getLong("courierFeeFen");
      if (deliveryRevenueLines != 1) {
        found.add(new Violation(Invariant.LEDGER, deliveryRevenueLines > 1 ? Harm.DOUBLED : Harm.WRONG, id,
            "the delivery is posted " + deliveryRevenueLines + " times (revenue:delivery lines net of reversals)"));
      }
      if (!courierCost.keySet().equals(holder == null ? Set.of() : Set.of(holder))
          || (fee != null && !fee.equals(courierCost.get(holder)))) {
        found.add(new Violation(Invariant.LEDGER, courierCost.size() > 1 ? Harm.DOUBLED : Harm.WRONG, id,
            "courier cost posted " + courierCost + " but " + holder + " delivered it for " + fee + " fen"));
      }
    } else if ("CANCELLED".equals(f.state()) && (deliveryRevenueLines != 0 || !courierCost.isEmpty())) {
      found.add(new Violation(Invariant.LEDGER, Harm.WRONG, id, "CANCELLED but a delivery is posted: "
          + deliveryRevenueLines + " revenue:delivery line(s), courier cost " + courierCost));
    }
  }

  private static void checkPushback(OrderFacts f, List<Violation> found) {
    String id = f.pushed().orderId();
    JsonArray callbacks = f.foodCallbacks();
    if (callbacks.isEmpty()) {
      found.add(new Violation(Invariant.PUSHBACK_MONOTONE, Harm.WRONG, id, f.pushed().platform()
          + " never got a callback for " + f.pushed().platformOrderId()));
      return;
    }
    JsonObject previous = null;
    String terminalTold = null;
    for (Object o : callbacks) {
      JsonObject cb = (JsonObject) o;
      int version = cb.getInteger("version", -1);
      String state = cb.getString("state");
      if (previous != null) {
        int before = previous.getInteger("version", -1);
        if (version < before) {
          found.add(new Violation(Invariant.PUSHBACK_MONOTONE, Harm.WRONG, id, "went back from v" + before + " "
              + previous.getString("state") + " to v" + version + " " + state + " (received " + cb.getString("receivedAt")
              + ")"));
        } else if (version == before && !state.equals(previous.getString("state"))) {
          found.add(new Violation(Invariant.PUSHBACK_MONOTONE, Harm.WRONG, id, "v" + version + " told as both "
              + previous.getString("state") + " and " + state));
        }
      }
      if (terminalTold != null && !terminalTold.equals(state)) {
        found.add(new Violation(Invariant.PUSHBACK_MONOTONE, Harm.DOUBLED, id, "told " + state + " after the terminal "
            + terminalTold));
      }
      if (TERMINAL.contains(state)) {
        terminalTold = state;
      }
      previous = cb;
    }
    if (!previous.getString("state").equals(f.state())) {
      found.add(new Violation(Invariant.PUSHBACK_MONOTONE, Harm.WRONG, id, "last told " + previous.getString("state")
          + " (v" + previous.getInteger("version") + ") but the order is " + f.state()));
    }
  }

  static String abbreviate(String text, int max) {
    if (text == null) {
      return "";
    }
    String one = text.replace('\n', ' ');
    return one.length() <= max ? one : one.substring(0, max) + "…";
  }
}
