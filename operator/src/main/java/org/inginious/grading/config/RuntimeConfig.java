package org.inginious.grading.config;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** How one OCI runtime is exposed in the cluster: its RuntimeClass, and whether we own it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RuntimeConfig(
    String runtimeClassName, String handler, Boolean managed, Map<String, String> nodeSelector) {

  public RuntimeConfig {
    // null values are allowed here so that OperatorConfig can report them by key
    nodeSelector =
        nodeSelector == null
            ? Map.of()
            : Collections.unmodifiableMap(new LinkedHashMap<>(nodeSelector));
  }

  public boolean isManaged() {
    return Boolean.TRUE.equals(managed);
  }

  /** The CRI handler; for unmanaged classes only informative, defaults to the class name. */
  public String handlerOrDefault() {
    return handler == null || handler.isBlank() ? runtimeClassName : handler;
  }
}
