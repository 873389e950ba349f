package io.kilosail.infra;

/** Text bounded to where it is stored or sent. */
public final class Texts {

  private Texts() {
  }

  /**
   * {@code text} when it has at most {@code max} characters, else its first ones ending in "…" so that the whole is
   * {@code max} long: a reason or an error composed at run time must fit its column, or the write that records it
   * fails, and a retried write would fail the same way forever. Never splits a surrogate pair. Null stays null.
   */
  public static String clip(String text, int max) {
    if (text == null || text.length() <= max) {
      return text;
    }
    int end = max - 1;
    if (end > 0 && Character.isHighSurrogate(text.charAt(end - 1))) {
      end--;
    }
    return text.substring(0, end) + "…";
  }
}
