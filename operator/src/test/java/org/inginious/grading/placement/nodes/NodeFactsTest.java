package org.inginious.grading.placement.nodes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.inginious.grading.placement.nodes.TestNodes.node;
import static org.inginious.grading.placement.nodes.TestNodes.rich;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeSpec;
import io.fabric8.kubernetes.api.model.NodeStatus;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * NodeFacts holds what decides eligibility and nothing else: its equality is "something that
 * matters changed".
 */
class NodeFactsTest {

  @Test
  void readsWhatMatters() {
    NodeFacts facts = NodeFacts.of(rich("gpu-1"));
    assertThat(facts.name()).isEqualTo("gpu-1");
    assertThat(facts.labels()).containsEntry("nvidia.com/gpu.present", "true").hasSize(4);
    assertThat(facts.taints())
        .containsExactly(
            new NodeTaint("dedicated", "gpu", "NoSchedule"),
            new NodeTaint("nvidia.com/gpu", "", "NoExecute"));
    assertThat(facts.unschedulable()).isFalse();
    assertThat(facts.ready()).isTrue();
    // cpu, memory, pods, hugepages-2Mi, ephemeral-storage are not extended; 500m is no whole count
    assertThat(facts.extendedResources())
        .isEqualTo(Map.of("nvidia.com/gpu", 1L, "nvidia.com/mig-1g.10gb", 14L));
  }

  @Test
  void neverThrowsOnMissingFields() {
    NodeFacts empty = new NodeFacts("", Map.of(), List.of(), false, false, Map.of());
    assertThat(NodeFacts.of(new Node())).isEqualTo(empty);
    assertThat(
            NodeFacts.of(
                new NodeBuilder()
                    .withNewMetadata()
                    .endMetadata()
                    .withNewSpec()
                    .endSpec()
                    .withNewStatus()
                    .endStatus()
                    .build()))
        .isEqualTo(empty);

    Node nulls = new Node();
    nulls.setMetadata(new ObjectMeta());
    nulls.setSpec(new NodeSpec());
    nulls.getSpec().setTaints(Arrays.asList(null, new Taint(null, null, null, null)));
    nulls.setStatus(new NodeStatus());
    nulls
        .getStatus()
        .setConditions(Arrays.asList(null, new NodeCondition(null, null, null, null, null, null)));
    Map<String, Quantity> allocatable = new HashMap<>();
    allocatable.put("example.com/null", null);
    allocatable.put("example.com/no-amount", new Quantity());
    allocatable.put(null, new Quantity("1"));
    nulls.getStatus().setAllocatable(allocatable);
    Map<String, String> labels = new HashMap<>();
    labels.put("a", null);
    labels.put(null, "b");
    nulls.getMetadata().setLabels(labels);

    assertThat(NodeFacts.of(nulls))
        .isEqualTo(
            new NodeFacts(
                "", Map.of(), List.of(new NodeTaint("", "", "")), false, false, Map.of()));
    assertThat(NodeFacts.of(null)).isEqualTo(empty);
  }

