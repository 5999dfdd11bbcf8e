package org.inginious.grading.placement;

import java.util.List;
import java.util.Map;

/**
 * RuntimeClass admission rejects a pod whose nodeSelector sets a key of the class's
 * scheduling.nodeSelector to another value; we find that before publishing the PodTemplate.
 */
public final class NodeSelectorConflicts {
  private NodeSelectorConflicts() {}

  public static List<String> between(
      Map<String, String> podSelector,
      Map<String, String> runtimeClassSelector,
      String runtimeClassName) {
    if (podSelector == null || runtimeClassSelector == null) {
      return List.of();
    }
    return podSelector.entrySet().stream()
        .filter(
            e ->
                runtimeClassSelector.containsKey(e.getKey())
                    && !runtimeClassSelector.get(e.getKey()).equals(e.getValue()))
        .sorted(Map.Entry.comparingByKey())
        .map(
            e ->
                "spec.grading.nodeSelector."
                    + e.getKey()
                    + "="
                    + e.getValue()
                    + " conflicts with RuntimeClass "
                    + runtimeClassName
                    + " which requires "
                    + e.getKey()
                    + "="
                    + runtimeClassSelector.get(e.getKey()))
        .toList();
  }
}
