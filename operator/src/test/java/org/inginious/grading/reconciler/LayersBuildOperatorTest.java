package org.inginious.grading.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.PodTemplate;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.inginious.grading.GradingOperator;
import org.inginious.grading.api.ConditionReasons;
import org.inginious.grading.api.GradingEnvironment;
import org.inginious.grading.api.Phase;
import org.inginious.grading.config.OperatorConfig;
import org.inginious.grading.placement.Labels;
import org.inginious.grading.testing.Environments;
import org.inginious.grading.testing.LocalRegistry;
import org.inginious.grading.testing.MockCluster;
import org.inginious.grading.testing.RegistryContents;
import org.inginious.grading.testing.TestImages;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `layers` environments built for real with jib and pushed to a registry on 127.0.0.1. */
class LayersBuildOperatorTest {
  static final Duration TIMEOUT = Duration.ofSeconds(30);
  static final String NS = "grading";

  @TempDir static Path cache;
  static LocalRegistry registry;
  static RegistryContents contents;
  static MockCluster cluster;
  static KubernetesClient client;
  static OperatorConfig config;
  static GradingOperator operator;
  static final org.inginious.grading.testing.Reconciles reconciles =
      new org.inginious.grading.testing.Reconciles();

  @BeforeAll
  static void start() {
    registry = LocalRegistry.open();
    contents = new RegistryContents(registry.host());
    cluster = new MockCluster();
    client = cluster.client();
    config = OperatorConfig.parse("builds: {jib: {cacheDir: " + cache + "}}", "test");
    operator = startOperator();
    // kata-deploy and the NVIDIA GPU operator install these in a real cluster
    client
        .resource(
            new io.fabric8.kubernetes.api.model.node.v1.RuntimeClassBuilder()
                .withNewMetadata()
                .withName("nvidia")
                .endMetadata()
                .withHandler("nvidia")
                .build())
        .create();
  }

  static GradingOperator startOperator() {
    return new GradingOperator(
            client,
            config,
            Set.of(),
            PrebuiltEnvironmentOperatorTest.FAST,
            reconciles,
            null,
            org.inginious.grading.image.common.BuildListener.NONE)
        .start();
  }

  @AfterAll
  static void stop() {
    operator.close();
    cluster.close();
    registry.close();
  }

  static void configMap(String name, Map<String, String> data) {
    ConfigMap cm =
        new ConfigMapBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(NS)
            .endMetadata()
            .withData(data)
            .build();
    client.resource(cm).createOr(existing -> existing.update());
  }

  static GradingEnvironment layers(
      String name, String repositoryHost, String buildYaml, String gradingYaml) {
    return layers(name, repositoryHost, "", buildYaml, gradingYaml);
  }

  static GradingEnvironment layers(
      String name, String repositoryHost, String imageExtra, String buildYaml, String gradingYaml) {
    GradingEnvironment env =
        Environments.fromYaml(
            """
        apiVersion: grading.inginious.org/v1alpha1
        kind: GradingEnvironment
        metadata: {name: %s, namespace: %s}
        spec:
          image: {repository: "%s/inginious/env-%s", insecure: true%s}
          build:
        %s
          grading:
        %s
        """
                .formatted(
                    name,
                    NS,
                    repositoryHost,
                    name,
                    imageExtra,
                    buildYaml.indent(4).stripTrailing(),
                    gradingYaml.isBlank() ? "    {}" : gradingYaml.indent(4).stripTrailing()));
    return client.resource(env).create();
  }

  static void edit(String name, java.util.function.Consumer<GradingEnvironment> change) {
    client
        .resources(GradingEnvironment.class)
        .inNamespace(NS)
        .withName(name)
        .edit(
            e -> {
              change.accept(e);
              return e;
            });
  }

  static GradingEnvironment get(String name) {
    return client.resources(GradingEnvironment.class).inNamespace(NS).withName(name).get();
  }

  static Condition ready(GradingEnvironment env) {
    return Conditions.find(env.getStatus().conditions, Conditions.READY).orElseThrow();
  }

