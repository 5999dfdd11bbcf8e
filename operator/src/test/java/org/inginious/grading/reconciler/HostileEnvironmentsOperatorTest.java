package org.inginious.grading.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.PodTemplate;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.inginious.grading.GradingOperator;
import org.inginious.grading.api.ConditionReasons;
import org.inginious.grading.api.GradingEnvironment;
import org.inginious.grading.config.OperatorConfig;
import org.inginious.grading.placement.Labels;
import org.inginious.grading.testing.LocalRegistry;
import org.inginious.grading.testing.MockCluster;
import org.inginious.grading.testing.TestImages;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One bad environment never stops the others: environments this operator version cannot read (as
 * after a CRD/operator version skew; the mock server stores whatever it is given) are reported in
 * their status, before and after the operator starts, and the rest is reconciled; two environments
 * with one environmentName: the newer one waits, the older keeps serving.
 */
class HostileEnvironmentsOperatorTest {
  static final String NS = "grading";
  static final Duration TIMEOUT = Duration.ofSeconds(20);
  static final ResourceDefinitionContext ENVIRONMENTS =
      ResourceDefinitionContext.fromResourceType(GradingEnvironment.class);

  static MockCluster cluster;
  static KubernetesClient client;
  static LocalRegistry registry;
  static GradingOperator operator;

  @BeforeAll
  static void start() {
    registry = LocalRegistry.open();
    cluster = new MockCluster();
    client = cluster.client();
    // stored before the operator starts: its first list holds an environment it cannot read
    createRaw("from-newer-crd", "{runtime: gvisor}");
    createGood("good-before", "good-before");
    operator =
        new GradingOperator(
                client, OperatorConfig.defaults(), Set.of(), PrebuiltEnvironmentOperatorTest.FAST)
            .start();
  }

  @AfterAll
  static void stop() {
    operator.close();
    cluster.close();
    registry.close();
  }

  /**
   * A GradingEnvironment as an API server with a newer CRD would store it: not through our types.
   */
  private static void createRaw(String name, String grading) {
    GenericKubernetesResource raw =
        Serialization.unmarshal(
            """
        apiVersion: grading.inginious.org/v1alpha1
        kind: GradingEnvironment
        metadata: {name: %s, namespace: %s}
        spec:
          build: {prebuilt: {image: registry.example.edu/x:1}}
          grading: %s
        """
                .formatted(name, NS, grading),
            GenericKubernetesResource.class);
    client.genericKubernetesResources(ENVIRONMENTS).inNamespace(NS).resource(raw).create();
  }

  private static void createGood(String name, String environmentName) {
    TestImages.push(
        registry.host(),
        "inginious/env-" + environmentName,
        "v1",
        Map.of(Labels.IMAGE_NAME, environmentName));
    client
        .resource(
            Serialization.unmarshal(
                """
        apiVersion: grading.inginious.org/v1alpha1
        kind: GradingEnvironment
        metadata: {name: %s, namespace: %s}
        spec:
          environmentName: %s
          image: {insecure: true}
          build: {prebuilt: {image: "%s/inginious/env-%s:v1"}}
        """
                    .formatted(name, NS, environmentName, registry.host(), environmentName),
                GradingEnvironment.class))
        .create();
  }

  /** Read untyped: our own client cannot read the environments this test makes unreadable. */
  @SuppressWarnings("unchecked")
  private static Map<String, Object> readyCondition(String name) {
    GenericKubernetesResource raw =
        client.genericKubernetesResources(ENVIRONMENTS).inNamespace(NS).withName(name).get();
    Object status = raw.getAdditionalProperties().get("status");
    if (!(status instanceof Map<?, ?> map)
        || !(map.get("conditions") instanceof java.util.List<?> conditions)) {
      return Map.of();
    }
    return conditions.stream()
        .map(c -> (Map<String, Object>) c)
        .filter(c -> "Ready".equals(c.get("type")))
        .findFirst()
        .orElse(Map.of());
  }

  private static void awaitReason(String name, String reason) {
    await()
        .atMost(TIMEOUT)
        .untilAsserted(() -> assertThat(readyCondition(name)).containsEntry("reason", reason));
  }

  @Test
  void anEnvironmentThatCannotBeReadIsReportedAndTheOthersGoOn() {
    awaitReason("good-before", ConditionReasons.PLACED);
    awaitReason("from-newer-crd", ConditionReasons.UNSUPPORTED_SPEC);
    assertThat((String) readyCondition("from-newer-crd").get("message"))
        .contains("spec.grading.runtime")
        .contains("gvisor")
        .contains("upgrade the operator")
        .doesNotContain("Exception");

    // and while it runs: one more that cannot be read, one more good one
    createRaw("with-new-field", "{shmSize: 1Gi}");
    createGood("good-after", "good-after");
    awaitReason("with-new-field", ConditionReasons.UNSUPPORTED_SPEC);
    assertThat((String) readyCondition("with-new-field").get("message"))
        .contains("unknown field spec.grading.shmSize");
    awaitReason("good-after", ConditionReasons.PLACED);
    assertThat(
            client
                .resources(PodTemplate.class)
                .inNamespace(NS)
                .withName("with-new-field-grading")
                .get())
        .isNull();
  }

  @Test
  void theNewerOfTwoEnvironmentsWithOneEnvironmentNameWaitsForTheOlder() {
    createGood("php-first", "php");
    awaitReason("php-first", ConditionReasons.PLACED);
    createGood("php-second", "php");
    awaitReason("php-second", ConditionReasons.ENVIRONMENT_NAME_CONFLICT);
    assertThat((String) readyCondition("php-second").get("message"))
        .contains("grading/php-first")
        .contains("keeps serving");
    assertThat(
            client
                .resources(PodTemplate.class)
                .inNamespace(NS)
                .withName("php-second-grading")
                .get())
        .isNull();
    assertThat(readyCondition("php-first")).containsEntry("reason", ConditionReasons.PLACED);

    // the older one takes another name: the newer one is woken and serves "php"
    client
        .resources(GradingEnvironment.class)
        .inNamespace(NS)
        .withName("php-first")
        .edit(
            e -> {
              e.getSpec().environmentName = "php-legacy";
              return e;
            });
    awaitReason("php-second", ConditionReasons.PLACED);
    assertThat(
            client
                .resources(PodTemplate.class)
                .inNamespace(NS)
                .withName("php-second-grading")
                .get())
        .isNotNull();
  }
}
