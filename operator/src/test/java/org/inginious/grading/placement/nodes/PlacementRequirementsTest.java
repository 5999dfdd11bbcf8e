package org.inginious.grading.placement.nodes;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.node.v1.RuntimeClass;
import io.fabric8.kubernetes.api.model.node.v1.RuntimeClassBuilder;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.inginious.grading.api.GpuSpec;
import org.inginious.grading.api.GradingSpec;
import org.inginious.grading.api.GradingToleration;
import org.inginious.grading.placement.nodes.PlacementRequirements.GpuRequirement;
import org.junit.jupiter.api.Test;

/** What a node must offer: the RuntimeClass's scheduling plus spec.grading's placement fields. */
class PlacementRequirementsTest {
  private static final Toleration GPU_TAINT =
      new TolerationBuilder()
          .withKey("nvidia.com/gpu")
          .withOperator("Exists")
          .withEffect("NoSchedule")
          .build();

  private static RuntimeClass nvidia() {
    return new RuntimeClassBuilder()
        .withNewMetadata()
        .withName("nvidia")
        .endMetadata()
        .withHandler("nvidia")
        .withNewScheduling()
        .withNodeSelector(Map.of("nvidia.com/gpu.present", "true"))
        .withTolerations(GPU_TAINT)
        .endScheduling()
        .build();
  }

  @Test
  void withoutSpecOnlyTheRuntimeClassCounts() {
    RuntimeClass runc =
        new RuntimeClassBuilder()
            .withNewMetadata()
            .withName("runc")
            .endMetadata()
            .withHandler("runc")
            .build();
    assertThat(PlacementRequirements.of(null, runc))
        .isEqualTo(
            new PlacementRequirements("runc", Map.of(), Map.of(), List.of(), Optional.empty()));
    assertThat(PlacementRequirements.of(null, nvidia()))
        .isEqualTo(
            new PlacementRequirements(
                "nvidia",
                Map.of("nvidia.com/gpu.present", "true"),
                Map.of(),
                List.of(GPU_TAINT),
                Optional.empty()));
  }

  @Test
  void addsTheSpecsSelectorTolerationsAndGpu() {
    GradingSpec grading = new GradingSpec();
    grading.nodeSelector = Map.of("disk", "ssd", "nvidia.com/gpu.present", "true");
    GradingToleration exam = new GradingToleration();
    exam.key = "dedicated";
    exam.value = "exam";
    exam.effect = "NoSchedule";
    grading.tolerations = List.of(exam);
    grading.gpu = new GpuSpec();

    PlacementRequirements requirements = PlacementRequirements.of(grading, nvidia());

    assertThat(requirements.runtimeClassName()).isEqualTo("nvidia");
    assertThat(requirements.runtimeClassNodeSelector())
        .isEqualTo(Map.of("nvidia.com/gpu.present", "true"));
    assertThat(requirements.specNodeSelector())
        .isEqualTo(Map.of("disk", "ssd", "nvidia.com/gpu.present", "true"));
    assertThat(requirements.nodeSelector())
        .containsExactly(Map.entry("disk", "ssd"), Map.entry("nvidia.com/gpu.present", "true"));
    assertThat(requirements.tolerations())
        .containsExactly(
            GPU_TAINT,
            new TolerationBuilder()
                .withKey("dedicated")
                .withValue("exam")
                .withEffect("NoSchedule")
                .build());
    assertThat(requirements.gpu()).contains(new GpuRequirement("nvidia.com/gpu", 1));
  }

  @Test
  void aMigProfileAndCount() {
    GradingSpec grading = new GradingSpec();
    grading.gpu = new GpuSpec();
    grading.gpu.resourceName = "nvidia.com/mig-1g.10gb";
    grading.gpu.count = 2;
    assertThat(PlacementRequirements.of(grading, nvidia()).gpu())
        .contains(new GpuRequirement("nvidia.com/mig-1g.10gb", 2));
  }
}
