package org.inginious.grading.placement.prepull;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.node.v1.RuntimeClass;
import io.fabric8.kubernetes.api.model.node.v1.RuntimeClassBuilder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.inginious.grading.api.Formats;
import org.inginious.grading.api.GradingSpec;
import org.inginious.grading.api.Runtime;
import org.inginious.grading.config.OperatorConfig;
import org.inginious.grading.placement.ResolvedRuntime;
import org.inginious.grading.testing.Environments;
import org.junit.jupiter.api.Test;

class PlacementGroupTest {

  static GradingSpec grading(String yaml) {
    return Environments.prebuilt("env", "img:1", yaml).getSpec().grading;
  }

  static PlacementGroup group(String yaml, RuntimeClass runtimeClass) {
    GradingSpec grading = grading(yaml);
    return PlacementGroup.of(
        grading, ResolvedRuntime.resolve(grading, OperatorConfig.defaults()), runtimeClass);
  }

  static PlacementGroup group(String yaml) {
    return group(yaml, null);
  }

  static RuntimeClass runtimeClass(
      String name, Map<String, String> nodeSelector, Toleration... tolerations) {
    return new RuntimeClassBuilder()
        .withNewMetadata()
        .withName(name)
        .endMetadata()
        .withHandler(name)
        .withNewScheduling()
        .withNodeSelector(nodeSelector)
        .withTolerations(tolerations)
        .endScheduling()
        .build();
  }

  static Toleration toleration(String key, String effect) {
    return new TolerationBuilder().withKey(key).withOperator("Exists").withEffect(effect).build();
  }

  @Test
  void environmentsPlacedAlikeAreOneGroupWhateverOrderTheirSpecsUse() {
    PlacementGroup a =
        group(
            """
        nodeSelector: {disk: ssd, zone: a}
        tolerations: [{key: dedicated, operator: Exists}, {key: gpu, operator: Exists, effect: NoSchedule}]
        """);
    PlacementGroup b =
        group(
            """
        nodeSelector: {zone: a, disk: ssd}
        tolerations: [{key: gpu, operator: Exists, effect: NoSchedule}, {key: dedicated, operator: Exists},
          {key: dedicated, operator: Exists}]
        resources: {limits: {memory: 1Gi}}
        activeDeadlineSeconds: 60
        network: allowed
        """);

    assertThat(a).isEqualTo(b);
    assertThat(a.hash()).isEqualTo(b.hash());
    assertThat(a.daemonSetName()).isEqualTo(b.daemonSetName());
    assertThat(b.tolerations()).as("duplicates dropped").hasSize(2);
  }

  @Test
  void hashIsTheSameInEveryJvm() {
    Map<String, String> selector = new LinkedHashMap<>();
    selector.put("zone", "a");
    selector.put("disk", "ssd");
    PlacementGroup group =
        new PlacementGroup(
            Runtime.NVIDIA,
            "nvidia",
            selector,
            List.of(toleration("nvidia.com/gpu", "NoSchedule")),
            "nvidia.com/gpu",
            2);

    // pinned: a change here renames every pre-pull DaemonSet of existing clusters. It is the
    // SHA-256 of
    // {"gpuCount":2,"gpuResourceName":"nvidia.com/gpu","nodeSelector":{"disk":"ssd","zone":"a"},"runtime":"nvidia",
    // "runtimeClassName":"nvidia","tolerations":[{"effect":"NoSchedule","key":"nvidia.com/gpu","operator":"Exists",
    // "tolerationSeconds":null,"value":null}]} (one line), as any other tool computes it
    assertThat(group.hash()).isEqualTo("e96d7cb0");
  }

  @Test
  void whatPlacesPodsElsewhereIsAnotherGroup() {
    PlacementGroup plain = group("");

    assertThat(group("nodeSelector: {disk: ssd}").hash()).isNotEqualTo(plain.hash());
    assertThat(group("tolerations: [{key: dedicated, operator: Exists}]").hash())
        .isNotEqualTo(plain.hash());
    assertThat(group("runtime: crun").hash()).isNotEqualTo(plain.hash());
    assertThat(group("gpu: {count: 1}").hash()).isNotEqualTo(group("gpu: {count: 2}").hash());
    assertThat(group("gpu: {count: 1}").hash())
        .isNotEqualTo(group("gpu: {count: 1, resourceName: nvidia.com/mig-1g.5gb}").hash());
    assertThat(group("gpu: {count: 1}").hash())
        .as("GPU pods and GPU-less nvidia pods place differently")
        .isNotEqualTo(group("runtime: nvidia").hash());
  }

