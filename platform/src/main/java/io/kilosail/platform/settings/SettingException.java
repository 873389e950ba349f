package io.kilosail.platform.settings;

/**
 * A setting that is missing or wrong. The message names the setting (and where it can be set), so start-up can fail
 * with one line an operator can act on instead of a stack trace.
 */
public class SettingException extends RuntimeException {

  private final String setting;

  public SettingException(String setting, String problem) {
    super("setting '" + setting + "': " + problem);
    this.setting = setting;
  }

  public String setting() {
    return setting;
  }
}
