package io.kilosail.shop;

import io.kilosail.contracts.courier.CourierPlatform;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The plain rules of shops: opening hours, merging an operator's edit, and whether a balance can pay. */
class ShopRulesTest {

  private static final ZoneId SHANGHAI = ZoneId.of("Asia/Shanghai");
  private static final Instant T0 = Instant.parse("2026-12-01T00:00:00Z");

  private static Shop shop() {
    return new Shop("meituan", "s1", "Noodles", "88 Nanjing West Rd", new BigDecimal("31.230400"),
        new BigDecimal("121.473700"), "shanghai", null, Map.of(CourierPlatform.SF, "sf-7"), 3, T0, T0);
  }

  @Test
  void hoursAreOneDailyWindowInLocalTimeAndMayWrapPastMidnight() {
    OpeningHours day = new OpeningHours(LocalTime.of(9, 0), LocalTime.of(22, 0));
    // 01:00Z is 09:00 in Shanghai: open; 14:00Z is 22:00 there: the closing minute is outside.
    assertThat(day.isOpen(Instant.parse("2026-12-01T01:00:00Z"), SHANGHAI)).isTrue();
    assertThat(day.isOpen(Instant.parse("2026-12-01T00:59:00Z"), SHANGHAI)).isFalse();
    assertThat(day.isOpen(Instant.parse("2026-12-01T14:00:00Z"), SHANGHAI)).isFalse();
    OpeningHours night = new OpeningHours(LocalTime.of(22, 0), LocalTime.of(2, 0));
    assertThat(night.isOpen(Instant.parse("2026-12-01T17:00:00Z"), SHANGHAI)).as("01:00 local").isTrue();
    assertThat(night.isOpen(Instant.parse("2026-12-01T04:00:00Z"), SHANGHAI)).as("12:00 local").isFalse();
    assertThat(new OpeningHours(LocalTime.MIDNIGHT, LocalTime.MIDNIGHT).isOpen(T0, SHANGHAI)).as("all day").isTrue();
  }

  @Test
  void aPatchChangesOnlyWhatItNamesAndNullGoesBackToTheDefaultAccount() {
    Shop edited = ShopEdit.parse(new JsonObject().put("courierAccounts", new JsonObject().put("uu", "uu-open-1")
        .putNull("sf")), false).applyTo(shop(), T0.plusSeconds(60));
    assertThat(edited.name()).isEqualTo("Noodles");
    assertThat(edited.accounts()).isEqualTo(Map.of(CourierPlatform.UU, "uu-open-1"));
    assertThat(edited.version()).isEqualTo(4);
    assertThat(edited.address()).as("where the shop is comes from its orders").isEqualTo("88 Nanjing West Rd");
  }

  @Test
  void aPutReplacesEveryEditableField() {
    Shop replaced = ShopEdit.parse(new JsonObject().put("name", "Noodles 2")
        .put("hours", new JsonObject().put("opens", "10:00").put("closes", "21:30")), true).applyTo(shop(), T0);
    assertThat(replaced.name()).isEqualTo("Noodles 2");
    assertThat(replaced.hours()).isEqualTo(new OpeningHours(LocalTime.of(10, 0), LocalTime.of(21, 30)));
    assertThat(replaced.accounts()).as("not in the PUT: none of its own").isEmpty();
  }

  @Test
  void aBadEditNamesItsField() {
    assertThatThrownBy(() -> ShopEdit.parse(new JsonObject().put("hours", new JsonObject().put("opens", "25:00")
        .put("closes", "22:00")), false)).hasFieldOrPropertyWithValue("field", "hours.opens");
    assertThatThrownBy(() -> ShopEdit.parse(new JsonObject().put("courierAccounts", new JsonObject().put("dada", "x")),
        false)).hasFieldOrPropertyWithValue("field", "courierAccounts.dada");
    assertThatThrownBy(() -> ShopEdit.parse(new JsonObject().put("name", ""), false))
        .hasFieldOrPropertyWithValue("field", "name");
    assertThatThrownBy(() -> ShopEdit.parse(new JsonObject().put("address", "x"), false))
        .hasFieldOrPropertyWithValue("field", "address");
    assertThatThrownBy(() -> ShopEdit.parse(new JsonObject(), true)).as("a PUT needs the name")
        .hasFieldOrPropertyWithValue("field", "name");
  }

  @Test
  void anAccountPaysWhileItsBalanceCoversThePriceAboveTheFloor() {
    CourierBalances.Account account = new CourierBalances.Account("uu", "a", 1_000, 5_000);
    assertThat(CourierBalances.canPay(account, 1_000, 0)).as("to the last fen").isTrue();
    assertThat(CourierBalances.canPay(account, 1_001, 0)).isFalse();
    assertThat(CourierBalances.canPay(account, 900, 200)).as("the floor is kept").isFalse();
    assertThat(CourierBalances.canPay(null, 1_000_000, 0)).as("an untracked account is never skipped").isTrue();
    assertThat(account.low()).isTrue();
    assertThat(new CourierBalances.Account("uu", "a", 5_000, 5_000).low()).isFalse();

    CourierBalances.Split<Long> split = CourierBalances.split(List.of(800L, 1_200L), price -> account, p -> p, 0);
    assertThat(split.payable()).containsExactly(800L);
    assertThat(split.skipped()).containsExactly(1_200L);
  }

  @Test
  void theAccountUsedIsTheShopsOwnElseTheDefault() {
    ShopSettings settings = ShopSettings.fromJson(new JsonObject().put("couriers", new JsonObject()
        .put("uu", new JsonObject().put("openId", "default-open")).put("sf", new JsonObject().put("shopId", "sf-0"))));
    JsonObject own = shop().accountsJson();
    assertThat(settings.accountFor(CourierPlatform.SF, own)).isEqualTo("sf-7");
    assertThat(settings.accountFor(CourierPlatform.UU, own)).isEqualTo("default-open");
    assertThat(settings.accountFor(CourierPlatform.FENGNIAO, own)).isNull();
  }
}
