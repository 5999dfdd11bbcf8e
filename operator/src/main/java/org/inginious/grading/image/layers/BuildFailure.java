package org.inginious.grading.image.layers;

import java.util.Objects;
import org.inginious.grading.api.ConditionReasons;

/**
 * A {@code layers} build failed. The {@link Reason} becomes the {@code Built=False} condition
 * reason on the GradingEnvironment; the message says what to fix, names images and registries and
 * never credentials.
 */
public class BuildFailure extends Exception {

  public enum Reason {
    /** The base image (or its registry repository) does not exist, or the pull was refused. */
    BASE_IMAGE_NOT_FOUND(ConditionReasons.BASE_IMAGE_NOT_FOUND),
    /** The target registry refused the push credentials (or there were none). */
    PUSH_UNAUTHORIZED(ConditionReasons.PUSH_UNAUTHORIZED),
    /** A registry did not answer, answered 5xx, or spoke plain HTTP without {@code insecure}. */
    REGISTRY_UNAVAILABLE(ConditionReasons.REGISTRY_UNAVAILABLE),
    /** The build ran longer than its timeout and was cancelled. */
    BUILD_TIMEOUT(ConditionReasons.BUILD_TIMEOUT),
    /** Anything else: an invalid reference, a full disk, a jib bug. */
    BUILD_FAILED(ConditionReasons.BUILD_FAILED);

    private final String conditionReason;

    Reason(String conditionReason) {
      this.conditionReason = conditionReason;
    }

    public String conditionReason() {
      return conditionReason;
    }
  }

  private final Reason reason;

  public BuildFailure(Reason reason, String message) {
    this(reason, message, null);
  }

  public BuildFailure(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  public Reason reason() {
    return reason;
  }

  @Override
  public String toString() {
    return "BuildFailure[" + reason.conditionReason() + "]: " + getMessage();
  }
}
