package io.kilosail.courier.wire;

/**
 * A platform's placement token with the price it buys, as kilosail keeps it between the quote and the placement:
 * {@code <priceFen>:<platform token>}. UU and Shansong place by the token of a quote and their create answers do not
 * reliably restate the price, so the wire reads the charged price back from here. A token without the prefix (one
 * stored before this format) is the platform's token as is, price unknown.
 */
record PricedToken(Long priceFen, String token) {

  String encode() {
    return priceFen == null ? token : priceFen + ":" + token;
  }

  static PricedToken parse(String encoded) {
    int colon = encoded.indexOf(':');
    if (colon > 0 && colon <= 18 && encoded.substring(0, colon).chars().allMatch(Character::isDigit)) {
      return new PricedToken(Long.parseLong(encoded.substring(0, colon)), encoded.substring(colon + 1));
    }
    return new PricedToken(null, encoded);
  }
}
