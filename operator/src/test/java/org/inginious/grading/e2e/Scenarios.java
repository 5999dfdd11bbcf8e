package org.inginious.grading.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.inginious.grading.api.GradingEnvironment;
import org.inginious.grading.api.Phase;

/** What the end-to-end scenarios do to the cluster, as a user would: YAML in, status out. */
final class Scenarios {
  static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

  private Scenarios() {}

  /** Creates every document of this YAML (namespace taken from the documents or given). */
  static void apply(KubernetesClient admin, String namespace, String yaml) {
    for (String document : yaml.split("(?m)^---\\s*$")) {
      if (!document.isBlank()) {
        HasMetadata object = Serialization.unmarshal(document, HasMetadata.class);
        admin.resource(object).inNamespace(namespace).create();
      }
    }
  }

  static GradingEnvironment environment(KubernetesClient admin, String namespace, String name) {
    return admin.resources(GradingEnvironment.class).inNamespace(namespace).withName(name).get();
  }

  static GradingEnvironment awaitReady(KubernetesClient admin, String namespace, String name) {
    await().atMost(READY_TIMEOUT).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
      GradingEnvironment environment = environment(admin, namespace, name);
      assertThat(environment).as("%s/%s", namespace, name).isNotNull();
      assertThat(environment.getStatus()).as("status of %s", name).isNotNull();
      assertThat(environment.getStatus().phase).as("phase of %s: %s", name, environment.getStatus().conditions)
          .isEqualTo(Phase.Ready);
      assertThat(environment.getStatus().observedGeneration).isEqualTo(environment.getMetadata().getGeneration());
    });
    return environment(admin, namespace, name);
  }

  static Optional<Condition> condition(GradingEnvironment environment, String type) {
    List<Condition> conditions = environment.getStatus() == null ? List.of() : environment.getStatus().conditions;
    return conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
  }
}
