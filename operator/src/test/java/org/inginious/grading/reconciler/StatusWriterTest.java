package org.inginious.grading.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import org.inginious.grading.api.ConditionReasons;
import org.inginious.grading.api.GradingEnvironment;
import org.inginious.grading.placement.nodes.NodeEligibility;
import org.inginious.grading.testing.Environments;
import org.junit.jupiter.api.Test;

class StatusWriterTest {
  private static final String EARLIER = "2026-12-01T10:00:00Z";
  private static final String NOW = "2026-12-02T12:00:00Z";
  private static final NodeEligibility.Eligibility NO_NODES =
      new NodeEligibility.Eligibility(0, 0, false, "NoEligibleNodes", "no nodes in the cluster");

  /** What one reconcile of a Ready environment that no node can run sets, in that order. */
  private static void placedWithoutNodes(StatusWriter status) {
    status.placed(true, ConditionReasons.PLACED, "placed");
    status.ready(); // Stalled False ...
    status.schedulable(NO_NODES); // ... and True again
  }

  @Test
  void aConditionSetBackAndForthInOneReconcileKeepsItsTransitionTime() {
    GradingEnvironment environment = Environments.prebuilt("cpp", "img:1", "");
    placedWithoutNodes(new StatusWriter(environment, EARLIER));

    placedWithoutNodes(new StatusWriter(environment, NOW));

    assertThat(Conditions.find(environment.getStatus().conditions, Conditions.STALLED))
        .hasValueSatisfying(
            stalled -> {
              assertThat(stalled.getStatus()).isEqualTo("True");
              assertThat(stalled.getLastTransitionTime())
                  .as("a restart or any other reconcile writes nothing")
                  .isEqualTo(EARLIER);
            });
  }

  @Test
  void aConditionThatFlipsGetsTheTimeOfTheReconcile() {
    GradingEnvironment environment = Environments.prebuilt("cpp", "img:1", "");
    placedWithoutNodes(new StatusWriter(environment, EARLIER));

    StatusWriter status = new StatusWriter(environment, NOW);
    status.placed(true, ConditionReasons.PLACED, "placed");
    status.ready();
    status.schedulable(
        new NodeEligibility.Eligibility(1, 1, true, "EligibleNodes", "1 node can run it"));

    assertThat(Conditions.find(environment.getStatus().conditions, Conditions.STALLED))
        .hasValueSatisfying(
            stalled -> {
              assertThat(stalled.getStatus()).isEqualTo("False");
              assertThat(stalled.getLastTransitionTime()).isEqualTo(NOW);
            });
  }
}
