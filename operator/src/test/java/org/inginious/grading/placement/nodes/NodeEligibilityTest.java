package org.inginious.grading.placement.nodes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.inginious.grading.api.ConditionReasons.ELIGIBLE_NODES;
import static org.inginious.grading.api.ConditionReasons.NO_ELIGIBLE_NODES;
import static org.inginious.grading.api.ConditionReasons.NO_READY_NODES;
import static org.inginious.grading.placement.nodes.TestNodes.node;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.node.v1.RuntimeClass;
import io.fabric8.kubernetes.api.model.node.v1.RuntimeClassBuilder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.inginious.grading.api.GpuSpec;
import org.inginious.grading.api.GradingSpec;
import org.inginious.grading.api.GradingToleration;
import org.inginious.grading.placement.nodes.NodeEligibility.Eligibility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Which nodes can run an environment's grading pods, by the scheduler's rules, and what a user is
 * told.
 */
class NodeEligibilityTest {
  private static final String KATA_LABEL = "katacontainers.io/kata-runtime";
  private static final String GPU_LABEL = "nvidia.com/gpu.present";

  private static final RuntimeClass RUNC =
      new RuntimeClassBuilder()
          .withNewMetadata()
          .withName("runc")
          .endMetadata()
          .withHandler("runc")
          .build();
  private static final RuntimeClass RUNC_ON_LABELLED_NODES =
      new RuntimeClassBuilder()
          .withNewMetadata()
          .withName("runc")
          .endMetadata()
          .withHandler("runc")
          .withNewScheduling()
          .withNodeSelector(Map.of("example.com/runc", "true"))
          .endScheduling()
          .build();
  private static final RuntimeClass KATA =
      new RuntimeClassBuilder()
          .withNewMetadata()
          .withName("kata-qemu")
          .endMetadata()
          .withHandler("kata-qemu")
          .withNewScheduling()
          .withNodeSelector(Map.of(KATA_LABEL, "true"))
          .endScheduling()
          .build();

  /** As the GPU operator's: on GPU nodes, whose nvidia.com/gpu taint it tolerates. */
  private static final RuntimeClass NVIDIA =
      new RuntimeClassBuilder()
          .withNewMetadata()
          .withName("nvidia")
          .endMetadata()
          .withHandler("nvidia")
          .withNewScheduling()
          .withNodeSelector(Map.of(GPU_LABEL, "true"))
          .withTolerations(
              new TolerationBuilder()
                  .withKey("nvidia.com/gpu")
                  .withOperator("Exists")
                  .withEffect("NoSchedule")
                  .build())
          .endScheduling()
          .build();

  private static final RuntimeClass NVIDIA_ANYWHERE =
      new RuntimeClassBuilder()
          .withNewMetadata()
          .withName("nvidia")
          .endMetadata()
          .withHandler("nvidia")
          .build();

