package org.inginious.grading.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.inginious.grading.config.BuildsConfig;
import org.junit.jupiter.api.Test;

/** `render` shows the build ConfigMap and Kaniko Job of dockerfile environments. */
class RenderDockerfileTest {
  static final Path EXAMPLES = Path.of(System.getProperty("project.root", ".."), "examples");

  @Test
  void rendersTheBuildObjectsOfTheDockerfileExamples() {
    CommandLineTest.Run run =
        CommandLineTest.run(
            "render",
            "-f",
            EXAMPLES.resolve("dockerfile-php.yaml").toString(),
            EXAMPLES.resolve("prebuilt-default.yaml").toString(),
            EXAMPLES.resolve("dockerfile-python3-ai-cuda.yaml").toString());
    assertThat(run.exitCode()).as(run.err()).isZero();
    List<HasMetadata> objects =
        java.util.Arrays.stream(run.out().split("(?m)^---$"))
            .filter(doc -> !doc.isBlank())
            .map(doc -> (HasMetadata) Serialization.unmarshal(doc))
            .collect(Collectors.toList());
    List<Job> jobs = objects.stream().filter(Job.class::isInstance).map(Job.class::cast).toList();
    assertThat(jobs)
        .extracting(j -> j.getMetadata().getName())
        .satisfiesExactlyInAnyOrder(
            n -> assertThat(n).matches("php-build-[0-9a-f]{8}"),
            n -> assertThat(n).matches("python3-torch-cuda-build-[0-9a-f]{8}"));
    Job php =
        jobs.stream()
            .filter(j -> j.getMetadata().getName().startsWith("php-"))
            .findFirst()
            .orElseThrow();
    var container = php.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(container.getImage()).isEqualTo(BuildsConfig.DEFAULT_KANIKO_IMAGE);
    assertThat(container.getArgs())
        .contains(
            "--build-arg=BASE_IMAGE=ghcr.io/inginious/env-default@<digest of default>",
            "--build-arg=PHP_VERSION=8.2",
            "--label=org.inginious.grading.name=php",
            "--reproducible");
    assertThat(php.getMetadata().getAnnotations().get(Renderer.NOTE_ANNOTATION))
        .contains("BASE_IMAGE");
    ConfigMap context =
        objects.stream()
            .filter(ConfigMap.class::isInstance)
            .map(ConfigMap.class::cast)
            .filter(c -> c.getMetadata().getName().equals(php.getMetadata().getName()))
            .findFirst()
            .orElseThrow();
    assertThat(context.getData()).containsKeys("Dockerfile", "php.ini");

    Job cuda =
        jobs.stream()
            .filter(j -> j.getMetadata().getName().startsWith("python3-torch-cuda-"))
            .findFirst()
            .orElseThrow();
    assertThat(cuda.getSpec().getActiveDeadlineSeconds()).isEqualTo(90 * 60L);
    assertThat(cuda.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs())
        .contains(
            "--label=org.inginious.grading.need_gpu=1",
            "--build-arg=BASE_IMAGE=ghcr.io/inginious/env-python3:latest");
  }
}
