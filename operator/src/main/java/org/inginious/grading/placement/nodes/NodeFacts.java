package org.inginious.grading.placement.nodes;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeSpec;
import io.fabric8.kubernetes.api.model.NodeStatus;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Taint;
import java.math.BigDecimal;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What of a Node decides whether grading pods can run on it, and nothing else: equal facts mean
 * nothing that matters changed, so a kubelet heartbeat (lastHeartbeatTime, resourceVersion, images,
 * other conditions, cpu and memory) gives equal facts.
 *
 * @param ready the Ready condition is "True"
 * @param extendedResources allocatable of the extended resources (names with a '/', such as
 *     nvidia.com/gpu), those that are whole numbers
 */
public record NodeFacts(
    String name,
    Map<String, String> labels,
    List<NodeTaint> taints,
    boolean unschedulable,
    boolean ready,
    Map<String, Long> extendedResources) {
  public static final String READY = "Ready";

  /** Sorted copies: equality does not depend on the order the API server happened to send. */
  public NodeFacts {
    name = name == null ? "" : name;
    labels = sortedWithoutNulls(labels);
    taints =
        taints == null ? List.of() : taints.stream().filter(Objects::nonNull).sorted().toList();
    extendedResources = sortedWithoutNulls(extendedResources);
  }

  /** Never throws: every field of the Node may be missing. */
  public static NodeFacts of(Node node) {
    ObjectMeta metadata = node == null ? null : node.getMetadata();
    NodeSpec spec = node == null ? null : node.getSpec();
    NodeStatus status = node == null ? null : node.getStatus();
    List<Taint> taints = spec == null || spec.getTaints() == null ? List.of() : spec.getTaints();
    return new NodeFacts(
        metadata == null ? null : metadata.getName(),
        metadata == null ? null : metadata.getLabels(),
        taints.stream().filter(Objects::nonNull).map(NodeTaint::of).toList(),
        spec != null && Boolean.TRUE.equals(spec.getUnschedulable()),
        status != null && "True".equals(readyStatus(status.getConditions())),
        status == null ? null : extendedResources(status.getAllocatable()));
  }

  /** Extended resources are the ones in a domain; cpu, memory, pods, hugepages-* have none. */
  public static boolean isExtendedResource(String resourceName) {
    return resourceName != null && resourceName.indexOf('/') >= 0;
  }

  static String readyStatus(List<NodeCondition> conditions) {
    if (conditions == null) {
      return null;
    }
    return conditions.stream()
        .filter(c -> c != null && READY.equals(c.getType()))
        .map(NodeCondition::getStatus)
        .findFirst()
        .orElse(null);
  }

  private static Map<String, Long> extendedResources(Map<String, Quantity> allocatable) {
    if (allocatable == null) {
      return null;
    }
    Map<String, Long> counts = new TreeMap<>();
    allocatable.forEach(
        (resource, quantity) -> {
          if (isExtendedResource(resource)) {
            wholeNumber(quantity).ifPresent(count -> counts.put(resource, count));
          }
        });
    return counts;
  }

  /**
   * Devices are counted in whole units; anything else (500m, garbage, out of range) is no count.
   */
  static Optional<Long> wholeNumber(Quantity quantity) {
    if (quantity == null || quantity.getAmount() == null) {
      return Optional.empty();
    }
    try {
      BigDecimal amount = quantity.getNumericalAmount();
      if (amount.signum() < 0 || amount.stripTrailingZeros().scale() > 0) {
        return Optional.empty();
      }
      return Optional.of(amount.longValueExact());
    } catch (RuntimeException notANumber) {
      return Optional.empty();
    }
  }

  static <V> SortedMap<String, V> sortedWithoutNulls(Map<String, V> map) {
    SortedMap<String, V> sorted = new TreeMap<>();
    if (map != null) {
      map.forEach(
          (key, value) -> {
            if (key != null && value != null) {
              sorted.put(key, value);
            }
          });
    }
    return Collections.unmodifiableSortedMap(sorted);
  }
}
