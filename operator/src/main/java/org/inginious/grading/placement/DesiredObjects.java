package org.inginious.grading.placement;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodTemplate;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import java.util.ArrayList;
import java.util.List;
import org.inginious.grading.api.GradingEnvironment;

/**
 * Every object the operator keeps for one environment once its image is known: the one function
 * behind both the reconciler and {@code render}, so what is shown offline is what is written.
 *
 * @param networkPolicy the environment's deny-all policy, or null when its pods may use the network
 */
public record DesiredObjects(NetworkPolicy networkPolicy, PodTemplate podTemplate) {

  public static DesiredObjects of(
      GradingEnvironment environment, String image, ResolvedRuntime runtime) {
    return new DesiredObjects(
        GradingNetworkPolicies.isolates(environment)
            ? GradingNetworkPolicies.denyAll(environment)
            : null,
        GradingPodTemplates.render(environment, image, runtime));
  }

  /**
   * In the order they are written: isolation before the template, so no grading pod starts
   * unguarded.
   */
  public List<HasMetadata> all() {
    List<HasMetadata> all = new ArrayList<>();
    if (networkPolicy != null) {
      all.add(networkPolicy);
    }
    all.add(podTemplate);
    return all;
  }
}
