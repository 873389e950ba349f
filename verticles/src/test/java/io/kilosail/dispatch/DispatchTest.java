package io.kilosail.dispatch;

import io.kilosail.dispatch.Dispatch.Candidate.Status;
import io.kilosail.dispatch.Dispatch.Offer;
import io.kilosail.dispatch.DispatchCommand.ArmTimeout;
import io.kilosail.dispatch.DispatchCommand.Assigned;
import io.kilosail.dispatch.DispatchCommand.Cancel;
import io.kilosail.dispatch.DispatchCommand.Delivered;
import io.kilosail.dispatch.DispatchCommand.NoCourier;
import io.kilosail.dispatch.DispatchCommand.Place;
import io.kilosail.dispatch.DispatchCommand.Released;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The dispatch state machine without Vert.x or a database. */
class DispatchTest {

  private static final List<String> PRIORITY = List.of("sf", "uu", "shansong", "fengniao");
  private static final List<Offer> OFFERS = List.of(
      new Offer("uu", 900, 1500, "uu-token"),
      new Offer("sf", 1200, 900, null),
      new Offer("fengniao", 700, null, null),
      new Offer("shansong", 900, 1200, "ss-token"));

  private static Dispatch plan(DispatchStrategy strategy) {
    return Dispatch.plan("order-1", strategy, OFFERS, PRIORITY, 30_000);
  }

  private static List<String> order(Dispatch d) {
    return d.candidates().stream().map(Dispatch.Candidate::platform).toList();
  }

  @Test
  void eachStrategyTriesThePlatformsInItsOwnOrder() {
    assertThat(order(plan(DispatchStrategy.SEQUENTIAL))).containsExactly("sf", "uu", "shansong", "fengniao");
    // 700, then the two at 900 by priority (uu before shansong), then 1200.
    assertThat(order(plan(DispatchStrategy.CHEAPEST))).containsExactly("fengniao", "uu", "shansong", "sf");
    // 900 s, 1200 s, 1500 s, then the one without an ETA.
    assertThat(order(plan(DispatchStrategy.FASTEST))).containsExactly("sf", "shansong", "uu", "fengniao");
  }

  @Test
  void aSequentialDispatchOffersToOneAtATimeAndMovesOnAfterTheTimeout() {
    Dispatch d = plan(DispatchStrategy.CHEAPEST);
    assertThat(d.start()).containsExactly(new Place("fengniao", null), new ArmTimeout(1, 30_000));
    assertThat(d.placed("fengniao", "FN-1")).isEmpty();

    List<DispatchCommand> afterTimeout = d.timedOut(1);
    assertThat(afterTimeout).containsExactly(new Cancel("fengniao", "FN-1", "no courier accepted in time"),
        new Place("uu", "uu-token"), new ArmTimeout(2, 30_000));
    assertThat(d.round()).isEqualTo(2);
    // The first round's timer firing again, late, changes nothing.
    assertThat(d.timedOut(1)).isEmpty();
  }

  @Test
  void theFirstAcceptanceHoldsTheOrderAndCancelsEveryOtherPlacement() {
    Dispatch d = plan(DispatchStrategy.SIMULTANEOUS);
    assertThat(d.start()).containsExactly(new Place("sf", null), new Place("uu", "uu-token"),
        new Place("shansong", "ss-token"), new Place("fengniao", null), new ArmTimeout(1, 30_000));
    d.placed("sf", "SF-1");
    d.placed("uu", "UU-1");
    d.placed("shansong", "SS-1");
    // fengniao's answer has not come back yet when uu's courier accepts.

    List<DispatchCommand> accepted = d.claimed("uu", "UU-1");
    assertThat(accepted).containsExactly(new Assigned("uu", "UU-1", 900),
        new Cancel("sf", "SF-1", "another courier accepted the order"),
        new Cancel("shansong", "SS-1", "another courier accepted the order"));
    assertThat(d.state()).isEqualTo(Dispatch.State.ASSIGNED);
    assertThat(d.holder()).map(Dispatch.Candidate::platform).contains("uu");
    // fengniao's placement answer arrives after the fact: it is cancelled then.
    assertThat(d.placed("fengniao", "FN-1")).containsExactly(
        new Cancel("fengniao", "FN-1", "order taken elsewhere or timed out"));
    // sf's courier accepts late: it does not hold the order and is cancelled again.
    assertThat(d.notHolder("sf", "SF-1")).containsExactly(new Cancel("sf", "SF-1", "order held by another courier"));
    assertThat(d.candidates().stream().filter(c -> c.status() == Status.HOLDER)).hasSize(1);
    // A duplicate acceptance by the holder changes nothing; the timeout of its round does nothing either.
    assertThat(d.claimed("uu", "UU-1")).isEmpty();
    assertThat(d.timedOut(1)).isEmpty();
  }

