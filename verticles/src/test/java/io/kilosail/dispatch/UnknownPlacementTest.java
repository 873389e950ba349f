package io.kilosail.dispatch;

import io.kilosail.contracts.courier.CourierOrderLookup;
import io.kilosail.dispatch.UnknownPlacement.Resolution;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** A placement whose answer never came, settled by what the platform's order detail says. */
class UnknownPlacementTest {

  private static CourierOrderLookup found(String state) {
    return new CourierOrderLookup().setPlatform("sf").setOrderId("o1").setFound(true).setPlatformOrderId("SF-9")
        .setState(state).setPriceFen(1_150L);
  }

  @Test
  void anOrderThePlatformHoldsIsPlacedAndNotCreatedAgain() {
    assertThat(UnknownPlacement.resolve(found("CREATED"))).isEqualTo(Resolution.PLACED);
    assertThat(UnknownPlacement.resolve(found("ACCEPTED"))).isEqualTo(Resolution.PLACED);
    assertThat(UnknownPlacement.resolve(found(null))).as("a status the wire cannot map is still an order there")
        .isEqualTo(Resolution.PLACED);
  }

  @Test
  void noSuchOrderOrOneAlreadyCancelledThereIsSafeToPlaceAgain() {
    assertThat(UnknownPlacement.resolve(new CourierOrderLookup().setPlatform("sf").setOrderId("o1").setFound(false)))
        .isEqualTo(Resolution.PLACE_AGAIN);
    assertThat(UnknownPlacement.resolve(found("CANCELLED"))).isEqualTo(Resolution.PLACE_AGAIN);
  }

  @Test
  void withoutAnAnswerTheIdempotentCreateIsRepeatedAsBefore() {
    assertThat(UnknownPlacement.resolve(null)).isEqualTo(Resolution.PLACE_AGAIN);
    // Found but without the platform's id: nothing to cancel it by later, so the create's answer is needed.
    assertThat(UnknownPlacement.resolve(found("ACCEPTED").setPlatformOrderId(null)))
        .isEqualTo(Resolution.PLACE_AGAIN);
  }
}