  static Stream<Arguments> quantities() {
    return Stream.of(
        Arguments.of("2", 2L),
        Arguments.of("0", 0L),
        Arguments.of("1k", 1000L),
        Arguments.of("2000m", 2L),
        Arguments.of("1e3", 1000L),
        Arguments.of("500m", null),
        Arguments.of("2.5", null),
        Arguments.of("-1", null),
        Arguments.of("99999999999999999999", null),
        Arguments.of("lots", null));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @MethodSource("quantities")
  void countsExtendedResourcesInWholeUnitsOnly(String amount, Long expected) {
    NodeFacts facts = node("n").allocatable("nvidia.com/gpu", amount).facts();
    if (expected == null) {
      assertThat(facts.extendedResources()).doesNotContainKey("nvidia.com/gpu");
    } else {
      assertThat(facts.extendedResources()).containsEntry("nvidia.com/gpu", expected);
    }
  }

  static Stream<Arguments> heartbeats() {
    return Stream.of(
        change(
            "lastHeartbeatTime of every condition",
            n -> {
              n.getStatus()
                  .getConditions()
                  .forEach(c -> c.setLastHeartbeatTime("2024-01-01T00:00:10Z"));
              return n;
            }),
        change(
            "resourceVersion",
            n -> {
              n.getMetadata().setResourceVersion("123457");
              return n;
            }),
        change(
            "images",
            n -> {
              n.getStatus().getImages().remove(0);
              return n;
            }),
        change(
            "another condition",
            n -> {
              n.getStatus().getConditions().stream()
                  .filter(c -> c.getType().equals("DiskPressure"))
                  .forEach(c -> c.setStatus("True"));
              return n;
            }),
        change(
            "a message of the Ready condition",
            n -> {
              n.getStatus().getConditions().stream()
                  .filter(c -> c.getType().equals("Ready"))
                  .forEach(c -> c.setMessage("still ready"));
              return n;
            }),
        change(
            "cpu and memory allocatable",
            n -> {
              n.getStatus().getAllocatable().put("cpu", new Quantity("63"));
              n.getStatus().getAllocatable().put("memory", new Quantity("500Gi"));
              return n;
            }),
        change(
            "annotations and managedFields",
            n -> {
              n.getMetadata().getAnnotations().put("node.alpha.kubernetes.io/ttl", "15");
              n.getMetadata().getManagedFields().clear();
              return n;
            }),
        change(
            "the order of taints and a taint's timeAdded",
            n -> {
              List<Taint> taints = new ArrayList<>(n.getSpec().getTaints());
              Collections.reverse(taints);
              taints.forEach(t -> t.setTimeAdded(null));
              n.getSpec().setTaints(taints);
              return n;
            }),
        change(
            "2 written as 2000m",
            n -> {
              n.getStatus().getAllocatable().put("nvidia.com/mig-1g.10gb", new Quantity("14000m"));
              return n;
            }));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("heartbeats")
  void aHeartbeatGivesEqualFacts(String change, UnaryOperator<Node> heartbeat) {
    assertThat(NodeFacts.of(heartbeat.apply(rich("gpu-1")))).isEqualTo(NodeFacts.of(rich("gpu-1")));
  }

  static Stream<Arguments> changesThatMatter() {
    return Stream.of(
        change(
            "a label added",
            n -> {
              n.getMetadata().getLabels().put("disk", "ssd");
              return n;
            }),
        change(
            "a label's value",
            n -> {
              n.getMetadata().getLabels().put("nvidia.com/mig.config", "all-3g.40gb");
              return n;
            }),
        change(
            "a taint added",
            n -> {
              n.getSpec()
                  .getTaints()
                  .add(
                      new TaintBuilder()
                          .withKey("exam")
                          .withValue("final")
                          .withEffect("NoSchedule")
                          .build());
              return n;
            }),
        change(
            "a taint's effect",
            n -> {
              n.getSpec().getTaints().get(0).setEffect("PreferNoSchedule");
              return n;
            }),
        change(
            "a taint removed",
            n -> {
              n.getSpec().getTaints().remove(1);
              return n;
            }),
        change(
            "cordoned",
            n -> {
              n.getSpec().setUnschedulable(true);
              return n;
            }),
        change(
            "GPUs allocatable",
            n -> {
              n.getStatus().getAllocatable().put("nvidia.com/gpu", new Quantity("0"));
              return n;
            }),
        change(
            "a MIG profile appears",
            n -> {
              n.getStatus().getAllocatable().put("nvidia.com/mig-3g.40gb", new Quantity("2"));
              return n;
            }),
        change(
            "Ready becomes False",
            n -> {
              n.getStatus().getConditions().stream()
                  .filter(c -> c.getType().equals("Ready"))
                  .forEach(c -> c.setStatus("False"));
              return n;
            }),
        change(
            "Ready becomes Unknown",
            n -> {
              n.getStatus().getConditions().stream()
                  .filter(c -> c.getType().equals("Ready"))
                  .forEach(c -> c.setStatus("Unknown"));
              return n;
            }));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("changesThatMatter")
  void aChangeThatMattersGivesDifferentFacts(String change, UnaryOperator<Node> edit) {
    assertThat(NodeFacts.of(edit.apply(rich("gpu-1")))).isNotEqualTo(NodeFacts.of(rich("gpu-1")));
  }

  private static Arguments change(String description, UnaryOperator<Node> edit) {
    return Arguments.of(description, edit);
  }
}