  @Test
  void aCourierGivingUpHandsTheOrderToTheNextCandidate() {
    Dispatch d = plan(DispatchStrategy.SEQUENTIAL);
    d.start();
    d.placed("sf", "SF-1");
    d.claimed("sf", "SF-1");

    List<DispatchCommand> gaveUp = d.gaveUp("sf");
    assertThat(gaveUp).containsExactly(new Released("sf"), new Cancel("sf", "SF-1", "courier gave the order up"),
        new Place("uu", "uu-token"), new ArmTimeout(2, 30_000));
    assertThat(d.state()).isEqualTo(Dispatch.State.ACTIVE);
    assertThat(d.holder()).isEmpty();
  }

  @Test
  void aPlatformThatFailsOrFindsNoRiderIsSkipped() {
    Dispatch d = plan(DispatchStrategy.FASTEST);
    d.start();
    assertThat(d.placeFailed("sf", "code 4503: down")).containsExactly(new Place("shansong", "ss-token"),
        new ArmTimeout(2, 30_000));
    d.placed("shansong", "SS-1");
    assertThat(d.dropped("shansong", "no rider")).containsExactly(new Place("uu", "uu-token"),
        new ArmTimeout(3, 30_000));
  }

  @Test
  void whenEveryCandidateIsUsedUpNobodyCarriesTheOrder() {
    Dispatch d = Dispatch.plan("order-1", DispatchStrategy.SEQUENTIAL, OFFERS.subList(0, 2), PRIORITY, 1_000);
    d.start();
    d.placeFailed("sf", "refused");
    d.placed("uu", "UU-1");
    List<DispatchCommand> last = d.timedOut(2);
    assertThat(last).hasSize(2);
    assertThat(last.get(0)).isEqualTo(new Cancel("uu", "UU-1", "no courier accepted in time"));
    assertThat(last.get(1)).isInstanceOfSatisfying(NoCourier.class,
        none -> assertThat(none.reason()).contains("sf (refused)").contains("uu (no courier accepted within 1000 ms)"));
    assertThat(d.state()).isEqualTo(Dispatch.State.EXHAUSTED);
  }

  @Test
  void withdrawingCancelsTheHolderAndEveryLivePlacement() {
    Dispatch d = plan(DispatchStrategy.SIMULTANEOUS);
    d.start();
    d.placed("sf", "SF-1");
    d.placed("uu", "UU-1");
    d.claimed("sf", "SF-1");
    assertThat(d.delivered("sf")).containsExactly(new Delivered("sf"));
    assertThat(d.delivered("uu")).isEmpty();

    Dispatch other = plan(DispatchStrategy.SIMULTANEOUS);
    other.start();
    other.placed("sf", "SF-2");
    other.claimed("sf", "SF-2");
    List<DispatchCommand> withdrawn = other.withdraw("order cancelled");
    assertThat(withdrawn).contains(new Cancel("sf", "SF-2", "order cancelled"));
    assertThat(other.state()).isEqualTo(Dispatch.State.WITHDRAWN);
    assertThat(other.withdraw("again")).isEmpty();
  }

  @Test
  void aLostPlacementAnswerKeepsTheCandidateLiveSoNoSecondCourierIsPlacedUntilTheTimeout() {
    Dispatch d = plan(DispatchStrategy.SEQUENTIAL);
    d.start();
    // sf's answer never came (the gateway node stopped mid-call): sf may hold the order.
    assertThat(d.placementUnknown("sf", "connection lost")).isEmpty();
    assertThat(d.state()).isEqualTo(Dispatch.State.ACTIVE);
    assertThat(d.candidates().get(0).status()).isEqualTo(Status.PLACING);
    // Its courier's acceptance still claims the order; nobody else was ever placed.
    assertThat(d.claimed("sf", "SF-9")).containsExactly(new Assigned("sf", "SF-9", 1200));
    assertThat(d.candidates().stream().filter(c -> c.status() == Status.PLACING || c.status() == Status.PLACED))
        .isEmpty();
  }

  @Test
  void aLostPlacementAnswerWithoutAnyCallbackMovesOnAtTheAcceptanceTimeoutAndALaterCourierIsCalledOff() {
    Dispatch d = plan(DispatchStrategy.SEQUENTIAL);
    d.start();
    d.placementUnknown("sf", "timeout");
    assertThat(d.timedOut(1)).containsExactly(new Place("uu", "uu-token"), new ArmTimeout(2, 30_000));
    d.placed("uu", "UU-1");
    d.claimed("uu", "UU-1");
    // sf did take the order after all and its courier shows up: it does not hold it and is called off at once.
    assertThat(d.notHolder("sf", "SF-9")).containsExactly(new Cancel("sf", "SF-9", "order held by another courier"));
    assertThat(d.holder()).map(Dispatch.Candidate::platform).contains("uu");
  }

  @Test
  void theOrderRowsHolderWinsOverWhatDispatchBelievedOfThatCandidate() {
    Dispatch d = plan(DispatchStrategy.SEQUENTIAL);
    d.start();
    // sf's placement was answered as failed and uu was placed, but the webhook had already made sf the holder.
    d.placeFailed("sf", "HTTP 503");
    d.placed("uu", "UU-1");
    assertThat(d.claimed("sf", "SF-1")).containsExactly(new Assigned("sf", "SF-1", 1200),
        new Cancel("uu", "UU-1", "another courier accepted the order"));
    assertThat(d.holder()).map(Dispatch.Candidate::platform).contains("sf");
    // Nothing more is placed: the round's timer finds the order held.
    assertThat(d.timedOut(2)).isEmpty();
  }

