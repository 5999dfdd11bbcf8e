package org.inginious.grading.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodTemplate;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionSpec;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaPropsBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.node.v1.RuntimeClass;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;
import org.inginious.grading.api.GradingEnvironment;
import org.inginious.grading.cli.HostileInputTest;
import org.inginious.grading.testing.LocalRegistry;
import org.inginious.grading.testing.TestImages;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The hostile-input corpus (src/test/resources/hostile/) on a real control plane: the API server
 * says of each manifest what `validate` and the CRD validator say; environments this operator
 * version cannot read (a CRD/operator version skew) sit beside good ones and every other
 * environment keeps being reconciled; two environments with one environmentName; and every hand
 * edit of what the operator created, additive ones included, is undone, while the server's own
 * defaults and other tools' metadata are left alone.
 */
@Order(5)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HostileInputIT {
  static final String NS = "e2e-hostile";
  static final Duration TIMEOUT = Duration.ofSeconds(60);
  static final String CRD_NAME = "gradingenvironments.grading.inginious.org";
  static final ResourceDefinitionContext ENVIRONMENTS =
      ResourceDefinitionContext.fromResourceType(GradingEnvironment.class);

  static ClassFixture fixture;
  static OperatorInstallation installation;
  static KubernetesClient admin;
  static LocalRegistry registry;
  static OperatorProcess operator;
  static CustomResourceDefinitionSpec released;

  @BeforeAll
  static void start() {
    // the fixture's kwok nodes bring the installer-owned RuntimeClass nvidia the edited environment
    // runs under
    fixture = ClassFixture.open(NS, Map.of());
    installation = fixture.installation;
    admin = fixture.admin;
    registry = fixture.registry;
    released =
        admin.apiextensions().v1().customResourceDefinitions().withName(CRD_NAME).get().getSpec();
  }

  @AfterAll
  static void stop() {
    fixture.close();
    // the environments only the newer CRD describes go, then the released CRD comes back
    admin.genericKubernetesResources(ENVIRONMENTS).inNamespace(NS).delete();
    await()
        .atMost(TIMEOUT)
        .until(
            () ->
                admin
                    .genericKubernetesResources(ENVIRONMENTS)
                    .inNamespace(NS)
                    .list()
                    .getItems()
                    .isEmpty());
    admin
        .apiextensions()
        .v1()
        .customResourceDefinitions()
        .withName(CRD_NAME)
        .edit(
            crd -> {
              crd.setSpec(released);
              return crd;
            });
  }

  // ---- the API server agrees with validate and the CRD validator
  // -----------------------------------------

  static Stream<Arguments> manifestsTheApiServerJudges() {
    return HostileInputTest.inputs("manifests").stream()
        .map(
            file ->
                Arguments.of(file.getFileName().toString(), file, HostileInputTest.header(file)))
        .filter(
            a ->
                ((Map<?, ?>) a.get()[2]).containsKey("crd")
                    || ((Map<?, ?>) a.get()[2]).containsKey("server"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("manifestsTheApiServerJudges")
  @Order(1)
  void theApiServerSaysWhatValidateSays(String name, Path file, Map<String, List<String>> header) {
    ControlPlane.ProcessOutput result =
        installation
            .cluster()
            .kubectl(
                "apply", "--dry-run=server", "--validate=strict", "-n", NS, "-f", file.toString());
    List<String> crd = header.getOrDefault("crd", List.of());
    if (crd.contains("accepted")) {
      assertThat(result.exitCode()).as("kubectl apply of %s: %s", name, result.output()).isZero();
      return;
    }
    assertThat(result.exitCode()).as("kubectl apply of %s: %s", name, result.output()).isNotZero();
    Stream.concat(crd.stream(), header.getOrDefault("server", List.of()).stream())
        .forEach(fragment -> assertThat(result.output()).as(name).contains(fragment));
  }

  // ---- one environment that cannot be read stops nothing
  // ---------------------------------------------------

  @Test
  @Order(2)
  void environmentsThisVersionCannotReadAreReportedAndEveryOtherOneGoesOn() {
    // Version skew as it happens: the CRD of a newer release (runtime gvisor, a field shmSize) was
    // applied (Helm never upgrades CRDs, so people apply them by hand or with another tool), users
    // wrote environments that use it, and this older operator runs (a rollback, or the chart of an
    // older release). The API server serves these environments; this operator cannot map them.
    installNewerCrd();
    createUnreadable(
        "from-newer-crd",
        "{runtime: gvisor}"); // there before the operator starts: in its first list
    createGood("steady", "steady");
    createGood("drift", "drift", "{runtime: nvidia}"); // as hostile/edits/_environment.yaml
    operator = fixture.startOperator("hostile-0");

    Scenarios.awaitReady(admin, NS, "steady");
    awaitReady(NS, "from-newer-crd", "UnsupportedSpec");
    assertThat(readyCondition("from-newer-crd").get("message"))
        .asString()
        .contains("spec.grading.runtime", "gvisor", "upgrade the operator");

    createUnreadable("with-new-field", "{shmSize: 1Gi}"); // and one while it runs: a watch event
    createGood("after", "after");
    awaitReady(NS, "with-new-field", "UnsupportedSpec");
    assertThat(readyCondition("with-new-field").get("message"))
        .asString()
        .contains("unknown field spec.grading.shmSize");
    Scenarios.awaitReady(admin, NS, "after");
    Scenarios.awaitReady(admin, NS, "drift");
    assertThat(operator.isAlive()).isTrue();
    assertThat(
            admin
                .resources(PodTemplate.class)
                .inNamespace(NS)
                .withName("with-new-field-grading")
                .get())
        .isNull();
  }

  private static void installNewerCrd() {
    admin
        .apiextensions()
        .v1()
        .customResourceDefinitions()
        .withName(CRD_NAME)
        .edit(
            crd -> {
              JSONSchemaProps grading =
                  crd.getSpec()
                      .getVersions()
                      .get(0)
                      .getSchema()
                      .getOpenAPIV3Schema()
                      .getProperties()
                      .get("spec")
                      .getProperties()
                      .get("grading");
              grading.getProperties().get("runtime").getEnum().add(new TextNode("gvisor"));
              grading
                  .getProperties()
                  .put("shmSize", new JSONSchemaPropsBuilder().withType("string").build());
              return crd;
            });
  }

  /** Created untyped, as kubectl would: our own types cannot hold it. */
  private static void createUnreadable(String name, String grading) {
    GenericKubernetesResource environment =
        Serialization.unmarshal(
            """
        apiVersion: grading.inginious.org/v1alpha1
        kind: GradingEnvironment
        metadata: {name: %s}
        spec:
          build: {prebuilt: {image: registry.example.edu/inginious/env-x:1}}
          grading: %s
        """
                .formatted(name, grading),
            GenericKubernetesResource.class);
    // the API server may take a moment to validate with the newer schema
    await()
        .atMost(Duration.ofSeconds(30))
        .ignoreExceptions()
        .until(
            () ->
                admin
                        .genericKubernetesResources(ENVIRONMENTS)
                        .inNamespace(NS)
                        .resource(environment)
                        .create()
                    != null);
  }

  private static void createGood(String name, String environmentName) {
    createGood(name, environmentName, "{}");
  }

  private static void createGood(String name, String environmentName, String grading) {
    TestImages.push(
        registry.host(),
        "inginious/env-" + environmentName,
        "v1",
        Map.of("org.inginious.grading.name", environmentName));
    Scenarios.apply(
        admin,
        NS,
        """
        apiVersion: grading.inginious.org/v1alpha1
        kind: GradingEnvironment
        metadata: {name: %s}
        spec:
          environmentName: %s
          image: {insecure: true}
          build: {prebuilt: {image: "%s/inginious/env-%s:v1"}}
          grading: %s
        """
            .formatted(name, environmentName, registry.host(), environmentName, grading));
  }

  /**
   * The Ready condition, read untyped: the admin's typed client cannot read every environment here
   * either.
   */
  @SuppressWarnings("unchecked")
  private static Map<String, Object> readyCondition(String name) {
    GenericKubernetesResource environment =
        admin.genericKubernetesResources(ENVIRONMENTS).inNamespace(NS).withName(name).get();
    Object status =
        environment == null ? null : environment.getAdditionalProperties().get("status");
    if (status instanceof Map<?, ?> map && map.get("conditions") instanceof List<?> conditions) {
      return conditions.stream()
          .map(c -> (Map<String, Object>) c)
          .filter(c -> "Ready".equals(c.get("type")))
          .findFirst()
          .orElse(Map.of());
    }
    return Map.of();
  }

  private static void awaitReady(String namespace, String name, String reason) {
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () ->
                assertThat(readyCondition(name))
                    .as("Ready of %s/%s", namespace, name)
                    .containsEntry("status", "False")
                    .containsEntry("reason", reason));
  }

  // ---- one environmentName, two environments
  // ---------------------------------------------------------------

  @Test
  @Order(3)
  void ofTwoEnvironmentsWithOneEnvironmentNameTheOlderServesAndTheNewerWaits() {
    createGood("grader-a", "grader");
    Scenarios.awaitReady(admin, NS, "grader-a");
    ControlPlane.sleep(1100); // creation timestamps have seconds
    createGood("grader-b", "grader");
    awaitReady(NS, "grader-b", "EnvironmentNameConflict");
    assertThat(readyCondition("grader-b").get("message"))
        .asString()
        .contains(NS + "/grader-a", "keeps serving");
    assertThat(
            admin.resources(PodTemplate.class).inNamespace(NS).withName("grader-b-grading").get())
        .isNull();
    assertThat(
            Scenarios.condition(Scenarios.environment(admin, NS, "grader-a"), "Ready")
                .orElseThrow()
                .getStatus())
        .isEqualTo("True");

    admin.resources(GradingEnvironment.class).inNamespace(NS).withName("grader-a").delete();
    Scenarios.awaitReady(admin, NS, "grader-b");
    assertThat(
            admin.resources(PodTemplate.class).inNamespace(NS).withName("grader-b-grading").get())
        .isNotNull();
  }

  // ---- hand edits
  // ------------------------------------------------------------------------------------------

  static Stream<Arguments> edits() {
    return HostileInputTest.inputs("edits").stream()
        .map(
            file ->
                Arguments.of(file.getFileName().toString(), file, HostileInputTest.header(file)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("edits")
  @Order(4)
  void handEditsAreUndoneWholeAndServerDefaultsLeftAlone(
      String name, Path file, Map<String, List<String>> header) {
    Class<? extends HasMetadata> type =
        header.get("object").get(0).equals("NetworkPolicy")
            ? NetworkPolicy.class
            : PodTemplate.class;
    HasMetadata before = admin.resources(type).inNamespace(NS).withName("drift-grading").get();
    JsonNode edit = HostileInputTest.edit(file);
    long reconciles = operator.reconcilesSucceeded(NS);
    HasMetadata edited =
        admin
            .resources(type)
            .inNamespace(NS)
            .withName("drift-grading")
            .patch(
                PatchContext.of(edit.isArray() ? PatchType.JSON : PatchType.JSON_MERGE),
                edit.toString());

    if (header.get("drift").get(0).equals("yes")) {
      assertThat(owned(edited)).as("the edit took").isNotEqualTo(owned(before));
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () ->
                  assertThat(
                          owned(
                              admin
                                  .resources(type)
                                  .inNamespace(NS)
                                  .withName("drift-grading")
                                  .get()))
                      .as("undone: %s", name)
                      .isEqualTo(owned(before)));
    } else if (!Objects.equals(
        edited.getMetadata().getResourceVersion(), before.getMetadata().getResourceVersion())) {
      // a change the operator sees (its informer): it looks, and leaves it
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> operator.reconcilesSucceeded(NS) > reconciles);
      assertThat(
              admin
                  .resources(type)
                  .inNamespace(NS)
                  .withName("drift-grading")
                  .get()
                  .getMetadata()
                  .getResourceVersion())
          .as("not rewritten: %s", name)
          .isEqualTo(edited.getMetadata().getResourceVersion());
    }
    Scenarios.awaitReady(admin, NS, "drift");
  }

  /** What the operator owns of the object: a PodTemplate's template, a NetworkPolicy's spec. */
  private static JsonNode owned(HasMetadata object) {
    JsonNode json = admin.getKubernetesSerialization().convertValue(object, JsonNode.class);
    return json.has("template") ? json.get("template") : json.get("spec");
  }

  @Test
  @Order(5)
  void onceEverythingIsUndoneNothingIsWritten() {
    AuditLog audit = new AuditLog(installation.cluster().auditLog());
    long mark = audit.mark();
    // wake the environments on the nvidia RuntimeClass (an annotation the operator ignores) and
    // wait
    // for their reconciles to finish: a drift check that loops would write here
    long reconciled = operator.reconcilesSucceeded(NS);
    admin
        .resources(RuntimeClass.class)
        .withName("nvidia")
        .edit(
            rc -> {
              rc.getMetadata()
                  .setAnnotations(
                      Map.of(
                          "e2e.grading.inginious.org/touched", Long.toString(System.nanoTime())));
              return rc;
            });
    await().atMost(TIMEOUT).until(() -> operator.reconcilesSucceeded(NS) > reconciled);
    assertThat(
            audit.requestsSince(mark).stream()
                .filter(AuditLog.Request::isWrite)
                .filter(r -> !r.resource().equals("leases"))
                .map(AuditLog.Request::toString)
                .toList())
        .as("writes by the operator while nothing changed")
        .isEmpty();
    assertThat(operator.isAlive()).isTrue();
    assertThat(logOf(operator))
        .doesNotContain("Fatal error in informer")
        .doesNotContain("Stopping the operator");
  }

  private static String logOf(OperatorProcess process) {
    try {
      return Files.readString(process.log());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
