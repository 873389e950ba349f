package io.kilosail.access;

import java.util.Map;

/**
 * Which role each operator action needs, in one place so the HTTP admin API, the dashboard's bridge and
 * docs/security.md cannot drift apart. Plain Java.
 */
public final class AccessRules {

  /** Bridge command addresses (AdminAddresses.COMMANDS) and the role each needs. */
  private static final Map<String, Role> COMMANDS = Map.of(
      "admin.sagas.retry", Role.OPS,
      "admin.orders.cancel", Role.OPS);

  private AccessRules() {
  }

  /**
   * The role an admin HTTP request ({@code /v1/admin/...}) needs; null when the path is no admin resource (the
   * router then answers 404 to whoever holds a valid token).
   */
  public static Role adminPath(String path) {
    if (path.startsWith("/v1/admin/sagas") || path.startsWith("/v1/admin/audit")) {
      return Role.OPS;
    }
    if (path.startsWith("/v1/admin/skus")) {
      return Role.CATALOG;
    }
    if (path.startsWith("/v1/admin/receivables") || path.startsWith("/v1/admin/reconciliations")) {
      return Role.FINANCE;
    }
    // Shops (names, hours, which courier account serves them) are operations; balances and top-ups are money.
    if (path.startsWith("/v1/admin/shops")) {
      return Role.OPS;
    }
    if (path.startsWith("/v1/admin/courier-accounts")) {
      return Role.FINANCE;
    }
    return null;
  }

  /** The role a bridge command needs; null for an address that is no command (refused anyway). */
  public static Role command(String address) {
    return COMMANDS.get(address);
  }

  /** Reading a delivery or checkout order (names, phones, addresses) as an operator. */
  public static final Role READ_ORDER = Role.OPS;
  /** Reading an order's ledger, the settlements, receivables and payables. */
  public static final Role READ_MONEY = Role.FINANCE;
}
