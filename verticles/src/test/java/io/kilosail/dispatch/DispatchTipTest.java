package io.kilosail.dispatch;

import io.kilosail.dispatch.Dispatch.Offer;
import io.kilosail.dispatch.Dispatch.Tipping;
import io.kilosail.dispatch.DispatchCommand.AddTip;
import io.kilosail.dispatch.DispatchCommand.ArmTimeout;
import io.kilosail.dispatch.DispatchCommand.Assigned;
import io.kilosail.dispatch.DispatchCommand.Cancel;
import io.kilosail.dispatch.DispatchCommand.Place;
import io.kilosail.dispatch.DispatchCommand.TipAdded;
import io.kilosail.quote.TipPolicy;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The acceptance timeout's tip rounds in the dispatch state machine, without Vert.x or a database. */
class DispatchTipTest {

  private static final List<Offer> OFFERS = List.of(new Offer("uu", 600, 1500, "uu-token"),
      new Offer("shansong", 650, 1200, "ss-token"));
  private static final TipPolicy.Rule RULE = new TipPolicy.Rule("lunch", Set.of(), Set.of(), 2, 100, 2);
  /** Room for 150 fen above UU's 600. */
  private static final Tipping TIPPING = new Tipping(RULE, 750, Set.of("uu"));

  private static Dispatch placedWithUu() {
    Dispatch d = Dispatch.plan("order-1", DispatchStrategy.SEQUENTIAL, OFFERS, List.of("uu", "shansong"), 30_000);
    assertThat(d.start()).containsExactly(new Place("uu", "uu-token"), new ArmTimeout(1, 30_000));
    d.placed("uu", "UU-1");
    return d;
  }

  @Test
  void aTimeoutTipsThePlacementWithinTheCeilingAndWaitsAgainInsteadOfMovingOn() {
    Dispatch d = placedWithUu();

    assertThat(d.timedOut(1, TIPPING)).containsExactly(new AddTip("uu", "UU-1", 1, 100, "order-1:uu:tip-1"),
        new ArmTimeout(2, 2_000));
    assertThat(d.timedOut(1, TIPPING)).as("the spent round's timer, late").isEmpty();
    assertThat(d.tipConfirmed("uu", 1, 100L)).containsExactly(new TipAdded("uu", 1, 100, 100));
    assertThat(d.tipConfirmed("uu", 1, 100L)).as("a repeated answer").isEmpty();

    // Round 2 is cut to the 50 fen left under the ceiling; after it there is no room, and the order moves on.
    assertThat(d.timedOut(2, TIPPING)).containsExactly(new AddTip("uu", "UU-1", 2, 50, "order-1:uu:tip-2"),
        new ArmTimeout(3, 2_000));
    assertThat(d.tipConfirmed("uu", 2, null)).containsExactly(new TipAdded("uu", 2, 50, 150));
    assertThat(d.timedOut(3, TIPPING)).containsExactly(new Cancel("uu", "UU-1", "no courier accepted in time"),
        new Place("shansong", "ss-token"), new ArmTimeout(4, 30_000));
    Dispatch.Candidate uu = d.candidates().get(0);
    assertThat(uu.tipFen()).isEqualTo(150);
    assertThat(uu.tipRound()).isEqualTo(2);
  }

  @Test
  void aTipWhoseAnswerNeverCameIsSentAgainUnderItsKeyNotAsANewRound() {
    Dispatch d = placedWithUu();
    d.timedOut(1, TIPPING);

    // No answer stored for round 1 (a timeout, a node that died): the next timeout repeats it, same key, same amount.
    assertThat(d.timedOut(2, TIPPING)).containsExactly(new AddTip("uu", "UU-1", 1, 100, "order-1:uu:tip-1"),
        new ArmTimeout(3, 2_000));
    assertThat(d.candidates().get(0).tipPendingFen()).isEqualTo(100);
    // The platform counted it once: its total says so, and that is what is billed.
    assertThat(d.tipConfirmed("uu", 1, 100L)).containsExactly(new TipAdded("uu", 1, 100, 100));
  }

  @Test
  void aCourierTakingTheOrderAfterTheTipStillHasItsConfirmedTipOnThePlacement() {
    Dispatch d = placedWithUu();
    d.timedOut(1, TIPPING);
    assertThat(d.tipConfirmed("uu", 1, 100L)).containsExactly(new TipAdded("uu", 1, 100, 100));
    assertThat(d.claimed("uu", "UU-1")).containsExactly(new Assigned("uu", "UU-1", 600));
    assertThat(d.holder().orElseThrow().tipFen()).isEqualTo(100);
  }

  @Test
  void aCourierTakingTheOrderWhileTheTipsAnswerIsMissingHasTheTipAskedAgainUnderItsKey() {
    Dispatch d = placedWithUu();
    d.timedOut(1, TIPPING);
    assertThat(d.claimed("uu", "UU-1")).containsExactly(new Assigned("uu", "UU-1", 600),
        new AddTip("uu", "UU-1", 1, 100, "order-1:uu:tip-1"));
    assertThat(d.tipConfirmed("uu", 1, 100L)).containsExactly(new TipAdded("uu", 1, 100, 100));
    assertThat(d.claimed("uu", "UU-1")).as("claimed again: nothing pending").isEmpty();
  }

  @Test
  void aRefusedTipAddsNothingAndTheNextTimeoutDecidesAgain() {
    Dispatch d = placedWithUu();
    d.timedOut(1, TIPPING);
    assertThat(d.tipRefused("uu", 1, "a rider took it")).isEmpty();
    assertThat(d.candidates().get(0).tipFen()).isZero();
    assertThat(d.timedOut(2, TIPPING)).containsExactly(new AddTip("uu", "UU-1", 2, 100, "order-1:uu:tip-2"),
        new ArmTimeout(3, 2_000));
  }

  @Test
  void withNoRoomNoRuleOrAPlatformWithoutTipsTheTimeoutMovesOnAsBefore() {
    List<DispatchCommand> movesOn = List.of(new Cancel("uu", "UU-1", "no courier accepted in time"),
        new Place("shansong", "ss-token"), new ArmTimeout(2, 30_000));
    assertThat(placedWithUu().timedOut(1, new Tipping(RULE, 600, Set.of("uu")))).isEqualTo(movesOn);
    assertThat(placedWithUu().timedOut(1, Tipping.NONE)).isEqualTo(movesOn);
    assertThat(placedWithUu().timedOut(1, new Tipping(RULE, 750, Set.of("sf")))).isEqualTo(movesOn);
    Dispatch d = placedWithUu();
    d.timedOut(1, new Tipping(RULE, 600, Set.of("uu")));
    assertThat(d.candidates().get(0).tipRound()).as("nothing stored for an order that gets no tip").isZero();
  }

  @Test
  void aPlacementWhoseAnswerHasNotComeOrASimultaneousOfferIsNotTipped() {
    Dispatch placing = Dispatch.plan("order-1", DispatchStrategy.SEQUENTIAL, OFFERS, List.of("uu", "shansong"),
        30_000);
    placing.start();
    assertThat(placing.timedOut(1, TIPPING)).noneMatch(c -> c instanceof AddTip);

    Dispatch all = Dispatch.plan("order-1", DispatchStrategy.SIMULTANEOUS, OFFERS, List.of("uu", "shansong"), 30_000);
    all.start();
    all.placed("uu", "UU-1");
    all.placed("shansong", "SS-1");
    assertThat(all.timedOut(1, TIPPING)).noneMatch(c -> c instanceof AddTip);
  }
}
