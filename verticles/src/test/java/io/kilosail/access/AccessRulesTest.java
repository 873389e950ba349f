package io.kilosail.access;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The plain rules under access control: which role each action needs, the fixed window, the order secrets. */
class AccessRulesTest {

  @Test
  void eachAdminPathAndCommandNeedsItsRole() {
    assertThat(AccessRules.adminPath("/v1/admin/sagas/abc/retry")).isEqualTo(Role.OPS);
    assertThat(AccessRules.adminPath("/v1/admin/sagas")).isEqualTo(Role.OPS);
    assertThat(AccessRules.adminPath("/v1/admin/audit")).isEqualTo(Role.OPS);
    assertThat(AccessRules.adminPath("/v1/admin/skus/tea")).isEqualTo(Role.CATALOG);
    assertThat(AccessRules.command("admin.orders.cancel")).isEqualTo(Role.OPS);
    assertThat(AccessRules.command("admin.sagas.retry")).isEqualTo(Role.OPS);
    assertThat(AccessRules.command("kilosail.saga.coordinator")).isNull();
    assertThat(AccessRules.READ_MONEY).isEqualTo(Role.FINANCE);
  }

  @Test
  void rolesAreNamedInLowerCaseAndUnknownOnesInATokenAreIgnored() {
    assertThat(Role.of(" Finance ")).isEqualTo(Role.FINANCE);
    assertThatThrownBy(() -> Role.of("root")).hasMessageContaining("no role 'root'")
        .hasMessageContaining("ops, catalog, finance");
    assertThat(Role.known(List.of("ops", "root", 42, "catalog"))).containsExactlyInAnyOrder(Role.OPS, Role.CATALOG);
  }

  @Test
  void aFixedWindowLetsTheLimitThroughThenSaysWhenToComeBack() {
    assertThat(FixedWindow.decide(10, 400, 10, 1000).allowed()).isTrue();
    FixedWindow.Decision over = FixedWindow.decide(11, 400, 10, 1000);
    assertThat(over.allowed()).isFalse();
    assertThat(over.retryAfterSeconds()).isEqualTo(1);
    assertThat(FixedWindow.decide(11, 12_001, 10, 60_000).retryAfterSeconds()).isEqualTo(13);
    // No limit configured: everything passes.
    assertThat(FixedWindow.decide(1_000_000, 1, 0, 1000).allowed()).isTrue();
    // A key without a known expiry: wait a whole window, never forever.
    assertThat(FixedWindow.decide(11, -1, 10, 5000).retryAfterSeconds()).isEqualTo(5);
  }

  @Test
  void anOrderSecretIsRandomAndOnlyItsHashIsCompared() {
    String secret = OrderSecrets.newSecret();
    assertThat(secret).hasSizeGreaterThanOrEqualTo(43).isNotEqualTo(OrderSecrets.newSecret());
    String hash = OrderSecrets.hash(secret);
    assertThat(hash).hasSize(64).doesNotContain(secret);
    assertThat(OrderSecrets.matches(hash, OrderSecrets.hash(secret))).isTrue();
    assertThat(OrderSecrets.matches(hash, OrderSecrets.hash(secret + "x"))).isFalse();
    assertThat(OrderSecrets.matches(null, hash)).as("an order without a secret opens to none").isFalse();
  }

  @Test
  void aReadSignsItsMethodAndTarget() {
    assertThat(new String(Callers.signedRead("GET", "/v1/orders?platform=meituan&platformOrderId=MT-1")))
        .isEqualTo("GET /v1/orders?platform=meituan&platformOrderId=MT-1");
  }
}
