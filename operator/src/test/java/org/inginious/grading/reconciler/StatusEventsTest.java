package org.inginious.grading.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.inginious.grading.api.BuildStatus;
import org.inginious.grading.api.ConditionReasons;
import org.inginious.grading.api.GradingEnvironmentStatus;
import org.inginious.grading.api.Phase;
import org.junit.jupiter.api.Test;

class StatusEventsTest {
  private static final String T0 = "2026-12-02T10:00:00Z";

  private static GradingEnvironmentStatus status(
      Phase phase, String buildName, String completion, String image, String hash) {
    GradingEnvironmentStatus status = new GradingEnvironmentStatus();
    status.phase = phase;
    status.image = image;
    status.buildHash = hash;
    if (buildName != null) {
      status.build = new BuildStatus();
      status.build.name = buildName;
      status.build.startTime = T0;
      status.build.completionTime = completion;
    }
    return status;
  }

  private static List<String> reasons(
      GradingEnvironmentStatus before, GradingEnvironmentStatus after) {
    return StatusEvents.between(before, after).stream().map(StatusEvents.Event::reason).toList();
  }

  @Test
  void aBuildThatStartsAndSucceedsTellsBothWithDigestAndDuration() {
    GradingEnvironmentStatus building = status(Phase.Building, "php-build-1", null, null, null);
    assertThat(reasons(null, building)).containsExactly(StatusEvents.BUILD_STARTED);
    assertThat(reasons(building, building)).as("no transition, no event").isEmpty();

    GradingEnvironmentStatus built =
        status(Phase.Ready, "php-build-1", "2026-12-02T10:00:42Z", "r/php@sha256:aa", "h1");
    List<StatusEvents.Event> events = StatusEvents.between(building, built);
    assertThat(events)
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.reason()).isEqualTo(StatusEvents.BUILD_SUCCEEDED);
              assertThat(e.warning()).isFalse();
              assertThat(e.message()).isEqualTo("built r/php@sha256:aa in 42 s");
            });
  }

  @Test
  void aNewDigestIsAnImageUpdate() {
    GradingEnvironmentStatus before = status(Phase.Ready, null, null, "r/php@sha256:aa", null);
    GradingEnvironmentStatus after = status(Phase.Ready, null, null, "r/php@sha256:bb", null);
    assertThat(StatusEvents.between(before, after))
        .singleElement()
        .satisfies(
            e ->
                assertThat(e.message())
                    .isEqualTo("image r/php@sha256:aa replaced by r/php@sha256:bb"));
  }

  @Test
  void aFailedBuildIsAWarningOncePerReason() {
    GradingEnvironmentStatus failed =
        status(Phase.Failed, "php-build-1", "2026-12-02T10:01:00Z", null, null);
    Conditions.set(
        failed.conditions,
        Conditions.BUILT,
        false,
        "OOMKilled",
        "the build ran out of memory",
        1L,
        T0);
    List<StatusEvents.Event> events =
        StatusEvents.between(status(Phase.Building, "php-build-1", null, null, null), failed);
    assertThat(events)
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.warning()).isTrue();
              assertThat(e.reason()).isEqualTo(StatusEvents.BUILD_FAILED);
              assertThat(e.message()).isEqualTo("OOMKilled: the build ran out of memory");
            });
    assertThat(reasons(failed, failed)).isEmpty();
  }

  @Test
  void aMissingRuntimeClassIsAWarningOnTransition() {
    GradingEnvironmentStatus missing = status(Phase.Pending, null, null, "r/php@sha256:aa", null);
    Conditions.set(
        missing.conditions,
        Conditions.PLACED,
        false,
        ConditionReasons.RUNTIME_CLASS_MISSING,
        "RuntimeClass kata-qemu ...",
        1L,
        T0);
    assertThat(reasons(status(Phase.Pending, null, null, "r/php@sha256:aa", null), missing))
        .containsExactly(StatusEvents.RUNTIME_CLASS_MISSING);
    assertThat(reasons(missing, missing)).isEmpty();
  }
}
