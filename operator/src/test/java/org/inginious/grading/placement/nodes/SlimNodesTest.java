package org.inginious.grading.placement.nodes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.inginious.grading.placement.nodes.TestNodes.node;
import static org.inginious.grading.placement.nodes.TestNodes.rich;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** A slim Node keeps exactly what NodeFacts reads, and is a fraction of a kubelet's Node. */
class SlimNodesTest {

  static Stream<Node> nodes() {
    Node cordonedNotReady = rich("gpu-2");
    cordonedNotReady.getSpec().setUnschedulable(true);
    cordonedNotReady
        .getStatus()
        .getConditions()
        .forEach(c -> c.setStatus(c.getType().equals("Ready") ? "False" : "True"));
    Node withoutReady = rich("gpu-3");
    withoutReady.getStatus().getConditions().removeIf(c -> c.getType().equals("Ready"));
    withoutReady.getStatus().getAllocatable().put("amd.com/gpu", new Quantity("2"));
    return Stream.of(
        rich("gpu-1"),
        cordonedNotReady,
        withoutReady,
        node("plain").build(),
        node("mig")
            .label("nvidia.com/mig.strategy", "mixed")
            .allocatable("nvidia.com/mig-3g.20gb", "2")
            .notReady()
            .build(),
        new Node());
  }

  @ParameterizedTest
  @MethodSource("nodes")
  void keepsTheFacts(Node node) {
    assertThat(NodeFacts.of(SlimNodes.slim(node))).isEqualTo(NodeFacts.of(node));
  }

  @ParameterizedTest
  @MethodSource("nodes")
  void slimIsIdempotent(Node node) {
    assertThat(SlimNodes.slim(SlimNodes.slim(node))).isEqualTo(SlimNodes.slim(node));
  }

  @Test
  void keepsOnlyWhatNodeFactsNeeds() {
    Node node = rich("gpu-1");
    Node slim = SlimNodes.slim(node);

    assertThat(slim.getMetadata().getName()).isEqualTo("gpu-1");
    assertThat(slim.getMetadata().getUid()).isEqualTo(node.getMetadata().getUid());
    assertThat(slim.getMetadata().getResourceVersion()).isEqualTo("123456");
    assertThat(slim.getMetadata().getLabels()).isEqualTo(node.getMetadata().getLabels());
    assertThat(slim.getMetadata().getAnnotations()).isNullOrEmpty();
    assertThat(slim.getMetadata().getManagedFields()).isNullOrEmpty();
    assertThat(slim.getMetadata().getCreationTimestamp()).isNull();

    assertThat(slim.getSpec().getTaints())
        .containsExactly(
            new TaintBuilder()
                .withKey("dedicated")
                .withValue("gpu")
                .withEffect("NoSchedule")
                .build(),
            new TaintBuilder().withKey("nvidia.com/gpu").withEffect("NoExecute").build());
    assertThat(slim.getSpec().getPodCIDR()).isNull();
    assertThat(slim.getSpec().getProviderID()).isNull();

    assertThat(slim.getStatus().getAllocatable())
        .isEqualTo(
            Map.of(
                "nvidia.com/gpu",
                new Quantity("1"),
                "nvidia.com/mig-1g.10gb",
                new Quantity("14"),
                "example.com/half",
                new Quantity("500m")));
    assertThat(slim.getStatus().getConditions())
        .containsExactly(new NodeConditionBuilder().withType("Ready").withStatus("True").build());
    assertThat(slim.getStatus().getCapacity()).isNullOrEmpty();
    assertThat(slim.getStatus().getImages()).isNullOrEmpty();
    assertThat(slim.getStatus().getAddresses()).isNullOrEmpty();
    assertThat(slim.getStatus().getNodeInfo()).isNull();
  }

  @Test
  void isAFractionOfAKubeletsNode() {
    int rich = Serialization.asJson(rich("gpu-1")).length();
    int slim = Serialization.asJson(SlimNodes.slim(rich("gpu-1"))).length();
    assertThat(rich).isGreaterThan(5_000);
    assertThat(slim).isLessThan(rich / 10);
  }

  @Test
  void doesNotShareMutableStateWithTheNode() {
    Node node = rich("gpu-1");
    Node slim = SlimNodes.slim(node);
    node.getMetadata().getLabels().put("disk", "ssd");
    node.getSpec().getTaints().get(0).setEffect("NoExecute");
    node.getStatus().getAllocatable().get("nvidia.com/gpu").setAmount("8");
    node.getStatus().getConditions().forEach((NodeCondition c) -> c.setStatus("False"));

    assertThat(NodeFacts.of(slim)).isEqualTo(NodeFacts.of(rich("gpu-1")));
  }
}
