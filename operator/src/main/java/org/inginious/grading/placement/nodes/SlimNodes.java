package org.inginious.grading.placement.nodes;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.api.model.NodeSpec;
import io.fabric8.kubernetes.api.model.NodeStatus;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Nodes reduced to what {@link NodeFacts} reads, for the informer cache: a real Node carries
 * images, managedFields, annotations and a dozen conditions, several KB each, times 1,000 nodes.
 */
public final class SlimNodes {
  private SlimNodes() {}

  /**
   * Keeps metadata name, uid and resourceVersion (the informer compares versions) and labels;
   * taints without timeAdded and unschedulable; allocatable of extended resources; the Ready
   * condition with only type and status. {@code NodeFacts.of(slim(n))} equals {@code
   * NodeFacts.of(n)}.
   */
  public static Node slim(Node node) {
    NodeBuilder slim =
        new NodeBuilder().withApiVersion(node.getApiVersion()).withKind(node.getKind());
    ObjectMeta metadata = node.getMetadata();
    if (metadata != null) {
      slim.withNewMetadata()
          .withName(metadata.getName())
          .withNamespace(metadata.getNamespace())
          .withUid(metadata.getUid())
          .withResourceVersion(metadata.getResourceVersion())
          .withLabels(
              metadata.getLabels() == null || metadata.getLabels().isEmpty()
                  ? null
                  : new LinkedHashMap<>(metadata.getLabels()))
          .endMetadata();
    }
    NodeSpec spec = node.getSpec();
    if (spec != null) {
      slim.withNewSpec()
          .withUnschedulable(spec.getUnschedulable())
          .withTaints(taints(spec.getTaints()))
          .endSpec();
    }
    NodeStatus status = node.getStatus();
    if (status != null) {
      slim.withNewStatus()
          .withAllocatable(extendedResources(status.getAllocatable()))
          .withConditions(readyCondition(status.getConditions()))
          .endStatus();
    }
    return slim.build();
  }

  private static List<Taint> taints(List<Taint> taints) {
    if (taints == null || taints.isEmpty()) {
      return null;
    }
    return taints.stream()
        .filter(Objects::nonNull)
        .map(
            t ->
                new TaintBuilder()
                    .withKey(t.getKey())
                    .withValue(t.getValue())
                    .withEffect(t.getEffect())
                    .build())
        .toList();
  }

  private static Map<String, Quantity> extendedResources(Map<String, Quantity> allocatable) {
    if (allocatable == null) {
      return null;
    }
    Map<String, Quantity> extended = new LinkedHashMap<>();
    allocatable.forEach(
        (resource, quantity) -> {
          if (NodeFacts.isExtendedResource(resource) && quantity != null) {
            extended.put(resource, new Quantity(quantity.getAmount(), quantity.getFormat()));
          }
        });
    return extended.isEmpty() ? null : extended;
  }

  private static List<NodeCondition> readyCondition(List<NodeCondition> conditions) {
    String ready = NodeFacts.readyStatus(conditions);
    return ready == null
        ? null
        : List.of(new NodeConditionBuilder().withType(NodeFacts.READY).withStatus(ready).build());
  }
}
