package org.inginious.grading.placement;

import io.fabric8.kubernetes.api.model.node.v1.RuntimeClass;
import io.fabric8.kubernetes.api.model.node.v1.RuntimeClassBuilder;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.inginious.grading.config.OperatorConfig;
import org.inginious.grading.config.RuntimeConfig;

/** The RuntimeClasses the operator owns, from its configuration (managed: true). */
public final class RuntimeClasses {
  private RuntimeClasses() {}

  public static List<RuntimeClass> desired(OperatorConfig config) {
    return config.runtimes().values().stream()
        .filter(RuntimeConfig::isManaged)
        .map(RuntimeClasses::desired)
        .toList();
  }

  public static RuntimeClass desired(RuntimeConfig runtime) {
    RuntimeClassBuilder builder =
        new RuntimeClassBuilder()
            .withNewMetadata()
            .withName(runtime.runtimeClassName())
            .withLabels(Map.of(Labels.MANAGED_BY, Labels.OPERATOR))
            .endMetadata()
            .withHandler(runtime.handlerOrDefault());
    if (!runtime.nodeSelector().isEmpty()) {
      builder.withNewScheduling().withNodeSelector(runtime.nodeSelector()).endScheduling();
    }
    return builder.build();
  }

  /** The handler is immutable in the API: a different one means delete and create. */
  public static boolean needsRecreate(RuntimeClass existing, RuntimeClass desired) {
    return !Objects.equals(existing.getHandler(), desired.getHandler());
  }

  public static boolean differs(RuntimeClass existing, RuntimeClass desired) {
    return needsRecreate(existing, desired)
        || !Objects.equals(nodeSelector(existing), nodeSelector(desired))
        || !Labels.OPERATOR.equals(labels(existing).get(Labels.MANAGED_BY));
  }

  /** The node selector that RuntimeClass admission merges into every pod using this class. */
  public static Map<String, String> nodeSelector(RuntimeClass runtimeClass) {
    if (runtimeClass == null
        || runtimeClass.getScheduling() == null
        || runtimeClass.getScheduling().getNodeSelector() == null) {
      return Map.of();
    }
    return runtimeClass.getScheduling().getNodeSelector();
  }

  private static Map<String, String> labels(RuntimeClass runtimeClass) {
    Map<String, String> labels = runtimeClass.getMetadata().getLabels();
    return labels == null ? Map.of() : labels;
  }
}
