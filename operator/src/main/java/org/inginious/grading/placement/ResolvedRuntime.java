package org.inginious.grading.placement;

import java.util.Map;
import org.inginious.grading.api.GradingSpec;
import org.inginious.grading.api.Runtime;
import org.inginious.grading.config.OperatorConfig;
import org.inginious.grading.config.RuntimeConfig;

/**
 * The concrete runtime a grading pod runs under.
 *
 * @param typeLabel how INGInious names the environment type: docker (runc, crun), kata, nvidia
 * @param userNamespaces whether grading pods get {@code hostUsers: false}
 */
public record ResolvedRuntime(
    Runtime runtime,
    String runtimeClassName,
    String typeLabel,
    RuntimeConfig config,
    boolean userNamespaces) {

  /** auto: needRoot -> kata, gpu -> nvidia, else the configured default; explicit runtimes win. */
  public static ResolvedRuntime resolve(GradingSpec grading, OperatorConfig config) {
    GradingSpec spec = grading == null ? new GradingSpec() : grading;
    Runtime runtime = spec.runtimeOrDefault();
    if (runtime == Runtime.AUTO) {
      if (spec.needsRoot()) {
        runtime = Runtime.KATA;
      } else if (spec.gpu != null) {
        runtime = Runtime.NVIDIA;
      } else {
        runtime = config.defaultRuntimeValue();
      }
    }
    RuntimeConfig runtimeConfig = config.runtime(runtime);
    return new ResolvedRuntime(
        runtime,
        runtimeConfig.runtimeClassName(),
        typeLabel(runtime),
        runtimeConfig,
        config.grading().userNamespaces() && supportsUserNamespaces(runtime));
  }

  /** Kata (the VM is the boundary) and the NVIDIA runtime do not support user namespaces. */
  private static boolean supportsUserNamespaces(Runtime runtime) {
    return runtime == Runtime.RUNC || runtime == Runtime.CRUN;
  }

  private static String typeLabel(Runtime runtime) {
    return switch (runtime) {
      case KATA -> "kata";
      case NVIDIA -> "nvidia";
      default -> "docker";
    };
  }

  public boolean managed() {
    return config.isManaged();
  }

  public Map<String, String> configuredNodeSelector() {
    return config.nodeSelector();
  }
}
