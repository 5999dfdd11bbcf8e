package org.inginious.grading.placement.prepull;

import static org.assertj.core.api.Assertions.assertThat;
import static org.inginious.grading.placement.prepull.PrePullDaemonSetsTest.member;

import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetStatusBuilder;
import java.util.List;
import org.inginious.grading.config.PrePullConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PrePullProgressTest {
  private static final PrePullMember CPP = member("cpp");
  private static final String OLD_IMAGE = "registry.example.edu/cpp@sha256:" + "0".repeat(64);

  /** The DaemonSet of generation 2 holding CPP's image, with the status the controller wrote. */
  static DaemonSet daemonSet(
      Long observedGeneration, int desired, int scheduled, int updated, int ready) {
    DaemonSet daemonSet =
        PrePullDaemonSets.render(
            "grading",
            PlacementGroupTest.group(""),
            List.of(CPP, member("java")),
            null,
            PrePullConfig.defaults());
    daemonSet.getMetadata().setGeneration(2L);
    daemonSet.setStatus(
        new DaemonSetStatusBuilder()
            .withObservedGeneration(observedGeneration)
            .withDesiredNumberScheduled(desired)
            .withCurrentNumberScheduled(scheduled)
            .withUpdatedNumberScheduled(updated)
            .withNumberReady(ready)
            .withNumberMisscheduled(0)
            .build());
    return daemonSet;
  }

  @ParameterizedTest(name = "desired {0}, scheduled {1}, updated {2}, ready {3} -> pulled {4}")
  @CsvSource(
      textBlock =
          """
      # desired, scheduled, updated, ready, pulled, complete
      3, 3, 3, 3, 3, true
      # old pods everywhere: the new template is not out yet
      3, 3, 0, 3, 0, false
      # new pods everywhere, still pulling
      3, 3, 3, 0, 0, false
      # one node updated and Ready for sure, the counts allow no more
      3, 3, 2, 2, 1, false
      # a third node has no pod yet
      3, 2, 2, 2, 2, false
      # no node can run the group: nothing left to pull
      0, 0, 0, 0, 0, true
      """)
  void pulledIsTheLeastTheCountsAllow(
      int desired, int scheduled, int updated, int ready, int pulled, boolean complete) {
    assertThat(PrePullProgress.of(daemonSet(2L, desired, scheduled, updated, ready), CPP.image()))
        .isEqualTo(new PrePullProgress(desired, pulled, complete));
  }

  @Test
  void nothingIsPulledBeforeTheControllerHasSeenTheTemplate() {
    assertThat(PrePullProgress.of(daemonSet(1L, 3, 3, 3, 3), CPP.image()))
        .isEqualTo(new PrePullProgress(3, 0, false));
    assertThat(PrePullProgress.of(daemonSet(null, 3, 3, 3, 3), CPP.image()))
        .isEqualTo(new PrePullProgress(3, 0, false));
  }

  @Test
  void nothingIsPulledOfAnImageTheDaemonSetDoesNotHoldYet() {
    assertThat(PrePullProgress.of(daemonSet(2L, 3, 3, 3, 3), OLD_IMAGE))
        .isEqualTo(new PrePullProgress(3, 0, false));
  }

  @Test
  void noDaemonSetOrNoStatusYetIsNoProgress() {
    DaemonSet fresh = daemonSet(2L, 0, 0, 0, 0);
    fresh.setStatus(null);

    assertThat(PrePullProgress.of(null, CPP.image())).isEqualTo(PrePullProgress.NONE);
    assertThat(PrePullProgress.of(fresh, CPP.image())).isEqualTo(new PrePullProgress(0, 0, false));
  }

  @Test
  void withNoEligibleNodeNothingIsLeftToPullEvenBeforeTheControllerLooked() {
    DaemonSet unobserved = daemonSet(null, 0, 0, 0, 0);
    unobserved.setStatus(null);

    assertThat(PrePullProgress.forEnvironment(unobserved, CPP.image(), 0))
        .isEqualTo(PrePullProgress.NOTHING_TO_PULL);
    assertThat(PrePullProgress.forEnvironment(unobserved, CPP.image(), 2))
        .as("nodes to pull on, and no word from the controller yet")
        .isEqualTo(PrePullProgress.NONE);
    assertThat(PrePullProgress.forEnvironment(daemonSet(2L, 3, 3, 3, 3), CPP.image(), 3))
        .isEqualTo(new PrePullProgress(3, 3, true));
    assertThat(PrePullProgress.forEnvironment(unobserved, OLD_IMAGE, 0))
        .as("an image the DaemonSet does not hold is not pulled, nodes or not")
        .isEqualTo(PrePullProgress.NONE);
  }
}