  static GradingEnvironment awaitReason(String name, String reason) {
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () -> {
              GradingEnvironment env = get(name);
              assertThat(env.getStatus()).isNotNull();
              assertThat(ready(env).getReason())
                  .as(() -> ready(env).getMessage())
                  .isEqualTo(reason);
            });
    return get(name);
  }

  static GradingEnvironment awaitNewImage(String name, String previousImage) {
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () -> {
              GradingEnvironment env = get(name);
              assertThat(env.getStatus().phase).isEqualTo(Phase.Ready);
              assertThat(env.getStatus().image).isNotEqualTo(previousImage);
            });
    return get(name);
  }

  static long manifestPushes(LocalRegistry registry, String repository) {
    return Pattern.compile("PUT /v2/" + Pattern.quote(repository) + "/manifests/")
        .matcher(registry.logText())
        .results()
        .count();
  }

  static PodTemplate podTemplate(String name) {
    return client.resources(PodTemplate.class).inNamespace(NS).withName(name + "-grading").get();
  }

  @Test
  void buildsPushesAndPlacesALayersEnvironment() {
    configMap("runner-script", Map.of("run.sh", "#!/bin/sh\nexec \"$@\"\n"));
    layers(
        "runner",
        registry.host(),
        """
        layers:
          files: [{configMapRef: {name: runner-script}, path: /task/bin, mode: "0755"}]
          env: {LANG: C.UTF-8}
          workingDir: /task
        """,
        "gpu: {count: 1}");

    GradingEnvironment env = awaitReason("runner", ConditionReasons.PLACED);
    assertThat(env.getStatus().phase).isEqualTo(Phase.Ready);
    String repository = "inginious/env-runner";
    assertThat(env.getStatus().image).startsWith(registry.host() + "/" + repository + "@sha256:");
    assertThat(env.getStatus().buildHash).matches("sha256:[0-9a-f]{64}");
    assertThat(env.getStatus().build.name)
        .isEqualTo("runner-build-" + env.getStatus().buildHash.substring(7, 15));
    assertThat(env.getStatus().build.completionTime).isNotNull();

    String digest = env.getStatus().image.substring(env.getStatus().image.indexOf('@') + 1);
    RegistryContents.Manifest manifest = contents.manifest(repository, digest);
    assertThat(manifest.digest()).isEqualTo(digest);
    // pushed under the hash prefix as its tag
    assertThat(contents.manifest(repository, env.getStatus().buildHash.substring(7, 23)).digest())
        .isEqualTo(digest);

    JsonNode config = contents.config(repository, manifest).path("config");
    assertThat(config.path("Labels").path(Labels.IMAGE_NAME).asText()).isEqualTo("runner");
    assertThat(config.path("Labels").has(Labels.IMAGE_NEED_GPU)).isTrue();
    assertThat(config.path("Labels").has(Labels.IMAGE_NEED_ROOT)).isFalse();
    List<String> envVars = new ArrayList<>();
    config.path("Env").forEach(v -> envVars.add(v.asText()));
    assertThat(envVars)
        .contains(
            "LANG=C.UTF-8",
            "NVIDIA_VISIBLE_DEVICES=all",
            "NVIDIA_DRIVER_CAPABILITIES=compute,utility");
    assertThat(config.path("WorkingDir").asText()).isEqualTo("/task");

    var files =
        contents.layer(repository, manifest.layerDigests().get(manifest.layerDigests().size() - 1));
    assertThat(files).containsKey("/task/bin/run.sh");
    assertThat(files.get("/task/bin/run.sh").text()).isEqualTo("#!/bin/sh\nexec \"$@\"\n");
    assertThat(files.get("/task/bin/run.sh").mode() & 0777).isEqualTo(0755);

    assertThat(podTemplate("runner").getTemplate().getSpec().getContainers().get(0).getImage())
        .isEqualTo(env.getStatus().image);
    assertThat(podTemplate("runner").getTemplate().getSpec().getRuntimeClassName())
        .isEqualTo("nvidia")
        .as("gpu -> nvidia");
  }

  @Test
  void unchangedInputsNeverRebuildNotEvenAfterARestart() throws Exception {
    configMap("stable-files", Map.of("a.txt", "a"));
    layers(
        "stable",
        registry.host(),
        "layers:\n  files: [{configMapRef: {name: stable-files}, path: /opt}]",
        "");
    GradingEnvironment first = awaitReason("stable", ConditionReasons.PLACED);
    long pushes = manifestPushes(registry, "inginious/env-stable");
    assertThat(pushes).isGreaterThanOrEqualTo(1);

    // Let the watches go quiet first: the mock server's watch sender blocks its event loop for a
    // minute when a watch closes while an event is being sent (fabric8 WatchEventsListener).
    Thread.sleep(1500);
    operator.close();
    operator = startOperator();
    // an unrelated edit of the spec (not an input of the image) reconciles again
    edit("stable", e -> e.getSpec().grading.activeDeadlineSeconds = 99L);
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () ->
                assertThat(podTemplate("stable").getTemplate().getSpec().getActiveDeadlineSeconds())
                    .isEqualTo(99L));
    reconciles.awaitReconciledAgain(client, "runc", "stable");

    GradingEnvironment after = get("stable");
    assertThat(after.getStatus().image).isEqualTo(first.getStatus().image);
    assertThat(after.getStatus().buildHash).isEqualTo(first.getStatus().buildHash);
    assertThat(after.getStatus().build.startTime).isEqualTo(first.getStatus().build.startTime);
    assertThat(manifestPushes(registry, "inginious/env-stable")).isEqualTo(pushes);
  }

  @Test
  void editingAReferencedConfigMapRebuildsAndMovesThePodTemplate() {
    configMap("lib-files", Map.of("lib.py", "VERSION = 1\n"));
    layers(
        "lib",
        registry.host(),
        "layers:\n  files: [{configMapRef: {name: lib-files}, path: /course/lib}]",
        "");
    GradingEnvironment first = awaitReason("lib", ConditionReasons.PLACED);

    configMap("lib-files", Map.of("lib.py", "VERSION = 2\n"));
    GradingEnvironment second = awaitNewImage("lib", first.getStatus().image);
    assertThat(second.getStatus().buildHash).isNotEqualTo(first.getStatus().buildHash);
    assertThat(podTemplate("lib").getTemplate().getSpec().getContainers().get(0).getImage())
        .isEqualTo(second.getStatus().image);
    String digest = second.getStatus().image.substring(second.getStatus().image.indexOf('@') + 1);
    var manifest = contents.manifest("inginious/env-lib", digest);
    var files =
        contents.layer(
            "inginious/env-lib", manifest.layerDigests().get(manifest.layerDigests().size() - 1));
    assertThat(files).as("layer entries").containsKey("/course/lib/lib.py");
    assertThat(files.get("/course/lib/lib.py").text()).isEqualTo("VERSION = 2\n");
  }

  @Test
  void aChildWaitsForItsBaseAndIsRebuiltOnceAfterIt() {
    configMap("child-files", Map.of("child.txt", "child"));
    // the child first: its base does not exist yet
    layers(
        "child",
        registry.host(),
        """
        base: {environment: parent}
        layers:
          files: [{configMapRef: {name: child-files}, path: /child}]
        """,
        "");
    awaitReason("child", "BaseNotFound");

    configMap("parent-files", Map.of("parent.txt", "v1"));
    layers(
        "parent",
        registry.host(),
        "layers:\n  files: [{configMapRef: {name: parent-files}, path: /parent}]",
        "");
    GradingEnvironment parent = awaitReason("parent", ConditionReasons.PLACED);
    GradingEnvironment child = awaitReason("child", ConditionReasons.PLACED);
    String childRepo = "inginious/env-child";
    var childManifest =
        contents.manifest(
            childRepo, child.getStatus().image.substring(child.getStatus().image.indexOf('@') + 1));
    var parentManifest =
        contents.manifest(
            "inginious/env-parent",
            parent.getStatus().image.substring(parent.getStatus().image.indexOf('@') + 1));
    assertThat(childManifest.layerDigests())
        .startsWith(parentManifest.layerDigests().toArray(String[]::new));
    long childPushes = manifestPushes(registry, childRepo);

    configMap("parent-files", Map.of("parent.txt", "v2"));
    GradingEnvironment newParent = awaitNewImage("parent", parent.getStatus().image);
    GradingEnvironment newChild = awaitNewImage("child", child.getStatus().image);
    assertThat(Instant.parse(newChild.getStatus().build.startTime))
        .isAfterOrEqualTo(Instant.parse(newParent.getStatus().build.completionTime));
    var rebuilt =
        contents.manifest(
            childRepo,
            newChild.getStatus().image.substring(newChild.getStatus().image.indexOf('@') + 1));
    var newParentManifest =
        contents.manifest(
            "inginious/env-parent",
            newParent.getStatus().image.substring(newParent.getStatus().image.indexOf('@') + 1));
    assertThat(rebuilt.layerDigests())
        .startsWith(newParentManifest.layerDigests().toArray(String[]::new));
    await()
        .pollDelay(Duration.ofSeconds(1))
        .atMost(TIMEOUT)
        .untilAsserted(
            () -> assertThat(manifestPushes(registry, childRepo)).isEqualTo(childPushes + 1));
  }

  @Test
  void missingConfigMapAndBaseImageAreReportedThenRecover() {
    layers(
        "needs-files",
        registry.host(),
        "layers:\n  files: [{configMapRef: {name: not-yet}, path: /opt}]",
        "");
    GradingEnvironment missing = awaitReason("needs-files", "ConfigMapMissing");
    assertThat(ready(missing).getMessage())
        .contains("grading/not-yet")
        .contains("spec.build.layers.files[0].configMapRef");
    configMap("not-yet", Map.of("f", "x"));
    awaitReason("needs-files", ConditionReasons.PLACED);

    layers(
        "needs-base",
        registry.host(),
        "base: {image: \"" + registry.host() + "/library/base:v1\"}\nlayers: {env: {A: b}}",
        "");
    awaitReason("needs-base", "BaseImageNotFound");
    TestImages.push(registry.host(), "library/base", "v1", Map.of());
    GradingEnvironment built = awaitReason("needs-base", ConditionReasons.PLACED);
    assertThat(built.getStatus().phase).isEqualTo(Phase.Ready);
  }

  @Test
  void wrongPushCredentialsThenAStoppedRegistryAreReportedAndRecover() {
    try (LocalRegistry secured = LocalRegistry.withHtpasswd("builder", "right-password")) {
      client
          .resource(dockerConfig("push-creds", secured.host(), "builder", "wrong-password"))
          .create();
      layers(
          "secured",
          secured.host(),
          ", pushSecretRef: {name: push-creds}",
          "layers: {env: {A: b}}",
          "");
      GradingEnvironment unauthorized = awaitReason("secured", "PushUnauthorized");
      assertThat(unauthorized.getStatus().phase).isEqualTo(Phase.Failed);
      assertThat(
              Conditions.find(unauthorized.getStatus().conditions, Conditions.BUILT)
                  .orElseThrow()
                  .getReason())
          .isEqualTo("PushUnauthorized");
      assertThat(unauthorized.toString()).doesNotContain("wrong-password");

      secured.stop();
      client
          .resource(dockerConfig("push-creds", secured.host(), "builder", "right-password"))
          .update();
      awaitReason("secured", "RegistryUnavailable");

      secured.start();
      GradingEnvironment ready = awaitReason("secured", ConditionReasons.PLACED);
      assertThat(ready.getStatus().image)
          .startsWith(secured.host() + "/inginious/env-secured@sha256:");
    }
  }

  static io.fabric8.kubernetes.api.model.Secret dockerConfig(
      String name, String host, String user, String password) {
    String auth =
        Base64.getEncoder()
            .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    String json = "{\"auths\":{\"" + host + "\":{\"auth\":\"" + auth + "\"}}}";
    return new SecretBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(NS)
        .endMetadata()
        .withType("kubernetes.io/dockerconfigjson")
        .withData(
            Map.of(
                ".dockerconfigjson",
                Base64.getEncoder().encodeToString(json.getBytes(StandardCharsets.UTF_8))))
        .build();
  }
}
