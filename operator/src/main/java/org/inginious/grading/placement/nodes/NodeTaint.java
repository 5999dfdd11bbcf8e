package org.inginious.grading.placement.nodes;

import io.fabric8.kubernetes.api.model.Taint;
import java.util.Comparator;

/**
 * A node's taint without its timeAdded; a missing key, value or effect is empty, as the API treats
 * it.
 */
public record NodeTaint(String key, String value, String effect) implements Comparable<NodeTaint> {
  public static final String NO_SCHEDULE = "NoSchedule";
  public static final String PREFER_NO_SCHEDULE = "PreferNoSchedule";
  public static final String NO_EXECUTE = "NoExecute";

  private static final Comparator<NodeTaint> ORDER =
      Comparator.comparing(NodeTaint::key)
          .thenComparing(NodeTaint::effect)
          .thenComparing(NodeTaint::value);

  public NodeTaint {
    key = key == null ? "" : key;
    value = value == null ? "" : value;
    effect = effect == null ? "" : effect;
  }

  public static NodeTaint of(Taint taint) {
    return new NodeTaint(taint.getKey(), taint.getValue(), taint.getEffect());
  }

  /**
   * Only these keep pods off a node; PreferNoSchedule is a preference of the scheduler's scoring.
   */
  public boolean repels() {
    return NO_SCHEDULE.equals(effect) || NO_EXECUTE.equals(effect);
  }

  @Override
  public int compareTo(NodeTaint other) {
    return ORDER.compare(this, other);
  }

  /** As kubectl shows taints: key=value:effect, or key:effect without a value. */
  @Override
  public String toString() {
    return key + (value.isEmpty() ? "" : "=" + value) + ":" + effect;
  }
}
