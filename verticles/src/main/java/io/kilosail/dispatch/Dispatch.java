package io.kilosail.dispatch;

import io.kilosail.dispatch.DispatchCommand.AddTip;
import io.kilosail.dispatch.DispatchCommand.ArmTimeout;
import io.kilosail.dispatch.DispatchCommand.Assigned;
import io.kilosail.dispatch.DispatchCommand.Cancel;
import io.kilosail.dispatch.DispatchCommand.Delivered;
import io.kilosail.dispatch.DispatchCommand.NoCourier;
import io.kilosail.dispatch.DispatchCommand.Place;
import io.kilosail.dispatch.DispatchCommand.Released;
import io.kilosail.dispatch.DispatchCommand.Returned;
import io.kilosail.dispatch.DispatchCommand.TipAdded;
import io.kilosail.quote.TipPolicy;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Finding a courier for one order, as a state machine in plain Java: the dispatch verticle loads it under a row lock,
 * feeds it one fact (a placement answer, an acceptance, a give-up, a timeout…) and carries out the commands it answers.
 *
 * <p>Invariants: at most one candidate is {@link Candidate.Status#HOLDER}; once a courier holds the order every other
 * live placement is cancelled, and so is any later acceptance by somebody else; a timer armed for an earlier round
 * changes nothing.
 */
public final class Dispatch {

  /** COMPLETED: the holder delivered the order; nothing is placed or cancelled any more, a withdraw included. */
  public enum State { ACTIVE, ASSIGNED, COMPLETED, EXHAUSTED, WITHDRAWN }

  /** A platform's price for the order, as quoting found it. */
  public record Offer(String platform, long priceFen, Integer etaSeconds, String quoteToken) {
  }

  /** One platform the order may be offered to, at its place in the strategy's order. */
  public static final class Candidate {

    public enum Status {
      PENDING, PLACING, PLACED, HOLDER, WITHDRAWN, FAILED;

      /** The platform has (or is being given) the order and may still find a courier for it. */
      public boolean live() {
        return this == PLACING || this == PLACED;
      }
    }

    private final Offer offer;
    private final int position;
    private Status status;
    private String platformOrderId;
    private String lastError;
    private Long chargedFen;
    private int tipRound;
    private long tipFen;
    private Long tipPendingFen;

    public Candidate(Offer offer, int position, Status status, String platformOrderId, String lastError) {
      this(offer, position, status, platformOrderId, lastError, null);
    }

    public Candidate(Offer offer, int position, Status status, String platformOrderId, String lastError,
                     Long chargedFen) {
      this(offer, position, status, platformOrderId, lastError, chargedFen, 0, 0, null);
    }

    public Candidate(Offer offer, int position, Status status, String platformOrderId, String lastError,
                     Long chargedFen, int tipRound, long tipFen, Long tipPendingFen) {
      this.offer = Objects.requireNonNull(offer, "offer");
      this.position = position;
      this.status = status;
      this.platformOrderId = platformOrderId;
      this.lastError = lastError;
      this.chargedFen = chargedFen;
      this.tipRound = tipRound;
      this.tipFen = tipFen;
      this.tipPendingFen = tipPendingFen;
    }

    /** The tip rounds decided for this placement (0: none). */
    public int tipRound() {
      return tipRound;
    }

    /** The tips the platform confirmed, in total: billed with its fee. */
    public long tipFen() {
      return tipFen;
    }

    /** The tip of round {@link #tipRound} while its answer has not come; null once confirmed or refused. */
    public Long tipPendingFen() {
      return tipPendingFen;
    }

    public Offer offer() {
      return offer;
    }

    public String platform() {
      return offer.platform();
    }

    public int position() {
      return position;
    }

    public Status status() {
      return status;
    }

    public String platformOrderId() {
      return platformOrderId;
    }

    public String lastError() {
      return lastError;
    }

    /** The price the platform stated when it took the order; null when it did not say (or has not answered yet). */
    public Long chargedFen() {
      return chargedFen;
    }

    /**
     * What this platform bills for carrying the order: the price it stated at placement, else the price it quoted
     * (UU and Shansong may re-price at placement, a platform's create answer is what it charges).
     */
    public long feeFen() {
      return chargedFen != null ? chargedFen : offer.priceFen();
    }
  }

  private final String orderId;
  private final DispatchStrategy strategy;
  private final long acceptanceTimeoutMs;
  private final List<Candidate> candidates;
  private State state;
  private int round;

  public Dispatch(String orderId, DispatchStrategy strategy, long acceptanceTimeoutMs, State state, int round,
                  List<Candidate> candidates) {
    this.orderId = Objects.requireNonNull(orderId, "orderId");
    this.strategy = Objects.requireNonNull(strategy, "strategy");
    this.acceptanceTimeoutMs = acceptanceTimeoutMs;
    this.state = state;
    this.round = round;
    this.candidates = new ArrayList<>(candidates);
  }

  /** A new dispatch over these offers, in the strategy's order; nothing is placed until {@link #start()}. */
  public static Dispatch plan(String orderId, DispatchStrategy strategy, List<Offer> offers, List<String> priority,
                              long acceptanceTimeoutMs) {
    if (offers.isEmpty()) {
      throw new IllegalArgumentException("no offers to dispatch order " + orderId + " to");
    }
    List<Offer> ordered = strategy.order(offers, priority);
    List<Candidate> candidates = new ArrayList<>();
    for (int i = 0; i < ordered.size(); i++) {
      candidates.add(new Candidate(ordered.get(i), i, Candidate.Status.PENDING, null, null));
    }
    return new Dispatch(orderId, strategy, acceptanceTimeoutMs, State.ACTIVE, 0, candidates);
  }

  // ---------------------------------------------------------------- facts

  public List<DispatchCommand> start() {
    if (round != 0) {
      return List.of();
    }
    if (!strategy.offersToAllAtOnce()) {
      return placeNext();
    }
    round = 1;
    List<DispatchCommand> commands = new ArrayList<>();
    for (Candidate c : candidates) {
      c.status = Candidate.Status.PLACING;
      commands.add(new Place(c.platform(), c.offer.quoteToken()));
    }
    commands.add(new ArmTimeout(round, acceptanceTimeoutMs));
    return commands;
  }

  /** The platform took the order under {@code platformOrderId}, at a price it did not state. */
  public List<DispatchCommand> placed(String platform, String platformOrderId) {
    return placed(platform, platformOrderId, null);
  }

  /**
   * The platform took the order under {@code platformOrderId}; {@code chargedFen} is the price its answer states (null
   * when it does not say), which is what it bills rather than its earlier quote. Kept also when the candidate already
   * holds the order (its courier's callback came before the answer), so the delivery is booked at that price.
   */
  public List<DispatchCommand> placed(String platform, String platformOrderId, Long chargedFen) {
    Candidate c = candidate(platform).orElse(null);
    if (c == null) {
      return List.of();
    }
    if (c.platformOrderId == null) {
      c.platformOrderId = platformOrderId;
    }
    // Once its courier holds the order (the callback came before this answer), a price equal to the quote changes
    // nothing that is booked: not kept, so the usual race costs no write of the candidate's row.
    if (chargedFen != null && !(c.status == Candidate.Status.HOLDER && c.chargedFen == null
        && chargedFen == c.offer.priceFen())) {
      c.chargedFen = chargedFen;
    }
    if (c.status == Candidate.Status.PLACING) {
      c.status = Candidate.Status.PLACED;
      return List.of();
    }
    // Called off while the request was on its way (a timeout, another courier won, the saga withdrew): now that we
    // know its id there, cancel it.
    if (c.status == Candidate.Status.WITHDRAWN) {
      return List.of(new Cancel(platform, platformOrderId, "order taken elsewhere or timed out"));
    }
    return List.of();
  }

  /**
   * The placement's answer never came (a timeout, a connection closed after the request left, a gateway node that
   * died mid-call): the platform may hold the order. The candidate stays live, so its courier's first callback still
   * claims the order; the round's acceptance timeout is the bound after which dispatch moves on, and a courier of
   * this platform that turns up after that is not the holder and is called off (see {@link #notHolder}).
   */
  public List<DispatchCommand> placementUnknown(String platform, String error) {
    Candidate c = candidate(platform).orElse(null);
    if (c != null && c.status == Candidate.Status.PLACING) {
      c.lastError = "placement outcome unknown: " + error;
    }
    return List.of();
  }

  /**
   * A while after a placement was sent, its answer is still not stored (it was lost, or the node that sent it died
   * before storing it): send it again, since the platform answers a repeated create of a live order with the order it
   * holds. Nothing to do once the answer came, the round moved on, or the dispatch is no longer looking.
   */
  public List<DispatchCommand> placementCheck(String platform, int placedInRound) {
    Candidate c = candidate(platform).orElse(null);
    if (c == null || c.status != Candidate.Status.PLACING || state != State.ACTIVE || placedInRound != round) {
      return List.of();
    }
    // No quote token: the first create may have used it up; the gateway asks for a fresh one where the platform needs
    // one, and the platform answers with the order it already holds for ours.
    return List.of(new Place(platform, null, true));
  }

  /** Placing failed (refused, down, circuit open…): go on with the next candidate. */
  public List<DispatchCommand> placeFailed(String platform, String error) {
    Candidate c = candidate(platform).orElse(null);
    if (c == null || c.status != Candidate.Status.PLACING) {
      return List.of();
    }
    c.status = Candidate.Status.FAILED;
    c.lastError = error;
    return state == State.ACTIVE ? advance() : List.of();
  }

  /**
   * The order's row names {@code platform} as its holder: the courier webhook decided that under the order's lock, and
   * the row is the truth. Dispatch follows it whatever it believed of that candidate (its placement may have been
   * answered as lost or failed while the platform did take it), and calls every other live placement off. A dispatch
   * the saga withdrew calls the claimer off instead.
   */
  public List<DispatchCommand> claimed(String platform, String platformOrderId) {
    Candidate c = candidate(platform).orElse(null);
    if (c == null) {
      return List.of();
    }
    if (c.platformOrderId == null) {
      c.platformOrderId = platformOrderId;
    }
    if (c.status == Candidate.Status.HOLDER) {
      return List.of();
    }
    if (state == State.WITHDRAWN) {
      return cancelIfKnown(c, "order called off");
    }
    List<DispatchCommand> commands = new ArrayList<>();
    for (Candidate other : candidates) {
      if (other != c && other.status == Candidate.Status.HOLDER) {
        commands.addAll(withdrawCandidate(other, "the order is held by " + platform));
      }
    }
    c.status = Candidate.Status.HOLDER;
    state = State.ASSIGNED;
    commands.add(new Assigned(platform, c.platformOrderId, c.feeFen()));
    if (c.tipPendingFen != null && c.platformOrderId != null) {
      // Its courier came (likely for the tip) while the tip's answer had not: the acceptance timeout that would have
      // asked again is gone with the claim, so it is asked now, under the same key: counted once, then booked.
      commands.add(new AddTip(platform, c.platformOrderId, c.tipRound, c.tipPendingFen,
          tipKey(orderId, platform, c.tipRound)));
    }
    for (Candidate other : candidates) {
      if (other != c && other.status.live()) {
        commands.addAll(withdrawCandidate(other, "another courier accepted the order"));
      }
    }
    return commands;
  }

  /**
   * The order ended without dispatch being told (its row is DELIVERED or CANCELLED): nothing more is placed, and
   * every live placement that is not the holder is called off.
   */
  public List<DispatchCommand> orderEnded(String orderState) {
    if (state == State.WITHDRAWN || state == State.EXHAUSTED || state == State.COMPLETED) {
      return List.of();
    }
    List<DispatchCommand> commands = new ArrayList<>();
    for (Candidate c : candidates) {
      if (c.status.live()) {
        commands.addAll(withdrawCandidate(c, "order already " + orderState));
      }
    }
    if (holder().isEmpty()) {
      state = State.WITHDRAWN;
    } else if ("DELIVERED".equals(orderState) || "RETURNED".equals(orderState)) {
      // Its holder delivered (or brought back) it while dispatch was not told (a lost fact): it is done, and must never
      // be withdrawn.
      state = State.COMPLETED;
    }
    return commands;
  }

  /** A callback from a platform that does not hold the order (a late or losing acceptance): call it off there. */
  public List<DispatchCommand> notHolder(String platform, String platformOrderId) {
    Candidate c = candidate(platform).orElse(null);
    if (c == null || c.status == Candidate.Status.HOLDER) {
      return List.of();
    }
    if (c.platformOrderId == null) {
      c.platformOrderId = platformOrderId;
    }
    if (c.status.live()) {
      c.status = Candidate.Status.WITHDRAWN;
    }
    return List.of(new Cancel(platform, platformOrderId, "order held by another courier"));
  }

  /** A candidate's platform dropped the order before any courier took it (no rider found, refused it). */
  public List<DispatchCommand> dropped(String platform, String reason) {
    Candidate c = candidate(platform).orElse(null);
    if (c == null || !c.status.live()) {
      return List.of();
    }
    c.status = Candidate.Status.FAILED;
    c.lastError = reason;
    return state == State.ACTIVE ? advance() : List.of();
  }

  /** The holder's courier gave the order up: call that platform off and go on with the next candidate. */
  public List<DispatchCommand> gaveUp(String platform) {
    Candidate c = candidate(platform).orElse(null);
    if (c == null || c.status != Candidate.Status.HOLDER || state != State.ASSIGNED) {
      return List.of();
    }
    state = State.ACTIVE;
    c.status = Candidate.Status.WITHDRAWN;
    c.lastError = "courier gave the order up";
    List<DispatchCommand> commands = new ArrayList<>();
    commands.add(new Released(platform));
    commands.addAll(cancelIfKnown(c, "courier gave the order up"));
    commands.addAll(advance());
    return commands;
  }

  /**
   * How an acceptance timeout may tip the placement nobody accepted: the order's tip rule (null: no tips), the most
   * kilosail pays that courier with its tips ({@link TipPolicy#ceilingFen}), and the platforms whose wire has a tip
   * call.
   */
  public record Tipping(TipPolicy.Rule rule, long ceilingFen, Set<String> platforms) {

    public static final Tipping NONE = new Tipping(null, Long.MAX_VALUE, Set.of());
  }

  /** The acceptance timeout of {@code firedRound}: if it is still the current round, nobody accepted in time. */
  public List<DispatchCommand> timedOut(int firedRound) {
    return timedOut(firedRound, Tipping.NONE);
  }

  /**
   * The acceptance timeout of {@code firedRound}, where {@code tipping} may add a tip: the one live placement, taken
   * by its platform (PLACED) and still without a courier, gets the next tip round {@link TipPolicy#next} allows and
   * the order waits again ({@code afterSeconds}) instead of moving on. A round whose tip has no answer yet (unknown
   * outcome) is sent again under its key, never as a new tip. With no round left or no room, it moves on as always.
   */
  public List<DispatchCommand> timedOut(int firedRound, Tipping tipping) {
    if (state != State.ACTIVE || firedRound != round) {
      return List.of();
    }
    List<DispatchCommand> tip = tipRound(tipping);
    if (!tip.isEmpty()) {
      return tip;
    }
    List<DispatchCommand> commands = new ArrayList<>();
    for (Candidate c : candidates) {
      if (c.status.live()) {
        c.lastError = "no courier accepted within " + acceptanceTimeoutMs + " ms" + (c.tipRound == 0 ? ""
            : " and " + c.tipRound + " tip round(s), " + c.tipFen + " fen tipped");
        commands.addAll(withdrawCandidate(c, "no courier accepted in time"));
      }
    }
    commands.addAll(advance());
    return commands;
  }

  private List<DispatchCommand> tipRound(Tipping tipping) {
    List<Candidate> live = candidates.stream().filter(c -> c.status.live()).toList();
    // Only a placement its platform took (PLACED, with its id there) and alone: a simultaneous offer is not tipped.
    if (tipping.rule() == null || live.size() != 1) {
      return List.of();
    }
    Candidate c = live.get(0);
    if (c.status != Candidate.Status.PLACED || c.platformOrderId == null
        || !tipping.platforms().contains(c.platform())) {
      return List.of();
    }
    long waitMs = tipping.rule().afterSeconds() * 1000L;
    if (c.tipPendingFen == null) {
      TipPolicy.Decision next = TipPolicy.next(tipping.rule(), c.tipRound + 1, c.feeFen(), c.tipFen,
          tipping.ceilingFen());
      if (!next.tips()) {
        c.lastError = next.why();
        return List.of();
      }
      c.tipRound = next.round();
      c.tipPendingFen = next.tipFen();
    }
    // A new round number: the timer of the round that fired is spent, and a late one of it changes nothing.
    round++;
    return List.of(new AddTip(c.platform(), c.platformOrderId, c.tipRound, c.tipPendingFen,
        tipKey(orderId, c.platform(), c.tipRound)), new ArmTimeout(round, waitMs));
  }

  /** The key of one tip round: a repeat after an unknown outcome is sent under it and counted once by the platform. */
  public static String tipKey(String orderId, String platform, int tipRound) {
    return orderId + ":" + platform + ":tip-" + tipRound;
  }

  /**
   * The platform took the tip of {@code tipRound}; {@code platformTotalFen} is the order's tips in total as it says
   * (null when it does not), which wins over our sum. Applies whatever became of the candidate since (its courier may
   * have accepted at once): the platform bills the tip. A repeated answer changes nothing.
   */
  public List<DispatchCommand> tipConfirmed(String platform, int tipRound, Long platformTotalFen) {
    Candidate c = candidate(platform).orElse(null);
    if (c == null || c.tipPendingFen == null || c.tipRound != tipRound) {
      return List.of();
    }
    long tip = c.tipPendingFen;
    c.tipFen = platformTotalFen != null ? platformTotalFen : c.tipFen + tip;
    c.tipPendingFen = null;
    return List.of(new TipAdded(platform, tipRound, tip, c.tipFen));
  }

  /** The platform refused the tip of {@code tipRound} (or has no tip call): nothing added; the next timeout decides. */
  public List<DispatchCommand> tipRefused(String platform, int tipRound, String error) {
    Candidate c = candidate(platform).orElse(null);
    if (c == null || c.tipPendingFen == null || c.tipRound != tipRound) {
      return List.of();
    }
    c.tipPendingFen = null;
    c.lastError = "tip round " + tipRound + " refused: " + error;
    return List.of();
  }

  /** The holder delivered the order. */
  public List<DispatchCommand> delivered(String platform) {
    Candidate c = candidate(platform).orElse(null);
    if (c == null || c.status != Candidate.Status.HOLDER) {
      return List.of();
    }
    state = State.COMPLETED;
    return List.of(new Delivered(platform));
  }

  /**
   * The holder's courier brought the order back to the shop: the delivery failed, but that courier did the trip and
   * holds nothing any more. Nothing is placed again and nobody is to be cancelled, a withdraw included.
   */
  public List<DispatchCommand> returned(String platform) {
    Candidate c = candidate(platform).orElse(null);
    if (c == null || c.status != Candidate.Status.HOLDER) {
      return List.of();
    }
    state = State.COMPLETED;
    return List.of(new Returned(platform));
  }

  /** The holder's platform cancelled the order after acceptance: nobody carries it any more. */
  public List<DispatchCommand> holderCancelled(String platform, String reason) {
    Candidate c = candidate(platform).orElse(null);
    if (c == null || c.status != Candidate.Status.HOLDER || state != State.ASSIGNED) {
      return List.of();
    }
    c.status = Candidate.Status.FAILED;
    c.lastError = reason;
    state = State.EXHAUSTED;
    return List.of(new NoCourier(platform + " cancelled the order after acceptance: " + reason));
  }

  /** The saga calls the dispatch off (the order is cancelled): every placement, the holder's too, is cancelled. */
  public List<DispatchCommand> withdraw(String reason) {
    if (state == State.WITHDRAWN || state == State.COMPLETED) {
      return List.of();
    }
    state = State.WITHDRAWN;
    List<DispatchCommand> commands = new ArrayList<>();
    for (Candidate c : candidates) {
      if (c.status.live() || c.status == Candidate.Status.HOLDER) {
        commands.addAll(withdrawCandidate(c, reason));
      }
    }
    return commands;
  }

  // ---------------------------------------------------------------- moves

  /** The next pending candidate gets the order; with none left and none live, nobody will carry it. */
  private List<DispatchCommand> advance() {
    if (candidates.stream().anyMatch(c -> c.status.live())) {
      return List.of();
    }
    if (candidates.stream().anyMatch(c -> c.status == Candidate.Status.PENDING)) {
      return placeNext();
    }
    state = State.EXHAUSTED;
    String tried = candidates.stream().map(c -> c.platform() + " (" + (c.lastError == null ? c.status : c.lastError)
        + ")").collect(Collectors.joining(", "));
    return List.of(new NoCourier("no courier took the order; tried " + tried));
  }

  private List<DispatchCommand> placeNext() {
    Candidate next = candidates.stream().filter(c -> c.status == Candidate.Status.PENDING).findFirst().orElseThrow();
    next.status = Candidate.Status.PLACING;
    round++;
    return List.of(new Place(next.platform(), next.offer.quoteToken()), new ArmTimeout(round, acceptanceTimeoutMs));
  }

  private List<DispatchCommand> withdrawCandidate(Candidate c, String reason) {
    c.status = Candidate.Status.WITHDRAWN;
    return cancelIfKnown(c, reason);
  }

  /** A placement still on its way has no id yet: {@link #placed} cancels it when the answer comes. */
  private static List<DispatchCommand> cancelIfKnown(Candidate c, String reason) {
    return c.platformOrderId == null ? List.of() : List.of(new Cancel(c.platform(), c.platformOrderId, reason));
  }

  private Optional<Candidate> candidate(String platform) {
    return candidates.stream().filter(c -> c.platform().equals(platform)).findFirst();
  }

  // ---------------------------------------------------------------- views

  public String orderId() {
    return orderId;
  }

  public DispatchStrategy strategy() {
    return strategy;
  }

  public long acceptanceTimeoutMs() {
    return acceptanceTimeoutMs;
  }

  public State state() {
    return state;
  }

  public int round() {
    return round;
  }

  public List<Candidate> candidates() {
    return List.copyOf(candidates);
  }

  public Optional<Candidate> holder() {
    return candidates.stream().filter(c -> c.status == Candidate.Status.HOLDER).findFirst();
  }
}
