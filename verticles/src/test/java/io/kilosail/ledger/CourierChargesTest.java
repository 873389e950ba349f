package io.kilosail.ledger;

import io.kilosail.ledger.CourierCharges.Booked;
import io.kilosail.ledger.CourierCharges.PenaltyBooking;
import io.kilosail.ledger.CourierCharges.Source;
import io.kilosail.ledger.Ledger.Posting;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** What is booked for a courier platform: what it charged and stated, our own figures only where it says nothing. */
class CourierChargesTest {

  private static final Instant AT = Instant.parse("2026-12-06T04:30:00Z");

  @Test
  void thePriceStatedAtPlacementIsTheFeeAndTheQuoteOnlyWhenThePlatformSaysNothing() {
    assertThat(CourierCharges.fee(1_150L, 1_000L)).isEqualTo(1_150L);
    assertThat(CourierCharges.fee(null, 1_000L)).isEqualTo(1_000L);
    assertThat(CourierCharges.fee(0L, 1_000L)).as("a free placement is a statement too").isZero();
    assertThat(CourierCharges.fee(null, null)).isNull();

    List<Posting> delivered = Ledger.deliveryCompleted("o1", "meituan", 850, "sf",
        CourierCharges.fee(1_150L, 1_000L), AT);
    assertThat(Ledger.balance(delivered, Ledger.PAYABLE_COURIER)).isEqualTo(-1_150);
    assertThat(Ledger.margin(delivered)).isEqualTo(-300);
    assertThat(Ledger.balances(delivered)).isTrue();
  }

  @Test
  void aReturnToTheShopCostsWhatThePlatformStatesAndEarnsNoDeliveryFee() {
    List<Posting> stated = Ledger.deliveryReturned("o1", "sf", CourierCharges.returnedFee(1_600L, 1_000L), AT);
    assertThat(stated).containsExactly(
        new Posting("o1", "delivery.returned", "cost:courier", "sf", 1_600, AT),
        new Posting("o1", "delivery.returned", "payable:courier", "sf", -1_600, AT));
    assertThat(Ledger.balance(stated, Ledger.REVENUE_DELIVERY)).isZero();

    List<Posting> unstated = Ledger.deliveryReturned("o1", "sf", CourierCharges.returnedFee(null, 1_000L), AT);
    assertThat(Ledger.balance(unstated, Ledger.COST_COURIER)).isEqualTo(1_000);
    assertThat(Ledger.margin(unstated)).isEqualTo(-1_000);
  }

  @Test
  void aFirstPenaltyIsTheStatedOneElseTheTables() {
    PenaltyBooking stated = CourierCharges.penalty("o1", "shansong", null, 350L, 200, AT);
    assertThat(stated.record()).isEqualTo(new Booked(350, Source.STATED));
    assertThat(stated.changed()).isTrue();
    assertThat(Ledger.balance(stated.postings(), Ledger.COST_PENALTY)).isEqualTo(350);

    PenaltyBooking table = CourierCharges.penalty("o1", "uu", null, null, 200, AT);
    assertThat(table.record()).isEqualTo(new Booked(200, Source.TABLE));
    assertThat(Ledger.balance(table.postings(), Ledger.COST_PENALTY)).isEqualTo(200);
  }

  @Test
  void aStatementAfterTheTableFigureReplacesItAndTheLedgerShowsOnlyTheStatedAmount() {
    List<Posting> ledger = new ArrayList<>(CourierCharges.penalty("o1", "shansong", null, null, 200, AT).postings());

    PenaltyBooking later = CourierCharges.penalty("o1", "shansong", new Booked(200, Source.TABLE), 500L, 200, AT);

    assertThat(later.record()).isEqualTo(new Booked(500, Source.STATED));
    assertThat(later.postings()).extracting(Posting::entryType)
        .containsExactly("penalty.courier.reversal", "penalty.courier.reversal", "penalty.courier", "penalty.courier");
    ledger.addAll(later.postings());
    assertThat(Ledger.balances(ledger)).isTrue();
    assertThat(Ledger.balance(ledger, Ledger.COST_PENALTY)).isEqualTo(500);
    assertThat(Ledger.balance(ledger, Ledger.PAYABLE_COURIER)).isEqualTo(-500);
  }

  @Test
  void aStatementOfNoChargeUndoesTheTableFigure() {
    List<Posting> ledger = new ArrayList<>(CourierCharges.penalty("o1", "sf", null, null, 200, AT).postings());
    PenaltyBooking free = CourierCharges.penalty("o1", "sf", new Booked(200, Source.TABLE), 0L, 200, AT);
    ledger.addAll(free.postings());
    assertThat(free.record()).isEqualTo(new Booked(0, Source.STATED));
    assertThat(Ledger.balance(ledger, Ledger.COST_PENALTY)).isZero();
    assertThat(Ledger.balances(ledger)).isTrue();
  }

  @Test
  void theFirstStatementStandsAndSilenceChangesNothing() {
    PenaltyBooking again = CourierCharges.penalty("o1", "shansong", new Booked(350, Source.STATED), 400L, 200, AT);
    assertThat(again.changed()).isFalse();
    assertThat(again.postings()).isEmpty();
    assertThat(again.record()).isEqualTo(new Booked(350, Source.STATED));

    PenaltyBooking silent = CourierCharges.penalty("o1", "uu", new Booked(200, Source.TABLE), null, 500, AT);
    assertThat(silent.changed()).isFalse();
    assertThat(silent.postings()).isEmpty();

    PenaltyBooking same = CourierCharges.penalty("o1", "uu", new Booked(200, Source.TABLE), 200L, 200, AT);
    assertThat(same.record().source()).isEqualTo(Source.STATED);
    assertThat(same.postings()).as("the amount booked is already right").isEmpty();
  }
}
