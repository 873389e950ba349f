package io.kilosail.quote;

import io.kilosail.platform.settings.ConfigSection;
import io.kilosail.platform.settings.SettingException;
import io.vertx.core.json.JsonObject;

/**
 * The {@code quoting} section.
 *
 * <pre>
 * "quoting": { "callTimeoutMs": 1500, "cacheTtlSeconds": 30, "cacheTimeoutMs": 200,
 *              "rulesFile": "conf/quoting-rules.json", "rulesScanMs": 5000, "rules": { ...inline fallback... } }
 * </pre>
 *
 * @param callTimeoutMs   how long one platform's quote may take (the gateway proxy's send timeout)
 * @param cacheTtlSeconds how long a platform's price for a route stays in Redis; 0 turns the cache off
 * @param cacheTimeoutMs  how long a quote waits for Redis before asking the platforms without it
 * @param rulesFile       watched rules file; null (blank in config) for none
 * @param rulesScanMs     how often the rules file is checked for changes
 * @param inlineRules     the rules when there is no rules file (null: none)
 */
public record QuotingSettings(int callTimeoutMs, int cacheTtlSeconds, int cacheTimeoutMs, String rulesFile,
                              int rulesScanMs, QuoteRules inlineRules) {

  public static final String SECTION = "quoting";

  public static QuotingSettings fromJson(JsonObject config) {
    ConfigSection section = new ConfigSection(config, SECTION);
    JsonObject values = section.values();
    Object file = values.getValue("rulesFile", "conf/quoting-rules.json");
    if (file != null && !(file instanceof String)) {
      throw new SettingException(section.name("rulesFile"), "must be a file path, got '" + file + "'");
    }
    QuoteRules inline = null;
    Object rules = values.getValue("rules");
    if (rules != null) {
      if (!(rules instanceof JsonObject json)) {
        throw new SettingException(section.name("rules"), "must be a rules object {\"timeZone\", \"rules\": [...]}");
      }
      try {
        inline = QuoteRules.fromJson(json);
      } catch (QuoteRules.InvalidRulesException e) {
        throw new SettingException(section.name("rules") + "." + e.field(), e.getMessage());
      }
    }
    return new QuotingSettings(
        section.integer("callTimeoutMs", 1_500, 1, 60_000),
        section.integer("cacheTtlSeconds", 30, 0, 86_400),
        section.integer("cacheTimeoutMs", 200, 1, 10_000),
        file == null || ((String) file).isBlank() ? null : (String) file,
        section.integer("rulesScanMs", 5_000, 100, 3_600_000),
        inline);
  }
}
