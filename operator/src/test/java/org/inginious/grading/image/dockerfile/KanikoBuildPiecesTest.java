package org.inginious.grading.image.dockerfile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.inginious.grading.api.GradingEnvironment;
import org.inginious.grading.image.common.ImageProblem;
import org.inginious.grading.testing.Environments;
import org.junit.jupiter.api.Test;

/**
 * The pure parts of Kaniko builds: the plan and its hash, reading a termination message, log tails.
 */
class KanikoBuildPiecesTest {
  static final String KANIKO = "ghcr.io/osscontainertools/kaniko:v1.28.3";

  static GradingEnvironment env(String build) {
    return Environments.fromYaml(
        """
        apiVersion: grading.inginious.org/v1alpha1
        kind: GradingEnvironment
        metadata: {name: php, namespace: grading}
        spec:
          image: {repository: registry.example.edu/inginious/env-php}
          build:
        %s
        """
            .formatted(build.indent(4).stripTrailing()));
  }

  static ConfigMap cm(String name, Map<String, String> data) {
    return new ConfigMapBuilder()
        .withNewMetadata()
        .withName(name)
        .endMetadata()
        .withData(data)
        .build();
  }

  static DockerfilePlan plan(String build, Map<String, ConfigMap> configMaps, String executor)
      throws ImageProblem {
    return DockerfilePlan.of(
        env(build),
        Optional.of("registry.example.edu/base@sha256:" + "1".repeat(64)),
        configMaps,
        executor);
  }

  @Test
  void theHashCoversWhatShapesTheImageAndNothingElse() throws Exception {
    String build = "dockerfile: {inline: \"FROM x\", buildArgs: {A: b}}";
    DockerfilePlan plan = plan(build, Map.of(), KANIKO);
    assertThat(plan.hash()).matches("sha256:[0-9a-f]{64}");
    assertThat(plan.destination())
        .isEqualTo("registry.example.edu/inginious/env-php:" + plan.hash().substring(7, 23));
    assertThat(plan.timeout()).hasMinutes(30);
    assertThat(
            plan(build + "\ntimeout: 5m\nresources: {limits: {memory: 4Gi}}", Map.of(), KANIKO)
                .hash())
        .as("timeout and resources are not inputs")
        .isEqualTo(plan.hash());
    assertThat(plan(build, Map.of(), KANIKO + "-other").hash())
        .as("executor image")
        .isNotEqualTo(plan.hash());
    assertThat(plan("dockerfile: {inline: \"FROM x\", buildArgs: {A: c}}", Map.of(), KANIKO).hash())
        .isNotEqualTo(plan.hash());
    assertThat(
            plan("dockerfile: {inline: \"FROM x\", buildArgs: {A: b}, target: t}", Map.of(), KANIKO)
                .hash())
        .isNotEqualTo(plan.hash());
    assertThat(
            DockerfilePlan.of(
                    env(build),
                    Optional.of("registry.example.edu/base@sha256:" + "2".repeat(64)),
                    Map.of(),
                    KANIKO)
                .hash())
        .as("the base digest")
        .isNotEqualTo(plan.hash());
    assertThat(plan.buildArgs())
        .containsEntry("BASE_IMAGE", "registry.example.edu/base@sha256:" + "1".repeat(64));
  }

  @Test
  void theDockerfileComesFromAConfigMapKeyDockerfileByDefault() throws Exception {
    var configMaps =
        Map.of(
            "df",
            cm("df", Map.of("Dockerfile", "FROM a\n", "Other", "FROM b\n")),
            "ctx",
            cm("ctx", Map.of("run.sh", "echo\n")));
    DockerfilePlan plan =
        plan(
            "dockerfile: {configMapRef: {name: df}, contextConfigMapRef: {name: ctx}}",
            configMaps,
            KANIKO);
    assertThat(plan.contextData())
        .containsOnly(Map.entry("Dockerfile", "FROM a\n"), Map.entry("run.sh", "echo\n"));
    assertThat(plan.dockerfileKey()).isEqualTo("Dockerfile");
    DockerfilePlan other =
        plan("dockerfile: {configMapRef: {name: df, key: Other}}", configMaps, KANIKO);
    assertThat(other.contextData()).containsOnly(Map.entry("Dockerfile", "FROM b\n"));
    assertThat(other.hash()).isNotEqualTo(plan.hash());
    configMaps.get("ctx").getData().put("run.sh", "echo 2\n");
    assertThat(
            plan(
                    "dockerfile: {configMapRef: {name: df}, contextConfigMapRef: {name: ctx}}",
                    configMaps,
                    KANIKO)
                .hash())
        .as("a context file changed")
        .isNotEqualTo(plan.hash());

    assertThatThrownBy(
            () -> plan("dockerfile: {configMapRef: {name: df, key: Missing}}", configMaps, KANIKO))
        .isInstanceOfSatisfying(
            ImageProblem.class, p -> assertThat(p.reason()).isEqualTo("ConfigMapKeyMissing"))
        .hasMessageContaining("grading/df")
        .hasMessageContaining("'Missing'");
    assertThatThrownBy(
            () ->
                plan(
                    "dockerfile: {inline: x, contextConfigMapRef: {name: nope}}",
                    configMaps,
                    KANIKO))
        .isInstanceOfSatisfying(
            ImageProblem.class, p -> assertThat(p.reason()).isEqualTo("ConfigMapMissing"))
        .hasMessageContaining("spec.build.dockerfile.contextConfigMapRef");
    var huge = Map.of("big", cm("big", Map.of("blob", "x".repeat(1_100_000))));
    assertThatThrownBy(
            () -> plan("dockerfile: {inline: x, contextConfigMapRef: {name: big}}", huge, KANIKO))
        .isInstanceOfSatisfying(
            ImageProblem.class, p -> assertThat(p.reason()).isEqualTo("BuildContextTooLarge"));
  }

