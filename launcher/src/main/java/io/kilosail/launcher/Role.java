package io.kilosail.launcher;

import io.kilosail.platform.settings.SettingException;

import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/** What a node does. A node runs one or more roles; {@code all} (the default) runs every one. */
public enum Role {
  INGRESS, QUOTE, DISPATCH, WEBHOOKS, SAGA, RELAY, ADMIN, STOCK, PAYMENT;

  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses {@code "ingress,saga"} or {@code "all"}; an unknown name is a setting error that lists the known ones. */
  public static List<Role> parse(String setting, List<String> names) {
    if (names.isEmpty()) {
      throw new SettingException(setting, "no role given; known roles: all, " + known());
    }
    Set<Role> roles = new LinkedHashSet<>();
    for (String raw : names) {
      String name = raw.trim().toLowerCase(Locale.ROOT);
      if (name.equals("all")) {
        roles.addAll(Arrays.asList(values()));
        continue;
      }
      roles.add(Arrays.stream(values()).filter(r -> r.id().equals(name)).findFirst()
          .orElseThrow(() -> new SettingException(setting, "unknown role '" + raw.trim() + "'; known roles: all, "
              + known())));
    }
    return List.copyOf(roles);
  }

  private static String known() {
    return Arrays.stream(values()).map(Role::id).collect(Collectors.joining(", "));
  }
}
