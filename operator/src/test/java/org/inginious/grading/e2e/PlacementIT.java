package org.inginious.grading.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodTemplate;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.inginious.grading.api.GradingEnvironment;
import org.inginious.grading.testing.LocalRegistry;
import org.inginious.grading.testing.TestImages;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What the grading backend does with a PodTemplate, on the real API server and scheduler: a Pod
 * made from it is admitted in a namespace that enforces Pod Security {@code baseline} (RuntimeClass
 * admission adds the class's scheduling and overhead) and kube-scheduler puts it on a node of the
 * right kind: crun-labelled, kata-deploy-labelled, with a GPU, with a MIG slice. Where no node
 * fits, it stays Pending.
 */
@Order(3)
class PlacementIT {
  static final String NS = "e2e-placement";
  static ClassFixture fixture;
  static KubernetesClient admin;
  static LocalRegistry registry;

  @BeforeAll
  static void start() {
    fixture =
        ClassFixture.open(
            NS,
            Map.of(
                "pod-security.kubernetes.io/enforce",
                "baseline",
                "pod-security.kubernetes.io/enforce-version",
                "latest"));
    admin = fixture.admin;
    registry = fixture.registry;
    fixture.startOperator("placement-0");
  }

  @AfterAll
  static void stop() {
    fixture.close();
  }

  static Stream<Arguments> runtimes() {
    return Stream.of(
        // name, spec.grading, image labels beyond the name, nodes it may land on, in a user
        // namespace
        Arguments.of(
            "runc",
            "{runtime: runc}",
            Map.of(),
            Set.of(KwokNodes.PLAIN, KwokNodes.CRUN, KwokNodes.KATA, KwokNodes.GPU, KwokNodes.MIG),
            true),
        Arguments.of("crun", "{runtime: crun}", Map.of(), Set.of(KwokNodes.CRUN), true),
        Arguments.of(
            "kata",
            "{needRoot: true}",
            Map.of("org.inginious.grading.need_root", "1"),
            Set.of(KwokNodes.KATA),
            false),
        Arguments.of(
            "gpu",
            "{gpu: {count: 1}}",
            Map.of("org.inginious.grading.need_gpu", "1"),
            Set.of(KwokNodes.GPU),
            false),
        Arguments.of(
            "mig",
            "{gpu: {count: 2, resourceName: " + KwokNodes.MIG_RESOURCE + "}}",
            Map.of("org.inginious.grading.need_gpu", "1"),
            Set.of(KwokNodes.MIG),
            false),
        Arguments.of(
            "nvidia-no-gpu",
            "{runtime: nvidia}",
            Map.of(),
            Set.of(KwokNodes.GPU, KwokNodes.MIG),
            false));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("runtimes")
  void aGradingPodFromThePodTemplateIsAdmittedAndScheduledOntoANodeOfTheRightKind(
      String name,
      String grading,
      Map<String, String> labels,
      Set<String> nodes,
      boolean userNamespace) {
    createEnvironment(name, grading, labels);
    Pod pod = admin.resource(podFrom(name)).create();
    // as stored by the API server (a server without user-namespace support would drop the field)
    assertThat(pod.getSpec().getHostUsers())
        .as("hostUsers of %s", name)
        .isEqualTo(userNamespace ? Boolean.FALSE : null);
    assertThat(pod.getSpec().getContainers().get(0).getEnv())
        .as("env of %s", name)
        .noneMatch(
            e -> e.getName().equals("NVIDIA_VISIBLE_DEVICES") && !"void".equals(e.getValue()));
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              Pod current =
                  admin.pods().inNamespace(NS).withName(pod.getMetadata().getName()).get();
              assertThat(current.getSpec().getNodeName())
                  .as("node of %s: %s", name, current.getStatus().getConditions())
                  .isIn(nodes);
              assertThat(current.getStatus().getPhase()).isEqualTo("Running");
            });
  }

  @Test
  void aGradingPodThatNoNodeCanRunStaysPending() {
    createEnvironment(
        "gpu-greedy", "{gpu: {count: 4}}", Map.of("org.inginious.grading.need_gpu", "1"));
    Pod pod = admin.resource(podFrom("gpu-greedy")).create();
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              Pod current =
                  admin.pods().inNamespace(NS).withName(pod.getMetadata().getName()).get();
              assertThat(current.getStatus().getConditions())
                  .anySatisfy(
                      c -> {
                        assertThat(c.getType()).isEqualTo("PodScheduled");
                        assertThat(c.getReason()).isEqualTo("Unschedulable");
                        assertThat(c.getMessage()).contains("Insufficient nvidia.com/gpu");
                      });
            });
    assertThat(
            admin
                .pods()
                .inNamespace(NS)
                .withName(pod.getMetadata().getName())
                .get()
                .getSpec()
                .getNodeName())
        .isNull();
  }

  private void createEnvironment(String name, String grading, Map<String, String> extraLabels) {
    Map<String, String> labels = new LinkedHashMap<>(extraLabels);
    labels.put("org.inginious.grading.name", name);
    TestImages.push(registry.host(), "inginious/env-" + name, "v1", labels);
    Scenarios.apply(
        admin,
        NS,
        """
        apiVersion: grading.inginious.org/v1alpha1
        kind: GradingEnvironment
        metadata: {name: %1$s}
        spec:
          image: {insecure: true}
          build: {prebuilt: {image: "%2$s/inginious/env-%1$s:v1"}}
          grading: %3$s
        """
            .formatted(name, registry.host(), grading));
    GradingEnvironment environment = Scenarios.awaitReady(admin, NS, name);
    assertThat(environment.getStatus().podTemplate).isEqualTo(name + "-grading");
  }

  /**
   * A submission's pod, made from the environment's PodTemplate as the grading backend makes it.
   */
  private Pod podFrom(String environment) {
    PodTemplate template =
        admin.resources(PodTemplate.class).inNamespace(NS).withName(environment + "-grading").get();
    return new PodBuilder()
        .withNewMetadata()
        .withGenerateName(environment + "-submission-")
        .withNamespace(NS)
        .withLabels(template.getTemplate().getMetadata().getLabels())
        .endMetadata()
        .withSpec(template.getTemplate().getSpec())
        .build();
  }
}
