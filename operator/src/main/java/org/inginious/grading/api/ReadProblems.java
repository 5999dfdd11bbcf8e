package org.inginious.grading.api;

import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import java.util.stream.Collectors;

/**
 * One line for a value that does not map onto our types (an unknown field, a wrong type, an unknown
 * enum value, a number out of range): the field and what is wrong, without Java class names. Used
 * by `validate`/`render` and by the operator for environments it cannot read.
 */
public final class ReadProblems {
  private ReadProblems() {}

  public static String describe(JsonMappingException e) {
    if (e instanceof UnrecognizedPropertyException unknown) {
      return "unknown field "
          + path(e)
          + " (known: "
          + unknown.getKnownPropertyIds().stream()
              .map(String::valueOf)
              .sorted()
              .collect(Collectors.joining(", "))
          + ")";
    }
    return "invalid value at " + path(e) + ": " + message(e);
  }

  /**
   * The first line of Jackson's message, `org.inginious.grading.api.Runtime` shortened to
   * `Runtime`.
   */
  public static String message(JsonMappingException e) {
    String message =
        e.getOriginalMessage() == null
            ? ""
            : e.getOriginalMessage().strip().lines().findFirst().orElse("");
    return message
        .replaceAll("(?:[a-z_$][\\w$]*\\.)+([A-Z][\\w$]*)", "$1")
        .replaceAll(" \\(but could if coercion was enabled.*$", "");
  }

  /** spec.grading.tolerations[0].key */
  public static String path(JsonMappingException e) {
    StringBuilder path = new StringBuilder();
    for (JsonMappingException.Reference reference : e.getPath()) {
      if (reference.getFieldName() != null) {
        path.append(path.length() == 0 ? "" : ".").append(reference.getFieldName());
      } else {
        path.append('[').append(reference.getIndex()).append(']');
      }
    }
    return path.toString();
  }
}