  @Test
  void anOrderThatEndedIsNeverPlacedAgain() {
    Dispatch d = plan(DispatchStrategy.SEQUENTIAL);
    d.start();
    d.placed("sf", "SF-1");
    assertThat(d.orderEnded("CANCELLED")).containsExactly(new Cancel("sf", "SF-1", "order already CANCELLED"));
    assertThat(d.state()).isEqualTo(Dispatch.State.WITHDRAWN);
    assertThat(d.timedOut(1)).isEmpty();
    assertThat(d.placeFailed("sf", "late")).isEmpty();
  }

  @Test
  void aDeliveredOrderIsNeverWithdrawnSoItsCourierIsNeverCalledOff() {
    Dispatch d = plan(DispatchStrategy.SEQUENTIAL);
    d.start();
    d.placed("sf", "SF-1");
    d.claimed("sf", "SF-1");
    assertThat(d.delivered("sf")).containsExactly(new Delivered("sf"));
    assertThat(d.state()).isEqualTo(Dispatch.State.COMPLETED);
    // A saga that timed out anyway compensates: nothing is cancelled at SF.
    assertThat(d.withdraw("order cancelled")).isEmpty();
  }

  @Test
  void aDeliveryDispatchWasNeverToldOfCompletesItWhenTheOrderRowSaysDelivered() {
    Dispatch d = plan(DispatchStrategy.SEQUENTIAL);
    d.start();
    d.placed("sf", "SF-1");
    d.claimed("sf", "SF-1");
    assertThat(d.orderEnded("DELIVERED")).isEmpty();
    assertThat(d.state()).isEqualTo(Dispatch.State.COMPLETED);
    assertThat(d.withdraw("order cancelled")).isEmpty();
  }

  @Test
  void aPlacementWhoseAnswerWasNeverStoredIsSentAgainWithoutItsUsedQuoteToken() {
    Dispatch d = plan(DispatchStrategy.CHEAPEST);
    d.start();
    // fengniao's answer never came: the check sends it again (the platform answers with the order it holds).
    assertThat(d.placementCheck("fengniao", 1)).containsExactly(new Place("fengniao", null, true));
    d.placed("fengniao", "FN-1");
    // Once answered, a later check does nothing; nor does one of an earlier round.
    assertThat(d.placementCheck("fengniao", 1)).isEmpty();
    d.timedOut(1);
    assertThat(d.placementCheck("fengniao", 1)).isEmpty();
  }

  // ------------------------------------------------------------ what the holder charges

  @Test
  void theHolderIsAssignedAtThePriceItsPlacementStatedNotItsQuote() {
    Dispatch d = plan(DispatchStrategy.CHEAPEST);
    d.start();
    d.placed("fengniao", "FN-1", 760L);

    assertThat(d.claimed("fengniao", "FN-1")).contains(new Assigned("fengniao", "FN-1", 760));
    Dispatch.Candidate holder = d.holder().orElseThrow();
    assertThat(holder.chargedFen()).isEqualTo(760L);
    assertThat(holder.feeFen()).isEqualTo(760);
  }

  @Test
  void aPlacementThatStatesNoPriceKeepsTheQuoteAndALateAnswerStillRecordsThePrice() {
    Dispatch silent = plan(DispatchStrategy.CHEAPEST);
    silent.start();
    silent.placed("fengniao", "FN-1");
    assertThat(silent.claimed("fengniao", "FN-1")).contains(new Assigned("fengniao", "FN-1", 700));

    // The courier's callback claimed the order before the placement's answer was stored: the answer's price is kept.
    Dispatch raced = plan(DispatchStrategy.CHEAPEST);
    raced.start();
    raced.claimed("fengniao", "FN-2");
    assertThat(raced.placed("fengniao", "FN-2", 780L)).isEmpty();
    assertThat(raced.holder().orElseThrow().feeFen()).isEqualTo(780);

    // The same race with the price it quoted: nothing to keep, so the candidate's row is not written again.
    Dispatch same = plan(DispatchStrategy.CHEAPEST);
    same.start();
    same.claimed("fengniao", "FN-3");
    same.placed("fengniao", "FN-3", 700L);
    assertThat(same.holder().orElseThrow().chargedFen()).isNull();
    assertThat(same.holder().orElseThrow().feeFen()).isEqualTo(700);
  }

  @Test
  void aReturnToTheShopCompletesTheDispatchSoAWithdrawCancelsNobody() {
    Dispatch d = plan(DispatchStrategy.SEQUENTIAL);
    d.start();
    d.placed("sf", "SF-1");
    d.claimed("sf", "SF-1");

    assertThat(d.returned("sf")).containsExactly(new DispatchCommand.Returned("sf"));
    assertThat(d.state()).isEqualTo(Dispatch.State.COMPLETED);
    assertThat(d.withdraw("saga compensates")).isEmpty();
    assertThat(d.returned("uu")).as("only the holder returns an order").isEmpty();
  }
}
