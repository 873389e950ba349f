package io.kilosail.contracts.courier;

/**
 * The downstream courier platforms kilosail dispatches to. The {@link #id()} is stable: it appears in config keys,
 * URLs (webhook and simulator paths), database rows and events, so never rename one.
 */
public enum CourierPlatform {
  UU("uu"),
  SHANSONG("shansong"),
  SF("sf"),
  FENGNIAO("fengniao");

  private final String id;

  CourierPlatform(String id) {
    this.id = id;
  }

  public String id() {
    return id;
  }

  /** The platform with this stable id; {@link IllegalArgumentException} for an unknown one. */
  public static CourierPlatform fromId(String id) {
    for (CourierPlatform platform : values()) {
      if (platform.id.equals(id)) {
        return platform;
      }
    }
    throw new IllegalArgumentException("unknown courier platform id: " + id);
  }
}
