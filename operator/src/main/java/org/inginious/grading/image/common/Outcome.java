package org.inginious.grading.image.common;

import java.time.Duration;
import org.inginious.grading.api.BuildStatus;
import org.inginious.grading.api.Phase;

/**
 * What obtaining an environment's image gave, for the reconciler to record; problems are thrown as
 * {@link ImageProblem} instead.
 */
public sealed interface Outcome permits Outcome.Available, Outcome.Waiting, Outcome.BuildFailed {

  /**
   * Why an environment is not rebuilt on its base environment's newest image (condition
   * BaseReady=False).
   */
  record BaseNotice(String reason, String message) {}

  /**
   * An image by digest; buildHash null for prebuilt images.
   *
   * @param baseNotice set when the image is the last good one because the base environment is not
   *     Ready
   */
  record Available(
      String image,
      String buildHash,
      String reason,
      String message,
      BuildStatus build,
      BaseNotice baseNotice)
      implements Outcome {
    public Available(
        String image, String buildHash, String reason, String message, BuildStatus build) {
      this(image, buildHash, reason, message, build, null);
    }
  }

  /** Nothing to place yet: waiting for a base environment or a running build (an event follows). */
  record Waiting(Phase phase, String reason, String message, BuildStatus build)
      implements Outcome {}

  /**
   * The build failed; it is tried again after {@code retryAfter}, or, when that is null, once
   * something changes (the spec, a watched object, the failed Job deleted).
   */
  record BuildFailed(String reason, String message, BuildStatus build, Duration retryAfter)
      implements Outcome {}
}
