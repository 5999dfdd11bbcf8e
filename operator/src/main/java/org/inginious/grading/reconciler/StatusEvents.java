package org.inginious.grading.reconciler;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.inginious.grading.api.ConditionReasons;
import org.inginious.grading.api.GradingEnvironmentStatus;
import org.inginious.grading.api.Phase;

/**
 * The Kubernetes Events a status change tells about, read from the status before and after: events
 * follow transitions, so a reconcile that changes nothing tells nothing.
 */
final class StatusEvents {
  static final String BUILD_STARTED = "BuildStarted";
  static final String BUILD_SUCCEEDED = "BuildSucceeded";
  static final String BUILD_FAILED = "BuildFailed";
  static final String IMAGE_UPDATED = "ImageUpdated";
  static final String RUNTIME_CLASS_MISSING = ConditionReasons.RUNTIME_CLASS_MISSING;

  /** One event: type Normal or Warning, a CamelCase reason, a one-line message. */
  record Event(boolean warning, String reason, String message) {}

  private StatusEvents() {}

  static List<Event> between(GradingEnvironmentStatus before, GradingEnvironmentStatus after) {
    GradingEnvironmentStatus was = before == null ? new GradingEnvironmentStatus() : before;
    List<Event> events = new ArrayList<>();
    if (after.phase == Phase.Building
        && after.build != null
        && (was.phase != Phase.Building
            || was.build == null
            || !Objects.equals(was.build.name, after.build.name))) {
      events.add(new Event(false, BUILD_STARTED, "build " + after.build.name + " started"));
    }
    if (after.buildHash != null && after.image != null && !after.buildHash.equals(was.buildHash)) {
      events.add(
          new Event(
              false,
              BUILD_SUCCEEDED,
              "built "
                  + after.image
                  + duration(after).map(d -> " in " + d.toSeconds() + " s").orElse("")));
    }
    String failure = failedBuildReason(after);
    if (failure != null && !failure.equals(failedBuildReason(was))) {
      events.add(
          new Event(
              true, BUILD_FAILED, failure + ": " + condition(after, Conditions.BUILT).message()));
    }
    if (was.image != null && after.image != null && !was.image.equals(after.image)) {
      events.add(
          new Event(false, IMAGE_UPDATED, "image " + was.image + " replaced by " + after.image));
    }
    if (placedReason(after).equals(RUNTIME_CLASS_MISSING)
        && !placedReason(was).equals(RUNTIME_CLASS_MISSING)) {
      events.add(
          new Event(true, RUNTIME_CLASS_MISSING, condition(after, Conditions.PLACED).message()));
    }
    return events;
  }

  /** The Built=False reason of a build that ran and ended badly, else null. */
  private static String failedBuildReason(GradingEnvironmentStatus status) {
    if (status.build == null || status.build.completionTime == null) {
      return null;
    }
    Condition built = condition(status, Conditions.BUILT);
    return "False".equals(built.status()) ? built.reason() : null;
  }

  private static String placedReason(GradingEnvironmentStatus status) {
    return Objects.requireNonNullElse(condition(status, Conditions.PLACED).reason(), "");
  }

  private record Condition(String status, String reason, String message) {}

  private static Condition condition(GradingEnvironmentStatus status, String type) {
    return Conditions.find(status.conditions, type)
        .map(c -> new Condition(c.getStatus(), c.getReason(), c.getMessage()))
        .orElse(new Condition(null, null, null));
  }

  private static Optional<Duration> duration(GradingEnvironmentStatus status) {
    if (status.build == null
        || status.build.startTime == null
        || status.build.completionTime == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(
          Duration.between(
              Instant.parse(status.build.startTime), Instant.parse(status.build.completionTime)));
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }
}
