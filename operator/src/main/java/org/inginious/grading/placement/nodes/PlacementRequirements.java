package org.inginious.grading.placement.nodes;

import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.node.v1.RuntimeClass;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import org.inginious.grading.api.GradingSpec;
import org.inginious.grading.api.GradingToleration;
import org.inginious.grading.placement.RuntimeClasses;

/**
 * What a node must offer a grading pod of an environment. The two node selectors stay apart so a
 * message can say which one no node matches.
 *
 * @param runtimeClassNodeSelector the RuntimeClass's scheduling.nodeSelector
 * @param specNodeSelector spec.grading.nodeSelector
 * @param tolerations the RuntimeClass's scheduling.tolerations, then spec.grading.tolerations
 */
public record PlacementRequirements(
    String runtimeClassName,
    Map<String, String> runtimeClassNodeSelector,
    Map<String, String> specNodeSelector,
    List<Toleration> tolerations,
    Optional<GpuRequirement> gpu) {

  /** Each grading pod requests {@code count} of the extended resource {@code resourceName}. */
  public record GpuRequirement(String resourceName, long count) {}

  public PlacementRequirements {
    runtimeClassName = runtimeClassName == null ? "" : runtimeClassName;
    runtimeClassNodeSelector = NodeFacts.sortedWithoutNulls(runtimeClassNodeSelector);
    specNodeSelector = NodeFacts.sortedWithoutNulls(specNodeSelector);
    tolerations =
        tolerations == null ? List.of() : tolerations.stream().filter(Objects::nonNull).toList();
    gpu = gpu == null ? Optional.empty() : gpu;
  }

  /**
   * RuntimeClass admission adds the class's nodeSelector and tolerations to every pod using it, so
   * they count as if the spec had them.
   *
   * @param grading spec.grading, may be null
   * @param runtimeClass the RuntimeClass resolved for the environment
   */
  public static PlacementRequirements of(GradingSpec grading, RuntimeClass runtimeClass) {
    GradingSpec spec = grading == null ? new GradingSpec() : grading;
    List<Toleration> tolerations = new ArrayList<>();
    if (runtimeClass.getScheduling() != null
        && runtimeClass.getScheduling().getTolerations() != null) {
      tolerations.addAll(runtimeClass.getScheduling().getTolerations());
    }
    if (spec.tolerations != null) {
      spec.tolerations.stream()
          .filter(Objects::nonNull)
          .map(GradingToleration::toToleration)
          .forEach(tolerations::add);
    }
    Optional<GpuRequirement> gpu =
        Optional.ofNullable(spec.gpu)
            .map(g -> new GpuRequirement(g.resourceNameOrDefault(), g.countOrDefault()));
    String name = runtimeClass.getMetadata() == null ? null : runtimeClass.getMetadata().getName();
    return new PlacementRequirements(
        name, RuntimeClasses.nodeSelector(runtimeClass), spec.nodeSelector, tolerations, gpu);
  }

  /**
   * The selector the scheduler applies. A key both set to different values is a conflict that
   * RuntimeClass admission rejects (see NodeSelectorConflicts); the class's value is shown here.
   */
  public Map<String, String> nodeSelector() {
    SortedMap<String, String> merged = new TreeMap<>(specNodeSelector);
    merged.putAll(runtimeClassNodeSelector);
    return Collections.unmodifiableSortedMap(merged);
  }
}
