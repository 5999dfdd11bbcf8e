package org.inginious.grading.placement;

import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import java.util.Map;
import org.inginious.grading.api.GradingEnvironment;
import org.inginious.grading.api.Network;

/**
 * A deny-all NetworkPolicy per environment with network none, selecting that environment's grading
 * pods. Owned by the environment alone (like its PodTemplate): no object is shared between
 * environments, so reconciling one never rewrites or wakes another.
 */
public final class GradingNetworkPolicies {
  private GradingNetworkPolicies() {}

  public static String name(GradingEnvironment environment) {
    return environment.getMetadata().getName() + "-grading";
  }

  /** Environments whose grading pods get no network (the default). */
  public static boolean isolates(GradingEnvironment environment) {
    return environment.getSpec() != null
        && (environment.getSpec().grading == null
            || environment.getSpec().grading.networkOrDefault() == Network.NONE);
  }

  /**
   * Selects the pods made from the environment's PodTemplate (its pod labels) and allows them no
   * traffic.
   */
  public static NetworkPolicy denyAll(GradingEnvironment environment) {
    return new NetworkPolicyBuilder()
        .withNewMetadata()
        .withName(name(environment))
        .withNamespace(environment.getMetadata().getNamespace())
        .withLabels(
            Map.of(
                Labels.MANAGED_BY,
                Labels.OPERATOR,
                Labels.ENVIRONMENT,
                environment.environmentName()))
        .withOwnerReferences(GradingPodTemplates.ownerReference(environment))
        .endMetadata()
        .withNewSpec()
        .withNewPodSelector()
        .withMatchLabels(
            Map.of(Labels.ENVIRONMENT, environment.environmentName(), Labels.NETWORK, "none"))
        .endPodSelector()
        .withPolicyTypes("Ingress", "Egress")
        .endSpec()
        .build();
  }
}
