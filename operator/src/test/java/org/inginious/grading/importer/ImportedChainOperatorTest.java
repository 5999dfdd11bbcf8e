package org.inginious.grading.importer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.inginious.grading.importer.ImportFixtures.cli;
import static org.inginious.grading.importer.ImportFixtures.copy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.inginious.grading.GradingOperator;
import org.inginious.grading.api.GradingEnvironment;
import org.inginious.grading.api.Phase;
import org.inginious.grading.config.OperatorConfig;
import org.inginious.grading.image.common.BuildListener;
import org.inginious.grading.placement.Labels;
import org.inginious.grading.testing.LocalRegistry;
import org.inginious.grading.testing.MockCluster;
import org.inginious.grading.testing.RegistryContents;
import org.inginious.grading.testing.TestImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The output of `import` applied to the real operator (mock tier: CRUD API server, a real registry
 * on 127.0.0.1): a layers-only chain three deep, applied youngest first, becomes Ready in order,
 * each image built on its base's.
 */
class ImportedChainOperatorTest {
  static final String NS = "grading";
  static final Duration TIMEOUT = Duration.ofSeconds(60);
  static final GradingOperator.Settings FAST =
      new GradingOperator.Settings(
          Duration.ofMillis(200),
          Duration.ofSeconds(2),
          Duration.ofMinutes(5),
          Duration.ofMillis(500),
          null);

  @Test
  void theImportedChainBuildsInOrder(@TempDir Path dir) {
    try (LocalRegistry registry = LocalRegistry.open();
        MockCluster cluster = new MockCluster()) {
      // the grader's base image, built elsewhere (INGInious publishes it as env-base)
      TestImages.push(registry.host(), "inginious/env-base", "latest", Map.of());
      Path tree = copy("cases/chain/grading", dir.resolve("grading"));
      Path out = dir.resolve("out");
      var run =
          cli(
              "import",
              tree.toString(),
              "-o",
              out.toString(),
              "--namespace",
              NS,
              "--build-arg",
              "REGISTRY=" + registry.host(),
              "--repository-prefix",
              registry.host() + "/imported");
      assertThat(run.exitCode()).as(run.err()).isZero();

      Kustomized applied = Kustomized.read(out);
      KubernetesClient client = cluster.client();
      OperatorConfig config =
          OperatorConfig.parse(
              "builds: {jib: {cacheDir: " + dir.resolve("jib-cache") + "}}", "test");
      try (GradingOperator operator =
          new GradingOperator(client, config, Set.of(), FAST, null, null, BuildListener.NONE)
              .start()) {
        applied.configMaps().forEach(cm -> client.resource(cm).create());
        // youngest first: the order is the operator's business, not the file's
        for (String name : List.of("course-exam", "course-python", "course-base")) {
          GradingEnvironment environment =
              applied.environments().stream()
                  .filter(e -> e.getMetadata().getName().equals(name))
                  .findFirst()
                  .orElseThrow();
          environment.getSpec().image.insecure =
              true; // the test registry speaks plain HTTP (a kustomize patch in a lab)
          client.resource(environment).create();
        }
        await()
            .atMost(TIMEOUT)
            .untilAsserted(
                () ->
                    assertThat(List.of("course-base", "course-python", "course-exam"))
                        .allSatisfy(
                            name ->
                                assertThat(get(client, name).getStatus())
                                    .isNotNull()
                                    .satisfies(
                                        s ->
                                            assertThat(s.phase)
                                                .as(name + ": " + s.conditions)
                                                .isEqualTo(Phase.Ready))));
      }

      GradingEnvironment base = get(client, "course-base");
      GradingEnvironment python = get(client, "course-python");
      GradingEnvironment exam = get(client, "course-exam");
      assertThat(Instant.parse(python.getStatus().build.startTime))
          .isAfterOrEqualTo(Instant.parse(base.getStatus().build.completionTime));
      assertThat(Instant.parse(exam.getStatus().build.startTime))
          .isAfterOrEqualTo(Instant.parse(python.getStatus().build.completionTime));

      RegistryContents contents = new RegistryContents(registry.host());
      var baseManifest = manifest(contents, base);
      var pythonManifest = manifest(contents, python);
      var examManifest = manifest(contents, exam);
      assertThat(pythonManifest.layerDigests())
          .startsWith(baseManifest.layerDigests().toArray(String[]::new));
      assertThat(examManifest.layerDigests())
          .startsWith(pythonManifest.layerDigests().toArray(String[]::new));
      var files =
          contents.layer(
              "imported/env-course-exam",
              examManifest.layerDigests().get(examManifest.layerDigests().size() - 1));
      assertThat(files.get("/course/exam.txt").text()).isEqualTo("Exam rules: no network.\n");
      var imageConfig = contents.config("imported/env-course-exam", examManifest).path("config");
      assertThat(imageConfig.path("Labels").path(Labels.IMAGE_NAME).asText())
          .isEqualTo("course-exam");
      assertThat(imageConfig.path("WorkingDir").asText()).isEqualTo("/task");
      assertThat(
              contents
                  .config("imported/env-course-python", pythonManifest)
                  .path("config")
                  .path("Env")
                  .toString())
          .contains("PYTHONPATH=/course/lib");
      ConfigMap lib = client.configMaps().inNamespace(NS).withName("course-base-files-1").get();
      assertThat(lib.getData()).containsKey("feedback.py");
    }
  }

  static GradingEnvironment get(KubernetesClient client, String name) {
    return client.resources(GradingEnvironment.class).inNamespace(NS).withName(name).get();
  }

  static RegistryContents.Manifest manifest(
      RegistryContents contents, GradingEnvironment environment) {
    String image = environment.getStatus().image;
    String repository = image.substring(image.indexOf('/') + 1, image.indexOf('@'));
    return contents.manifest(repository, image.substring(image.indexOf('@') + 1));
  }
}
