package org.inginious.grading.image.registry;

import java.util.Objects;
import org.inginious.grading.api.ConditionReasons;

/**
 * Resolving an image failed. The {@link Reason} becomes the condition reason on the
 * GradingEnvironment; the message names the image and the registry, never credentials.
 */
public class RegistryException extends Exception {

  public enum Reason {
    REGISTRY_UNAVAILABLE(ConditionReasons.REGISTRY_UNAVAILABLE),
    IMAGE_NOT_FOUND(ConditionReasons.IMAGE_NOT_FOUND),
    UNAUTHORIZED(ConditionReasons.REGISTRY_UNAUTHORIZED),
    INVALID_REFERENCE(ConditionReasons.INVALID_IMAGE_REFERENCE);

    private final String conditionReason;

    Reason(String conditionReason) {
      this.conditionReason = conditionReason;
    }

    public String conditionReason() {
      return conditionReason;
    }
  }

  private final Reason reason;

  public RegistryException(Reason reason, String message) {
    this(reason, message, null);
  }

  public RegistryException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  public Reason reason() {
    return reason;
  }
}
