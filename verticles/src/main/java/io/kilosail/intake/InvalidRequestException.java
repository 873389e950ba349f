package io.kilosail.intake;

/**
 * A request that does not fit {@code openapi/intake.yaml}: {@code field} names what is wrong ("dropoff.lat",
 * "shop.unexpected", "(body)"), {@code where} says where it sits (request body, query or path parameter). Answered as
 * 400 problem+json {@code invalid-request} with {@link #detail()}. Without a stack trace: hostile input is frequent and
 * the trace would say nothing the detail does not.
 */
public final class InvalidRequestException extends RuntimeException {

  /** Where the field at fault is. */
  public enum Where {
    BODY("request body does not fit the contract: field '"),
    QUERY("request does not fit the contract: query parameter '"),
    PATH("request does not fit the contract: path parameter '");

    private final String prefix;

    Where(String prefix) {
      this.prefix = prefix;
    }
  }

  private final Where where;
  private final String field;

  public InvalidRequestException(Where where, String field, String message) {
    super(message, null, false, false);
    this.where = where;
    this.field = field;
  }

  public Where where() {
    return where;
  }

  public String field() {
    return field;
  }

  /** The problem detail, e.g. "request body does not fit the contract: field 'dropoff.lat': must be a number". */
  public String detail() {
    return where.prefix + field + "': " + getMessage();
  }
}
