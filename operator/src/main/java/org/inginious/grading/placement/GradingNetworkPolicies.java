package org.inginious.grading.placement;

import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.inginious.grading.api.GradingEnvironment;

/**
 * One deny-all NetworkPolicy per namespace for grading pods labelled network=none. It is owned by
 * every environment that needs it, so it is garbage-collected with the last of them.
 */
public final class GradingNetworkPolicies {
  public static final String NAME = "grading-deny-all";

  private GradingNetworkPolicies() {}

  /** Environments whose grading pods get no network (the default). */
  public static boolean isolates(GradingEnvironment environment) {
    return environment.getSpec() != null
        && (environment.getSpec().grading == null
            || environment.getSpec().grading.networkOrDefault() == org.inginious.grading.api.Network.NONE);
  }

  public static NetworkPolicy denyAll(String namespace, List<GradingEnvironment> owners) {
    return new NetworkPolicyBuilder()
        .withNewMetadata()
        .withName(NAME)
        .withNamespace(namespace)
        .withLabels(Map.of(Labels.MANAGED_BY, Labels.OPERATOR))
        .withOwnerReferences(owners.stream()
            .sorted(Comparator.comparing(e -> e.getMetadata().getName()))
            .map(GradingPodTemplates::ownerReference)
            .map(ref -> { ref.setController(false); return ref; })
            .toList())
        .endMetadata()
        .withNewSpec()
        .withNewPodSelector().withMatchLabels(Map.of(Labels.NETWORK, "none")).endPodSelector()
        .withPolicyTypes("Ingress", "Egress")
        .endSpec()
        .build();
  }
}
