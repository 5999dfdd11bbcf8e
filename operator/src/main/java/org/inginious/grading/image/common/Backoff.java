package org.inginious.grading.image.common;

import java.time.Duration;
import java.time.Instant;

/**
 * Retry delay for transient problems (registry down, Secret not yet there) without in-memory state:
 * wait as long as the problem has lasted, between a floor and a ceiling. Successive attempts
 * therefore roughly double their spacing, and an operator restart keeps the pace, because the start
 * of the problem is the Reconciling condition's lastTransitionTime.
 *
 * <p>The reconciler paces retryable {@link ImageProblem}s with it, and {@code
 * image.layers.LayersBuilds} its retries of failed jib builds: so it lives on the image side, which
 * the reconciler may import and which may not import the reconciler.
 */
public record Backoff(Duration initial, Duration max) {
  public Duration next(Instant problemSince, Instant now) {
    Duration lasted = Duration.between(problemSince, now);
    if (lasted.compareTo(initial) < 0) {
      return initial;
    }
    return lasted.compareTo(max) > 0 ? max : lasted;
  }
}
