package io.kilosail.access;

import java.util.Collection;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * What an operator's token lets its holder do. A token carries any number of roles (claim {@code roles}); a token
 * issued before roles existed carries none and may do nothing but be recognised (docs/security.md).
 */
public enum Role {
  /** Sagas (read, retry, compensate), cancelling an order, reading orders and the audit log. */
  OPS,
  /** The shop's catalogue: SKUs and their stock. */
  CATALOG,
  /** Money: settlements, per-order ledgers, receivables, reconciliation. */
  FINANCE;

  /** The name as written in tokens, config and on the command line: lower case. */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * The role named {@code id} ({@code ops}, {@code catalog}, {@code finance}, any case).
   *
   * @throws IllegalArgumentException naming the known roles when there is none by that name
   */
  public static Role of(String id) {
    for (Role role : values()) {
      if (role.id().equalsIgnoreCase(id == null ? "" : id.trim())) {
        return role;
      }
    }
    throw new IllegalArgumentException("no role '" + id + "'; the roles are ops, catalog, finance");
  }

  /** The roles of a token's claim; names this node does not know are ignored (a newer issuer may know more). */
  public static Set<Role> known(Collection<?> ids) {
    Set<Role> roles = EnumSet.noneOf(Role.class);
    for (Object id : ids) {
      for (Role role : values()) {
        if (id instanceof String s && role.id().equals(s)) {
          roles.add(role);
        }
      }
    }
    return roles;
  }
}