  @Test
  void runtimeClassSchedulingIsMergedIntoTheGroup() {
    RuntimeClass crun =
        runtimeClass(
            "crun",
            Map.of("grading.inginious.org/crun", "true", "zone", "a"),
            toleration("runtime", "NoSchedule"));

    PlacementGroup group =
        group(
            """
        runtime: crun
        nodeSelector: {disk: ssd, zone: a}
        tolerations: [{key: dedicated, operator: Exists}, {key: runtime, operator: Exists, effect: NoSchedule}]
        """,
            crun);

    assertThat(group.runtimeClassName()).isEqualTo("crun");
    assertThat(group.nodeSelector())
        .containsExactly(
            Map.entry("disk", "ssd"),
            Map.entry("grading.inginious.org/crun", "true"),
            Map.entry("zone", "a"));
    assertThat(group.tolerations())
        .extracting(Toleration::getKey)
        .containsExactly("dedicated", "runtime");
  }

  @Test
  void aSelectorTheRuntimeClassContradictsHasNoGroup() {
    RuntimeClass crun = runtimeClass("crun", Map.of("grading.inginious.org/crun", "true"));

    assertThatThrownBy(
            () -> group("runtime: crun\nnodeSelector: {grading.inginious.org/crun: 'false'}", crun))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("conflicts with RuntimeClass crun");
  }

  @Test
  void gpuGroupsCarryResourceAndCount() {
    PlacementGroup gpu = group("gpu: {count: 2, resourceName: nvidia.com/mig-1g.5gb}");

    assertThat(gpu.runtime()).isEqualTo(Runtime.NVIDIA);
    assertThat(gpu.hasGpus()).isTrue();
    assertThat(gpu.gpuResourceName()).isEqualTo("nvidia.com/mig-1g.5gb");
    assertThat(gpu.gpuCount()).isEqualTo(2);
    assertThat(group("runtime: nvidia").hasGpus()).isFalse();
    assertThatThrownBy(
            () -> new PlacementGroup(Runtime.NVIDIA, "nvidia", null, null, "nvidia.com/gpu", 0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void emptyFieldsOfTolerationsAreAbsentFields() {
    Toleration written =
        new TolerationBuilder()
            .withKey("dedicated")
            .withOperator("Exists")
            .withValue("")
            .withEffect("")
            .build();
    Toleration read = new TolerationBuilder().withKey("dedicated").withOperator("Exists").build();

    assertThat(new PlacementGroup(Runtime.RUNC, "runc", null, List.of(written), null, 0))
        .isEqualTo(new PlacementGroup(Runtime.RUNC, "runc", null, List.of(read), null, 0));
  }

  @Test
  void daemonSetNameIsPrefixClassAndHashWithinALabel() {
    PlacementGroup runc = group("");
    assertThat(runc.daemonSetName()).isEqualTo("prepull-runc-" + runc.hash());

    String longClass = "kata-qemu-" + "x".repeat(40) + ".example.org";
    PlacementGroup kata = new PlacementGroup(Runtime.KATA, longClass, null, null, null, 0);
    assertThat(kata.daemonSetName())
        .hasSizeLessThanOrEqualTo(63)
        .startsWith("prepull-kata-qemu-xxx")
        .endsWith("-" + kata.hash());
    assertThat(Formats.isDnsSubdomain(kata.daemonSetName())).isTrue();
    // cut right after a dot: the dot goes too
    PlacementGroup dotted =
        new PlacementGroup(Runtime.KATA, "k" + "x".repeat(44) + ".yy", null, null, null, 0);
    assertThat(dotted.daemonSetName())
        .isEqualTo("prepull-k" + "x".repeat(44) + "-" + dotted.hash());
  }
}
