package org.inginious.grading.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
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

  /**
   * A dockerfile environment whose Kaniko pod kwok keeps "running" for {@code duration} (a build
   * argument only kwok's stage reads), created once its build Job exists; returns that Job.
   */
  static Job startHeldBuild(
      KubernetesClient admin, String namespace, String name, String registryHost, String duration) {
    apply(
        admin,
        namespace,
        """
        apiVersion: grading.inginious.org/v1alpha1
        kind: GradingEnvironment
        metadata: {name: %s}
        spec:
          image: {repository: "%s/inginious/env-%s", insecure: true}
          build:
            dockerfile:
              inline: "FROM scratch"
              buildArgs: {E2E_BUILD_DURATION: %s}
        """
            .formatted(name, registryHost, name, duration));
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> !buildJobs(admin, namespace, name).isEmpty());
    return buildJobs(admin, namespace, name).get(0);
  }

  /** The Kaniko build Jobs of an environment. */
  static List<Job> buildJobs(KubernetesClient admin, String namespace, String environment) {
    return admin
        .batch()
        .v1()
        .jobs()
        .inNamespace(namespace)
        .withLabel("grading.inginious.org/build", environment)
        .list()
        .getItems();
  }

  static GradingEnvironment environment(KubernetesClient admin, String namespace, String name) {
    return admin.resources(GradingEnvironment.class).inNamespace(namespace).withName(name).get();
  }

  static GradingEnvironment awaitReady(KubernetesClient admin, String namespace, String name) {
    await()
        .atMost(READY_TIMEOUT)
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(
            () -> {
              GradingEnvironment environment = environment(admin, namespace, name);
              assertThat(environment).as("%s/%s", namespace, name).isNotNull();
              assertThat(environment.getStatus()).as("status of %s", name).isNotNull();
              assertThat(environment.getStatus().phase)
                  .as("phase of %s: %s", name, environment.getStatus().conditions)
                  .isEqualTo(Phase.Ready);
              assertThat(environment.getStatus().observedGeneration)
                  .isEqualTo(environment.getMetadata().getGeneration());
            });
    return environment(admin, namespace, name);
  }

  static Optional<Condition> condition(GradingEnvironment environment, String type) {
    List<Condition> conditions =
        environment.getStatus() == null ? List.of() : environment.getStatus().conditions;
    return conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
  }
}
