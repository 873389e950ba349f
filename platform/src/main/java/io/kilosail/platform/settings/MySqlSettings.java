package io.kilosail.platform.settings;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * Where the MySQL/MariaDB database is and how to log in. Written as one URL,
 * {@code mysql://user:password@host:port/database}, the form vertx-mysql-client and operators both know.
 */
public record MySqlSettings(String host, int port, String database, String user, String password, int poolSize) {

  public static final String SETTING = "mysql.url";
  public static final int DEFAULT_POOL_SIZE = 8;

  public MySqlSettings {
    if (poolSize < 1 || poolSize > 256) {
      throw new SettingException("mysql.poolSize", "must be between 1 and 256, got " + poolSize);
    }
  }

  public static MySqlSettings fromUrl(String url, int poolSize) {
    if (url == null || url.isBlank()) {
      throw new SettingException(SETTING, "missing; expected mysql://user:password@host:port/database");
    }
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw new SettingException(SETTING, "not a URL (" + e.getReason() + "); expected mysql://user:password@host:port/database");
    }
    if (!"mysql".equals(uri.getScheme()) && !"mariadb".equals(uri.getScheme())) {
      throw new SettingException(SETTING, "scheme must be mysql://, got '" + uri.getScheme() + "'");
    }
    if (uri.getHost() == null) {
      throw new SettingException(SETTING, "no host in '" + redact(url) + "'");
    }
    String path = uri.getPath() == null ? "" : uri.getPath().replaceFirst("^/", "");
    if (path.isEmpty()) {
      throw new SettingException(SETTING, "no database name in '" + redact(url) + "'");
    }
    String user = "root";
    String password = "";
    String userInfo = uri.getRawUserInfo();
    if (userInfo != null) {
      int colon = userInfo.indexOf(':');
      user = decode(colon < 0 ? userInfo : userInfo.substring(0, colon));
      password = colon < 0 ? "" : decode(userInfo.substring(colon + 1));
    }
    int port = uri.getPort() < 0 ? 3306 : uri.getPort();
    return new MySqlSettings(uri.getHost(), port, path, user, password, poolSize);
  }

  public MySqlSettings withPoolSize(int size) {
    return new MySqlSettings(host, port, database, user, password, size);
  }

  public String url() {
    return "mysql://" + encode(user) + ":" + encode(password) + "@" + host + ":" + port + "/" + database;
  }

  /** The URL without its password, for logs and error messages. */
  public String redactedUrl() {
    return "mysql://" + user + ":***@" + host + ":" + port + "/" + database;
  }

  private static String redact(String url) {
    return url.replaceAll("(//[^:/@]*:)[^@]*@", "$1***@");
  }

  private static String decode(String s) {
    return URLDecoder.decode(s, StandardCharsets.UTF_8);
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
