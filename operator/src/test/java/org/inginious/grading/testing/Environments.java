package org.inginious.grading.testing;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.inginious.grading.api.GradingEnvironment;

/** GradingEnvironments written the way users write them: as YAML. */
public final class Environments {
  private Environments() {}

  public static GradingEnvironment fromYaml(String yaml) {
    return Serialization.unmarshal(yaml, GradingEnvironment.class);
  }

  /** A prebuilt environment with the given spec.grading block (YAML, indented by 4). */
  public static GradingEnvironment prebuilt(String name, String image, String gradingYaml) {
    GradingEnvironment env =
        fromYaml(
            """
        apiVersion: grading.inginious.org/v1alpha1
        kind: GradingEnvironment
        metadata: {name: %s, namespace: grading}
        spec:
          build:
            prebuilt: {image: "%s"}
          grading:
        %s
        """
                .formatted(
                    name,
                    image,
                    gradingYaml.isBlank() ? "    {}" : gradingYaml.indent(4).stripTrailing()));
    env.getMetadata().setUid("uid-" + name);
    env.getMetadata().setGeneration(1L);
    return env;
  }

  public static ObjectMetaBuilder meta(String name) {
    return new ObjectMetaBuilder().withName(name).withNamespace("grading");
  }
}
