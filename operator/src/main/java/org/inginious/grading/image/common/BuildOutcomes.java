package org.inginious.grading.image.common;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.inginious.grading.api.BuildStatus;
import org.inginious.grading.api.ConditionReasons;
import org.inginious.grading.api.GradingEnvironmentStatus;

/**
 * What builds report alike: a build of unchanged inputs, the status.build record, the last good
 * image.
 */
public final class BuildOutcomes {
  /** Ends the Built message of an environment left on its last good image. */
  private static final String LAST_GOOD_IMAGE = " (last good image)";

  /**
   * The condition type Built (reconciler.Conditions.BUILT: image code does not import the
   * reconciler).
   */
  private static final String BUILT_CONDITION = "Built";

  private BuildOutcomes() {}

  /** Built from exactly these inputs already (also before an operator restart): never again. */
  public static boolean alreadyBuilt(GradingEnvironmentStatus status, String hash) {
    return status != null && hash.equals(status.buildHash) && status.image != null;
  }

  /**
   * Built before from the same inputs: the Built condition keeps its message, so status is not
   * rewritten.
   */
  public static Outcome.Available unchanged(GradingEnvironmentStatus status) {
    String message =
        status.conditions.stream()
            .filter(c -> BUILT_CONDITION.equals(c.getType()) && "True".equals(c.getStatus()))
            .map(c -> c.getMessage())
            .filter(
                m ->
                    m != null
                        && m.startsWith("built " + status.image + " ")
                        && !m.endsWith(LAST_GOOD_IMAGE))
            .findFirst()
            .orElse("built " + status.image + " (inputs unchanged)");
    return new Outcome.Available(
        status.image, status.buildHash, ConditionReasons.BUILT, message, status.build);
  }

  /**
   * The image built last, kept while the base environment is not Ready; the notice says why
   * (BaseReady=False).
   */
  public static Outcome.Available lastGood(
      GradingEnvironmentStatus status, Outcome.BaseNotice notice) {
    return new Outcome.Available(
        status.image,
        status.buildHash,
        ConditionReasons.BUILT,
        "built " + status.image + LAST_GOOD_IMAGE,
        status.build,
        notice);
  }

  /** "; grading pods keep using ..." when there is an image to keep using. */
  public static String keepingLastImage(GradingEnvironmentStatus status) {
    return status != null && status.image != null
        ? "; grading pods keep using " + status.image
        : "";
  }

  /** A status.build record, times to the second. */
  public static BuildStatus buildStatus(
      String name, Instant start, Instant completion, String reason, String message) {
    BuildStatus build = new BuildStatus();
    build.name = name;
    build.startTime = start.truncatedTo(ChronoUnit.SECONDS).toString();
    build.completionTime =
        completion == null ? null : completion.truncatedTo(ChronoUnit.SECONDS).toString();
    build.reason = reason;
    build.message = message;
    return build;
  }
}