  static Stream<Arguments> cases() {
    List<Arguments> cases = new ArrayList<>();

    // node selectors
    cases.add(
        Arguments.of(
            "spec.grading.nodeSelector matches one node",
            requirements(RUNC, selector("disk", "ssd")),
            List.of(
                node("node-a").label("disk", "ssd"),
                node("node-b").label("disk", "hdd"),
                node("node-c")),
            1,
            1,
            ELIGIBLE_NODES,
            "1 node can run it, 1 Ready"));
    cases.add(
        Arguments.of(
            "spec.grading.nodeSelector matches no node",
            requirements(RUNC, selector("disk", "ssd")),
            List.of(node("node-a").label("disk", "hdd"), node("node-b")),
            0,
            0,
            NO_ELIGIBLE_NODES,
            "no node matches spec.grading.nodeSelector {disk=ssd} among the 2 nodes"));
    cases.add(
        Arguments.of(
            "spec.grading.nodeSelector matches no node of the RuntimeClass",
            requirements(RUNC_ON_LABELLED_NODES, selector("disk", "ssd")),
            List.of(
                node("node-a").label("example.com/runc", "true").label("disk", "hdd"),
                node("node-b").label("example.com/runc", "true"),
                node("node-c").label("disk", "ssd")),
            0,
            0,
            NO_ELIGIBLE_NODES,
            "no node matches spec.grading.nodeSelector {disk=ssd} among the 2 nodes of the runc RuntimeClass"));
    cases.add(
        Arguments.of(
            "a label with another value",
            requirements(RUNC, selector("zone", "a")),
            List.of(node("node-a").label("zone", "b")),
            0,
            0,
            NO_ELIGIBLE_NODES,
            "no node matches spec.grading.nodeSelector {zone=a} among the 1 node"));
    cases.add(
        Arguments.of(
            "the RuntimeClass's nodeSelector matches no node",
            requirements(KATA, spec -> {}),
            IntStream.rangeClosed(1, 5).mapToObj(i -> node("node-" + i)).toList(),
            0,
            0,
            NO_ELIGIBLE_NODES,
            "no node has the labels of the kata-qemu RuntimeClass (katacontainers.io/kata-runtime=true); 0 of 5 nodes match"));
    cases.add(
        Arguments.of(
            "the RuntimeClass's nodeSelector and the only node",
            requirements(KATA, spec -> {}),
            List.of(node("node-a").label(KATA_LABEL, "false")),
            0,
            0,
            NO_ELIGIBLE_NODES,
            "no node has the labels of the kata-qemu RuntimeClass (katacontainers.io/kata-runtime=true); the only node does not match"));
    cases.add(
        Arguments.of(
            "the RuntimeClass's nodeSelector matches some nodes",
            requirements(KATA, spec -> {}),
            List.of(
                node("kata-1").label(KATA_LABEL, "true"),
                node("kata-2").label(KATA_LABEL, "true"),
                node("plain")),
            2,
            2,
            ELIGIBLE_NODES,
            "2 nodes can run it, 2 Ready"));

    // taints and tolerations
    cases.add(
        Arguments.of(
            "Equal with the taint's value",
            requirements(RUNC, tolerate("dedicated", "Equal", "exam", "NoSchedule")),
            List.of(node("node-a").taint("dedicated", "exam", "NoSchedule")),
            1,
            1,
            ELIGIBLE_NODES,
            "1 node can run it, 1 Ready"));
    cases.add(
        Arguments.of(
            "Equal with another value",
            requirements(RUNC, tolerate("dedicated", "Equal", "lab", "NoSchedule")),
            List.of(node("node-gpu-1").taint("dedicated", "exam", "NoSchedule")),
            0,
            0,
            NO_ELIGIBLE_NODES,
            "every node is tainted: node-gpu-1 has dedicated=exam:NoSchedule, which spec.grading.tolerations does not tolerate"));
    cases.add(
        Arguments.of(
            "no operator is Equal",
            requirements(RUNC, tolerate("dedicated", null, "exam", null)),
            List.of(node("node-a").taint("dedicated", "exam", "NoExecute")),
            1,
            1,
            ELIGIBLE_NODES,
            "1 node can run it, 1 Ready"));
    cases.add(
        Arguments.of(
            "Exists ignores the value",
            requirements(RUNC, tolerate("dedicated", "Exists", null, "NoSchedule")),
            List.of(
                node("node-a").taint("dedicated", "exam", "NoSchedule"),
                node("node-b").taint("dedicated", null, "NoSchedule")),
            2,
            2,
            ELIGIBLE_NODES,
            "2 nodes can run it, 2 Ready"));
    cases.add(
        Arguments.of(
            "an empty key with Exists tolerates every taint",
            requirements(RUNC, tolerate(null, "Exists", null, null)),
            List.of(node("node-a").taint("a", null, "NoSchedule").taint("b", "c", "NoExecute")),
            1,
            1,
            ELIGIBLE_NODES,
            "1 node can run it, 1 Ready"));
    cases.add(
        Arguments.of(
            "the effect must match",
            requirements(
                RUNC,
                selector("disk", "ssd")
                    .andThen(tolerate("dedicated", "Exists", null, "NoExecute"))),
            List.of(node("node-a").label("disk", "ssd").taint("dedicated", "exam", "NoSchedule")),
            0,
            0,
            NO_ELIGIBLE_NODES,
            "every node that matches is tainted: node-a has dedicated=exam:NoSchedule, which spec.grading.tolerations does not tolerate"));
    cases.add(
        Arguments.of(
            "an empty effect matches every effect",
            requirements(RUNC, tolerate("dedicated", "Exists", null, null)),
            List.of(
                node("node-a")
                    .taint("dedicated", "exam", "NoSchedule")
                    .taint("dedicated", "exam", "NoExecute")),
            1,
            1,
            ELIGIBLE_NODES,
            "1 node can run it, 1 Ready"));
    cases.add(
        Arguments.of(
            "PreferNoSchedule needs no toleration",
            requirements(RUNC, spec -> {}),
            List.of(node("node-a").taint("spot", null, "PreferNoSchedule")),
            1,
            1,
            ELIGIBLE_NODES,
            "1 node can run it, 1 Ready"));
    cases.add(
        Arguments.of(
            "NoExecute needs one",
            requirements(RUNC, spec -> {}),
            List.of(node("node-a").taint("maintenance", null, "NoExecute")),
            0,
            0,
            NO_ELIGIBLE_NODES,
            "every node is tainted: node-a has maintenance:NoExecute, which spec.grading.tolerations does not tolerate"));
    cases.add(
        Arguments.of(
            "the RuntimeClass's tolerations count",
            requirements(NVIDIA, spec -> {}),
            List.of(
                node("gpu-1").label(GPU_LABEL, "true").taint("nvidia.com/gpu", null, "NoSchedule")),
            1,
            1,
            ELIGIBLE_NODES,
            "1 node can run it, 1 Ready"));
    cases.add(
        Arguments.of(
            "nodes grouped by the taints they are not tolerated for",
            requirements(RUNC, selector("pool", "exam")),
            List.of(
                node("node-a").label("pool", "exam").taint("dedicated", "exam", "NoSchedule"),
                node("node-b").label("pool", "exam").taint("dedicated", "exam", "NoSchedule"),
                node("node-c").label("pool", "exam").taint("maintenance", null, "NoExecute"),
                node("node-d")
                    .label("pool", "exam")
                    .taint("maintenance", null, "NoExecute")
                    .taint("dedicated", "exam", "NoSchedule")
                    .taint("spot", null, "PreferNoSchedule"),
                node("node-e").label("pool", "exam").taint("zone", "b", "NoSchedule"),
                node("node-f").label("pool", "exam").cordoned(),
                node("node-g").taint("other", null, "NoSchedule")),
            0,
            0,
            NO_ELIGIBLE_NODES,
            "every uncordoned node that matches is tainted: node-a, node-b have dedicated=exam:NoSchedule;"
                + " node-d has dedicated=exam:NoSchedule and maintenance:NoExecute; node-c has maintenance:NoExecute;"
                + " 1 node has other taints; spec.grading.tolerations tolerates none of them"));

    // readiness: the lifecycle controller's taints do not make a node ineligible
    cases.add(
        Arguments.of(
            "a NotReady node is eligible, not Ready",
            requirements(RUNC, spec -> {}),
            List.of(node("node-a").notReady()),
            1,
            0,
            NO_READY_NODES,
            "1 node can run it but none is Ready: node-a"));
    cases.add(
        Arguments.of(
            "an unreachable node and a Ready one",
            requirements(RUNC, spec -> {}),
            List.of(node("node-a").unreachable(), node("node-b")),
            2,
            1,
            ELIGIBLE_NODES,
            "2 nodes can run it, 1 Ready"));
    cases.add(
        Arguments.of(
            "Ready False before the taints come",
            requirements(RUNC, spec -> {}),
            List.of(node("node-a").readyStatus("False")),
            1,
            0,
            NO_READY_NODES,
            "1 node can run it but none is Ready: node-a"));
    cases.add(
        Arguments.of(
            "only an ineligible node is Ready",
            requirements(KATA, spec -> {}),
            List.of(node("kata-1").label(KATA_LABEL, "true").notReady(), node("plain")),
            1,
            0,
            NO_READY_NODES,
            "1 node can run it but none is Ready: kata-1"));
    cases.add(
        Arguments.of(
            "NotReady nodes listed up to 5",
            requirements(RUNC, spec -> {}),
            IntStream.rangeClosed(1, 7).mapToObj(i -> node("node-" + i).notReady()).toList(),
            7,
            0,
            NO_READY_NODES,
            "7 nodes can run it but none is Ready: node-1, node-2, node-3, node-4, node-5 and 2 more"));

    // cordoned nodes
    cases.add(
        Arguments.of(
            "every node cordoned",
            requirements(RUNC, spec -> {}),
            List.of(node("node-b").cordoned(), node("node-a").cordoned()),
            0,
            0,
            NO_ELIGIBLE_NODES,
            "every node is cordoned (spec.unschedulable): node-a, node-b"));
    cases.add(
        Arguments.of(
            "every matching node cordoned",
            requirements(KATA, spec -> {}),
            List.of(node("kata-1").label(KATA_LABEL, "true").cordoned(), node("plain")),
            0,
            0,
            NO_ELIGIBLE_NODES,
            "every node that matches is cordoned (spec.unschedulable): kata-1"));
    cases.add(
        Arguments.of(
            "a cordoned node and a schedulable one",
            requirements(RUNC, spec -> {}),
            List.of(node("node-a").cordoned(), node("node-b")),
            1,
            1,
            ELIGIBLE_NODES,
            "1 node can run it, 1 Ready"));
    cases.add(
        Arguments.of(
            "unschedulable without the taint yet",
            requirements(RUNC, spec -> {}),
            List.of(
                node("node-a").notReady().build().toBuilder()
                    .editSpec()
                    .withUnschedulable(true)
                    .endSpec()
                    .build()),
            0,
            0,
            NO_ELIGIBLE_NODES,
            "every node is cordoned (spec.unschedulable): node-a"));
    cases.add(
        Arguments.of(
            "tolerating the cordon taint",
            requirements(
                RUNC, tolerate("node.kubernetes.io/unschedulable", "Exists", null, "NoSchedule")),
            List.of(node("node-a").cordoned()),
            1,
            1,
            ELIGIBLE_NODES,
            "1 node can run it, 1 Ready"));

    // GPUs and MIG slices
    cases.add(
        Arguments.of(
            "as many GPUs as requested",
            requirements(NVIDIA, gpu("nvidia.com/gpu", 2)),
            List.of(
                node("gpu-1").label(GPU_LABEL, "true").allocatable("nvidia.com/gpu", "2"),
                node("gpu-2").label(GPU_LABEL, "true").allocatable("nvidia.com/gpu", "8")),
            2,
            2,
            ELIGIBLE_NODES,
            "2 nodes can run it, 2 Ready"));
    cases.add(
        Arguments.of(
            "fewer GPUs than requested",
            requirements(NVIDIA, gpu("nvidia.com/gpu", 2)),
            List.of(node("gpu-1").label(GPU_LABEL, "true").allocatable("nvidia.com/gpu", "1")),
            0,
            0,
            NO_ELIGIBLE_NODES,
            "no node has nvidia.com/gpu >= 2 (1 node matches the nvidia RuntimeClass: 1 has only 1 nvidia.com/gpu)"));
    cases.add(
        Arguments.of(
            "no GPU",
            requirements(NVIDIA, gpu(null, null)),
            List.of(node("gpu-1").label(GPU_LABEL, "true").allocatable("nvidia.com/gpu", "0")),
            0,
            0,
            NO_ELIGIBLE_NODES,
            "no node has nvidia.com/gpu >= 1 (1 node matches the nvidia RuntimeClass: 1 has none)"));
    cases.add(
        Arguments.of(
            "a GPU count that is no whole number",
            requirements(NVIDIA, gpu(null, null)),
            List.of(node("gpu-1").label(GPU_LABEL, "true").allocatable("nvidia.com/gpu", "500m")),
            0,
            0,
            NO_ELIGIBLE_NODES,
            "no node has nvidia.com/gpu >= 1 (1 node matches the nvidia RuntimeClass: 1 has none)"));
    cases.add(
        Arguments.of(
            "the issue's MIG example",
            requirements(NVIDIA, gpu("nvidia.com/mig-1g.10gb", 2)),
            List.of(
                node("gpu-1").label(GPU_LABEL, "true").allocatable("nvidia.com/gpu", "8"),
                node("gpu-2")
                    .label(GPU_LABEL, "true")
                    .allocatable("nvidia.com/gpu", "4")
                    .taint("nvidia.com/gpu", null, "NoSchedule"),
                node("mig-1").label(GPU_LABEL, "true").allocatable("nvidia.com/mig-3g.20gb", "2"),
                node("unlabelled").allocatable("nvidia.com/mig-1g.10gb", "7")),
            0,
            0,
            NO_ELIGIBLE_NODES,
            "no node has nvidia.com/mig-1g.10gb >= 2 (3 nodes match the nvidia RuntimeClass: 2 have nvidia.com/gpu, 1 has nvidia.com/mig-3g.20gb)"));
    cases.add(
        Arguments.of(
            "enough of a MIG profile",
            requirements(NVIDIA, gpu("nvidia.com/mig-1g.10gb", 2)),
            List.of(
                node("gpu-1").label(GPU_LABEL, "true").allocatable("nvidia.com/gpu", "8"),
                node("mig-1")
                    .label(GPU_LABEL, "true")
                    .allocatable("nvidia.com/mig-1g.10gb", "7")
                    .notReady()),
            1,
            0,
            NO_READY_NODES,
            "1 node can run it but none is Ready: mig-1"));
    cases.add(
        Arguments.of(
            "GPUs without node selectors, a GPU node cordoned",
            requirements(NVIDIA_ANYWHERE, gpu(null, null)),
            List.of(
                node("gpu-1").allocatable("nvidia.com/gpu", "4").cordoned(),
                node("mig-1").allocatable("nvidia.com/mig-1g.10gb", "7"),
                node("cpu-1")),
            0,
            0,
            NO_ELIGIBLE_NODES,
            "no node has nvidia.com/gpu >= 1 (2 schedulable nodes: 1 has none, 1 has nvidia.com/mig-1g.10gb)"));
    cases.add(
        Arguments.of(
            "GPUs without node selectors",
            requirements(NVIDIA_ANYWHERE, gpu(null, 3)),
            List.of(node("cpu-1"), node("cpu-2"), node("cpu-3")),
            0,
            0,
            NO_ELIGIBLE_NODES,
            "no node has nvidia.com/gpu >= 3 (3 nodes: 3 have none)"));
    cases.add(
        Arguments.of(
            "GPUs of another vendor are not listed",
            requirements(NVIDIA, selector("disk", "ssd").andThen(gpu(null, null))),
            List.of(
                node("amd-1")
                    .label(GPU_LABEL, "true")
                    .label("disk", "ssd")
                    .allocatable("amd.com/gpu", "2"),
                node("gpu-1")
                    .label(GPU_LABEL, "true")
                    .label("disk", "ssd")
                    .allocatable("nvidia.com/gpu", "0")),
            0,
            0,
            NO_ELIGIBLE_NODES,
            "no node has nvidia.com/gpu >= 1 (2 nodes match the nvidia RuntimeClass and spec.grading.nodeSelector: 2 have none)"));
    cases.add(
        Arguments.of(
            "GPU kinds listed up to 4",
            requirements(NVIDIA, gpu("nvidia.com/mig-1g.10gb", 1)),
            numbered(
                List.of(
                    "gpu",
                    "gpu",
                    "mig-1g.5gb",
                    "mig-2g.10gb",
                    "mig-3g.20gb",
                    "mig-4g.20gb",
                    "mig-7g.40gb"),
                (name, kind) ->
                    node(name).label(GPU_LABEL, "true").allocatable("nvidia.com/" + kind, "1")),
            0,
            0,
            NO_ELIGIBLE_NODES,
            "no node has nvidia.com/mig-1g.10gb >= 1 (7 nodes match the nvidia RuntimeClass: 2 have nvidia.com/gpu,"
                + " 1 has nvidia.com/mig-1g.5gb, 1 has nvidia.com/mig-2g.10gb, 1 has nvidia.com/mig-3g.20gb, 2 have others)"));
    cases.add(
        Arguments.of(
            "a node with a GPU and MIG slices",
            requirements(NVIDIA, gpu("nvidia.com/mig-1g.10gb", 3)),
            List.of(
                node("mixed")
                    .label(GPU_LABEL, "true")
                    .allocatable("nvidia.com/gpu", "1")
                    .allocatable("nvidia.com/mig-1g.10gb", "2")
                    .allocatable("nvidia.com/mig-2g.20gb", "1")),
            0,
            0,
            NO_ELIGIBLE_NODES,
            "no node has nvidia.com/mig-1g.10gb >= 3 (1 node matches the nvidia RuntimeClass:"
                + " 1 has nvidia.com/gpu and only 2 nvidia.com/mig-1g.10gb and nvidia.com/mig-2g.20gb)"));

    cases.add(
        Arguments.of(
            "no nodes",
            requirements(RUNC, spec -> {}),
            List.of(),
            0,
            0,
            NO_ELIGIBLE_NODES,
            "no nodes in the cluster"));
    return cases.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void evaluates(
      String description,
      PlacementRequirements requirements,
      List<?> nodes,
      int eligible,
      int ready,
      String reason,
      String message) {
    List<NodeFacts> facts = facts(nodes);
    Eligibility expected = new Eligibility(eligible, ready, ready > 0, reason, message);

    assertThat(NodeEligibility.evaluate(requirements, facts)).isEqualTo(expected);
    assertThat(facts.stream().filter(node -> NodeEligibility.eligibleOn(requirements, node)))
        .hasSize(eligible);
    // the API server sends nodes in any order
    List<NodeFacts> shuffled = new ArrayList<>(facts);
    Collections.shuffle(shuffled, new Random(description.hashCode()));
    assertThat(NodeEligibility.evaluate(requirements, shuffled)).isEqualTo(expected);
  }

  @Test
  void messagesStayShortWithThousandsOfNodes() {
    List<NodeFacts> tainted =
        IntStream.range(0, 1000)
            .mapToObj(
                i -> node("node-" + i).taint("team-" + i, "x".repeat(60), "NoSchedule").facts())
            .toList();
    List<NodeFacts> cordoned =
        IntStream.range(0, 1000).mapToObj(i -> node("node-" + i).cordoned().facts()).toList();
    List<NodeFacts> notReady =
        IntStream.range(0, 1000).mapToObj(i -> node("node-" + i).notReady().facts()).toList();
    List<NodeFacts> migs =
        IntStream.range(0, 1000)
            .mapToObj(
                i -> node("node-" + i).allocatable("nvidia.com/mig-" + i + "g.10gb", "1").facts())
            .toList();

    PlacementRequirements runc = requirements(RUNC, spec -> {});
    assertThat(NodeEligibility.evaluate(runc, tainted).message())
        .hasSizeLessThan(500)
        .endsWith(
            ":NoSchedule; 997 nodes have other taints; spec.grading.tolerations tolerates none of them");
    assertThat(NodeEligibility.evaluate(runc, cordoned).message())
        .isEqualTo(
            "every node is cordoned (spec.unschedulable): node-0, node-1, node-10, node-100, node-101 and 995 more");
    assertThat(NodeEligibility.evaluate(runc, notReady).message())
        .isEqualTo(
            "1000 nodes can run it but none is Ready: node-0, node-1, node-10, node-100, node-101 and 995 more");
    assertThat(
            NodeEligibility.evaluate(requirements(NVIDIA_ANYWHERE, gpu(null, null)), migs)
                .message())
        .hasSizeLessThan(500)
        .endsWith(", 996 have others)");
  }

  @Test
  void verdictChangesWhenEligibilityOrReadinessOfAnEligibleNodeChanges() {
    PlacementRequirements kata = requirements(KATA, spec -> {});
    NodeFacts eligible = node("kata-1").label(KATA_LABEL, "true").facts();
    NodeFacts eligibleNotReady = node("kata-1").label(KATA_LABEL, "true").notReady().facts();
    NodeFacts ineligible = node("plain").facts();
    NodeFacts ineligibleNotReady = node("plain").notReady().facts();

    assertThat(NodeEligibility.verdictChanged(kata, eligible, eligible)).isFalse();
    assertThat(NodeEligibility.verdictChanged(kata, eligible, eligibleNotReady)).isTrue();
    assertThat(NodeEligibility.verdictChanged(kata, eligibleNotReady, eligible)).isTrue();
    assertThat(NodeEligibility.verdictChanged(kata, ineligible, ineligibleNotReady)).isFalse();
    assertThat(NodeEligibility.verdictChanged(kata, null, eligible)).isTrue();
    assertThat(NodeEligibility.verdictChanged(kata, eligibleNotReady, null)).isTrue();
    assertThat(NodeEligibility.verdictChanged(kata, null, ineligible)).isFalse();
    assertThat(NodeEligibility.verdictChanged(kata, ineligible, null)).isFalse();
    assertThat(
            NodeEligibility.verdictChanged(
                kata, eligible, node("kata-1").label(KATA_LABEL, "true").cordoned().facts()))
        .isTrue();
    assertThat(
            NodeEligibility.verdictChanged(
                kata, ineligible, node("plain").label(KATA_LABEL, "true").facts()))
        .isTrue();
  }

  /** node-1 made of the first kind, node-2 of the second... */
  private static List<TestNodes> numbered(
      List<String> kinds, BiFunction<String, String, TestNodes> node) {
    return IntStream.range(0, kinds.size())
        .mapToObj(i -> node.apply("node-" + (i + 1), kinds.get(i)))
        .toList();
  }

  private static List<NodeFacts> facts(List<?> nodes) {
    return nodes.stream()
        .map(node -> node instanceof TestNodes test ? test.facts() : NodeFacts.of((Node) node))
        .toList();
  }

  private static PlacementRequirements requirements(
      RuntimeClass runtimeClass, Consumer<GradingSpec> spec) {
    GradingSpec grading = new GradingSpec();
    spec.accept(grading);
    return PlacementRequirements.of(grading, runtimeClass);
  }

  private static Consumer<GradingSpec> selector(String key, String value) {
    return grading -> grading.nodeSelector = Map.of(key, value);
  }

  private static Consumer<GradingSpec> tolerate(
      String key, String operator, String value, String effect) {
    GradingToleration toleration = new GradingToleration();
    toleration.key = key;
    toleration.operator = operator;
    toleration.value = value;
    toleration.effect = effect;
    return grading -> grading.tolerations = List.of(toleration);
  }

  private static Consumer<GradingSpec> gpu(String resourceName, Integer count) {
    GpuSpec gpu = new GpuSpec();
    gpu.resourceName = resourceName;
    gpu.count = count;
    return grading -> grading.gpu = gpu;
  }
}