  @Test
  void theDigestMustNameThePushedRepository() {
    String digest = "sha256:" + "a".repeat(64);
    assertThat(
            BuildProgress.digestOf(
                "registry.example.edu/inginious/env-php@" + digest + "\n",
                "registry.example.edu/inginious/env-php"))
        .contains(digest);
    assertThat(
            BuildProgress.digestOf(
                "registry.example.edu/inginious/env-php:0123@" + digest,
                "registry.example.edu/inginious/env-php"))
        .as("repo:tag@digest")
        .contains(digest);
    assertThat(BuildProgress.digestOf("localhost:5000/env@" + digest, "localhost:5000/env"))
        .contains(digest);
    assertThat(
            BuildProgress.digestOf(
                "index.docker.io/inginious/env-php@" + digest, "inginious/env-php"))
        .contains(digest);
    assertThat(BuildProgress.digestOf("index.docker.io/library/php@" + digest, "docker.io/php"))
        .contains(digest);
    assertThat(
            BuildProgress.digestOf(
                "registry.example.edu/inginious/env-other@" + digest,
                "registry.example.edu/inginious/env-php"))
        .isEmpty();
    assertThat(
            BuildProgress.digestOf(
                "registry.example.edu/inginious/env-php@sha256:abc",
                "registry.example.edu/inginious/env-php"))
        .isEmpty();
    assertThat(BuildProgress.digestOf(null, "x")).isEmpty();
  }

  @Test
  void logTailsAreBoundedAndHideCredentials() {
    String log =
        "x".repeat(5000)
            + "\n"
            + "{\"auths\":{\"r\":{\"auth\":\"YnVpbGRlcjpzM2NyZXQ=\",\"password\":\"s3cret\"}}}\n"
            + "GITHUB_TOKEN=ghp_"
            + "A".repeat(36)
            + "\n"
            + "docker login -p s3cret-pass r.example\n"
            + "https://user:s3cret@git.example.edu/repo.git\n"
            + "key AKIAABCDEFGHIJKLMNOP\n"
            + "using build arg value my-private-value\n"
            + "error: exit status 1";
    String tail = LogTails.of(log, List.of("my-private-value"));
    assertThat(tail.getBytes(StandardCharsets.UTF_8).length)
        .isLessThanOrEqualTo(LogTails.MAX_BYTES);
    assertThat(tail)
        .endsWith("error: exit status 1")
        .startsWith("…")
        .doesNotContain("s3cret")
        .doesNotContain("YnVpbGRlcjpzM2NyZXQ=")
        .doesNotContain("ghp_")
        .doesNotContain("AKIAABCDEFGHIJKLMNOP")
        .doesNotContain("my-private-value");
    assertThat(LogTails.of("plain build output", List.of())).isEqualTo("plain build output");
    assertThat(LogTails.of("  ", List.of())).isNull();
    assertThat(LogTails.looksSecret("NPM_TOKEN")).isTrue();
    assertThat(LogTails.looksSecret("PHP_VERSION")).isFalse();
  }

  @Test
  void longEnvironmentNamesDoNotFitAJobName() {
    GradingEnvironment env = env("dockerfile: {inline: x}");
    env.getMetadata().setName("a".repeat(48));
    assertThat(
            org.inginious.grading.image.common.BuildHash.buildName(env, "sha256:" + "0".repeat(64)))
        .hasSize(KanikoJobs.MAX_NAME);
  }
}
