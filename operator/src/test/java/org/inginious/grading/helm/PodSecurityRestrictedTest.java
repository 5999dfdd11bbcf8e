package org.inginious.grading.helm;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import org.inginious.grading.testing.PodSecurityStandards;
import org.junit.jupiter.api.Test;

/**
 * The rendered operator Deployment passes every check of the Pod Security Standard "restricted"
 * profile (which includes "baseline"): see {@link PodSecurityStandards}.
 */
class PodSecurityRestrictedTest {

  private final Deployment deployment = ChartFixture.deployment(ChartFixture.render());
  private final PodSpec pod = deployment.getSpec().getTemplate().getSpec();

  @Test
  void operatorPodIsRendered() {
    assertThat(pod.getContainers()).extracting(Container::getName).contains("operator");
  }

  @Test
  void passesRestricted() {
    assertThat(PodSecurityStandards.restricted(deployment.getSpec().getTemplate())).isEmpty();
  }

  // ---------------------------------------------------------------- beyond the standard (chart
  // contract)

  @Test
  void readOnlyRootFilesystem() {
    assertThat(pod.getContainers())
        .as("chart contract: readOnlyRootFilesystem")
        .allSatisfy(
            c ->
                assertThat(c.getSecurityContext().getReadOnlyRootFilesystem())
                    .as(c.getName())
                    .isTrue());
  }

  @Test
  void runsAsTheNonRootUser65532() {
    assertThat(pod.getContainers())
        .as("chart contract: runAsUser 65532")
        .allSatisfy(
            c ->
                assertThat(
                        c.getSecurityContext().getRunAsUser() != null
                            ? c.getSecurityContext().getRunAsUser()
                            : pod.getSecurityContext().getRunAsUser())
                    .isEqualTo(65532L));
  }
}
