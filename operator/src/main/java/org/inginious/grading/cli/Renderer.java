package org.inginious.grading.cli;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodTemplate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.inginious.grading.api.GradingEnvironment;
import org.inginious.grading.config.OperatorConfig;
import org.inginious.grading.placement.GradingNetworkPolicies;
import org.inginious.grading.placement.GradingPodTemplates;
import org.inginious.grading.placement.ResolvedRuntime;
import org.inginious.grading.placement.RuntimeClasses;

/**
 * Every object the operator would create for some environments, offline: the same pure functions
 * the reconciler calls, with images shown as written (digests are resolved in the cluster).
 */
public final class Renderer {
  public static final String NOTE_ANNOTATION = "grading.inginious.org/render-note";

  private Renderer() {}

  public static List<HasMetadata> render(List<GradingEnvironment> environments, OperatorConfig config) {
    List<HasMetadata> objects = new ArrayList<>(RuntimeClasses.desired(config));
    for (GradingEnvironment environment : environments) {
      ResolvedRuntime runtime = ResolvedRuntime.resolve(environment.getSpec().grading, config);
      PodTemplate template = GradingPodTemplates.render(environment, imageAsWritten(environment), runtime);
      template.getMetadata().setAnnotations(Map.of(NOTE_ANNOTATION, note(environment)));
      objects.add(template);
    }
    Map<String, List<GradingEnvironment>> isolatedByNamespace = environments.stream()
        .filter(GradingNetworkPolicies::isolates)
        .collect(Collectors.groupingBy(e -> e.getMetadata().getNamespace(), TreeMap::new, Collectors.toList()));
    isolatedByNamespace.forEach((namespace, owners) -> objects.add(GradingNetworkPolicies.denyAll(namespace, owners)));
    return objects;
  }

  private static String imageAsWritten(GradingEnvironment environment) {
    var build = environment.getSpec().build;
    if (build.prebuilt != null) {
      return build.prebuilt.image;
    }
    return environment.getSpec().image.repository + ":<build hash>";
  }

  private static String note(GradingEnvironment environment) {
    return environment.getSpec().build.prebuilt != null
        ? "image shown by tag; the operator pins it to its digest in the cluster"
        : "image is built in the cluster and referenced by digest once built";
  }
}
