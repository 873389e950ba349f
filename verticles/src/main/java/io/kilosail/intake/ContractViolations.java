package io.kilosail.intake;

import io.vertx.json.schema.OutputUnit;
import io.vertx.openapi.validation.SchemaValidationException;
import io.vertx.openapi.validation.ValidatorException;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns the OpenAPI validator's failure into a problem detail that names the field at fault ("field 'dropoff.lat':
 * ..."), so a platform's developer can fix the push without reading our logs. The validator reports JSON pointers
 * (/dropoff/lat) and, for a missing property, the parent's pointer plus the name in the message.
 */
public final class ContractViolations {

  private static final Pattern REQUIRED = Pattern.compile("required property \"([^\"]+)\"");
  private static final int MAX_REPORTED = 3;

  private ContractViolations() {
  }

  public static String detail(ValidatorException failure) {
    if (failure instanceof SchemaValidationException schema && schema.getOutputUnit() != null) {
      List<OutputUnit> leaves = new ArrayList<>();
      collectLeaves(schema.getOutputUnit(), leaves);
      Set<String> parts = new LinkedHashSet<>();
      for (OutputUnit leaf : leaves) {
        if (parts.size() == MAX_REPORTED) {
          break;
        }
        parts.add("field '" + field(leaf) + "': " + leaf.getError());
      }
      if (!parts.isEmpty()) {
        return "request body does not fit the contract: " + String.join("; ", parts);
      }
    }
    return failure.getMessage();
  }

  /** The field a leaf error is about, dotted ("dropoff.lat", "items[2].name"); "(body)" for the body as a whole. */
  static String field(OutputUnit unit) {
    String pointer = unit.getInstanceLocation() == null ? "" : unit.getInstanceLocation();
    if (pointer.startsWith("#")) {
      pointer = pointer.substring(1);
    }
    StringBuilder path = new StringBuilder();
    for (String token : pointer.split("/")) {
      if (token.isEmpty()) {
        continue;
      }
      String name = token.replace("~1", "/").replace("~0", "~");
      if (name.chars().allMatch(Character::isDigit)) {
        path.append('[').append(name).append(']');
      } else {
        path.append(path.length() == 0 ? "" : ".").append(name);
      }
    }
    Matcher required = unit.getError() == null ? null : REQUIRED.matcher(unit.getError());
    if (required != null && required.find()) {
      path.append(path.length() == 0 ? "" : ".").append(required.group(1));
    }
    return path.length() == 0 ? "(body)" : path.toString();
  }

  private static void collectLeaves(OutputUnit unit, List<OutputUnit> leaves) {
    List<OutputUnit> errors = unit.getErrors();
    if (errors == null || errors.isEmpty()) {
      if (unit.getError() != null) {
        leaves.add(unit);
      }
      return;
    }
    for (OutputUnit child : errors) {
      collectLeaves(child, leaves);
    }
  }
}
