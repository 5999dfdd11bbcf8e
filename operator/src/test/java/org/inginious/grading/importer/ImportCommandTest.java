package org.inginious.grading.importer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.inginious.grading.importer.ImportFixtures.cli;
import static org.inginious.grading.importer.ImportFixtures.copy;
import static org.inginious.grading.importer.ImportFixtures.snapshot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.inginious.grading.cli.Renderer;
import org.inginious.grading.config.OperatorConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `import` on the command line: the table, exit codes, the kustomization, and the round trip. */
class ImportCommandTest {

  @Test
  void printsATableWithEnvironmentSourceBaseRuntimeAndWarnings(@TempDir Path dir) {
    Path tree = copy("current/grading", dir.resolve("grading"));
    var run =
        cli(
            "import",
            tree.toString(),
            "-o",
            dir.resolve("out").toString(),
            "--repository-prefix",
            "registry.local/courses");
    assertThat(run.exitCode()).as(run.err()).isZero();
    List<String> lines = run.out().lines().toList();
    assertThat(lines.get(0)).matches("ENVIRONMENT +SOURCE +BUILD +BASE +RUNTIME +WARNINGS");
    assertThat(lines)
        .anySatisfy(
            l ->
                assertThat(l)
                    .matches(
                        "R-bio \\(r-bio\\) +r-bio/Dockerfile +dockerfile +environment r +runc +-"));
    assertThat(lines)
        .anySatisfy(
            l ->
                assertThat(l)
                    .matches(
                        "sysadmin +sysadmin/Dockerfile +dockerfile +ghcr.io/inginious/env-base:latest +kata-qemu +-"));
    assertThat(lines)
        .anySatisfy(
            l -> assertThat(l).matches("algo +algo/Dockerfile +layers +environment cpp +runc +-"));
    assertThat(lines)
        .anySatisfy(
            l ->
                assertThat(l)
                    .matches(
                        "broken +broken/Dockerfile +- +- +- +NOT IMPORTED: .*unknown instruction 'FORM'"));
    assertThat(lines)
        .contains(
            "note: skipped python3/: no Dockerfile",
            "13 environment(s) imported (3 with warnings), 1 not imported.");
    assertThat(run.out()).doesNotContain("pass --repository-prefix");
  }

  @Test
  void theRuntimeColumnFollowsTheOperatorConfiguration(@TempDir Path dir) throws IOException {
    Path tree = copy("current/grading", dir.resolve("grading"));
    Path config =
        Files.writeString(
            dir.resolve("config.yaml"),
            "defaultRuntime: crun\nruntimes: {kata: {runtimeClassName: kata-clh}}\n");
    var run = cli("import", tree.toString(), "--config", config.toString());
    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out().lines())
        .anySatisfy(
            l ->
                assertThat(l)
                    .matches("sysadmin +sysadmin/Dockerfile +dockerfile +\\S+ +kata-clh +-"));
    assertThat(run.out().lines())
        .anySatisfy(l -> assertThat(l).matches("cpp +cpp/Dockerfile +dockerfile +\\S+ +crun +-"));
  }

  @Test
  void badOptionsExitTwo(@TempDir Path dir) throws IOException {
    Path tree = copy("cases/chain/grading", dir.resolve("grading"));
    assertThat(cli("import", tree.toString(), "--namespace", "Grading_Env").err())
        .contains("is not a namespace name");
    assertThat(
            cli("import", tree.toString(), "--repository-prefix", "registry.local/x:1").exitCode())
        .isEqualTo(2);
    Path config = Files.writeString(dir.resolve("config.yaml"), "defaultRuntime: kata\n");
    assertThat(cli("import", tree.toString(), "--config", config.toString()).exitCode())
        .isEqualTo(2);
  }

  @Test
  void exitsOneWhenNothingCouldBeImported(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("Dockerfile"), "FORM nothing\n");
    var run = cli("import", dir.toString(), "-o", dir.resolve("out").toString());
    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err()).contains("nothing could be imported");
    assertThat(dir.resolve("out")).doesNotExist();
    assertThat(cli("import", dir.resolve("absent").toString()).exitCode()).isEqualTo(2);
  }

  @Test
  void withoutOutputNothingIsWritten(@TempDir Path dir) {
    Path tree = copy("cases/chain/grading", dir.resolve("grading"));
    var run = cli("import", tree.toString());
    assertThat(run.exitCode()).isZero();
    assertThat(run.out())
        .contains("Nothing written: pass -o OUTDIR")
        .contains("pass --repository-prefix REGISTRY/PATH");
    assertThat(snapshot(dir).keySet()).allMatch(path -> path.startsWith("grading"));
  }

  @Test
  void importingTwiceWritesTheSameBytes(@TempDir Path dir) {
    Path tree = copy("current/grading", dir.resolve("grading"));
    Path out = dir.resolve("out");
    assertThat(
            cli("import", tree.toString(), "-o", out.toString(), "--namespace", "grading")
                .exitCode())
        .isZero();
    Map<String, byte[]> first = snapshot(out);
    assertThat(
            cli("import", tree.toString(), "-o", out.toString(), "--namespace", "grading")
                .exitCode())
        .isZero();
    Map<String, byte[]> second = snapshot(out);
    assertThat(second.keySet()).isEqualTo(first.keySet());
    first.forEach((path, bytes) -> assertThat(second.get(path)).as(path).isEqualTo(bytes));
    assertThat(
            cli(
                    "import",
                    tree.toString(),
                    "-o",
                    dir.resolve("elsewhere").toString(),
                    "--namespace",
                    "grading")
                .exitCode())
        .isZero();
    Map<String, byte[]> elsewhere = snapshot(dir.resolve("elsewhere"));
    first.forEach((path, bytes) -> assertThat(elsewhere.get(path)).as(path).isEqualTo(bytes));
  }

  @Test
  void aSecondImportRemovesWhatTheFirstWroteAndNothingElse(@TempDir Path dir) throws IOException {
    Path tree = copy("cases/chain/grading", dir.resolve("grading"));
    Path out = dir.resolve("out");
    assertThat(cli("import", tree.toString(), "-o", out.toString()).exitCode()).isZero();
    Files.writeString(out.resolve("README.md"), "ours\n");
    deleteRecursively(tree.resolve("course-exam"));
    assertThat(cli("import", tree.toString(), "-o", out.toString()).exitCode()).isZero();
    assertThat(out.resolve("environments/course-exam.yaml")).doesNotExist();
    assertThat(out.resolve("contexts/course-exam-files-1")).doesNotExist();
    assertThat(out.resolve("README.md")).hasContent("ours");
  }

  @Test
  void refusesAnOutputDirectoryItDidNotWrite(@TempDir Path dir) throws IOException {
    Path tree = copy("cases/chain/grading", dir.resolve("grading"));
    Path out = Files.createDirectories(dir.resolve("out"));
    Files.writeString(out.resolve("kustomization.yaml"), "resources: [app.yaml]\n");
    var run = cli("import", tree.toString(), "-o", out.toString());
    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err()).contains("was not written by import");
    assertThat(out.resolve("kustomization.yaml")).hasContent("resources: [app.yaml]");
  }

  @Test
  void theKustomizationGeneratesEveryConfigMapWithoutSuffixInTheNamespace(@TempDir Path dir)
      throws IOException {
    Path tree = copy("current/grading", dir.resolve("grading"));
    Path out = dir.resolve("out");
    assertThat(
            cli("import", tree.toString(), "-o", out.toString(), "--namespace", "grading")
                .exitCode())
        .isZero();
    JsonNode kustomization =
        new ObjectMapper(new YAMLFactory()).readTree(out.resolve("kustomization.yaml").toFile());
    assertThat(kustomization.path("namespace").asText()).isEqualTo("grading");
    assertThat(kustomization.path("generatorOptions").path("disableNameSuffixHash").asBoolean())
        .isTrue();
    Kustomized applied = Kustomized.read(out);
    assertThat(applied.environments()).hasSize(13);
    // every ConfigMap a GradingEnvironment names is generated, and nothing else
    List<String> referenced =
        applied.environments().stream()
            .flatMap(e -> e.getSpec().build.configMapNames().stream())
            .distinct()
            .sorted()
            .toList();
    assertThat(applied.configMaps())
        .extracting(cm -> cm.getMetadata().getName())
        .containsExactlyElementsOf(referenced);
    assertThat(applied.configMaps())
        .allSatisfy(cm -> assertThat(cm.getMetadata().getNamespace()).isEqualTo("grading"));
  }

  @Test
  void validateAndRenderAcceptTheOutputAndRenderShowsEveryBuildJob(@TempDir Path dir) {
    Path tree = copy("current/grading", dir.resolve("grading"));
    Path out = dir.resolve("out");
    assertThat(
            cli("import", tree.toString(), "-o", out.toString(), "--namespace", "grading")
                .exitCode())
        .isZero();
    var validate = cli("validate", "-f", out.resolve("environments").toString());
    assertThat(validate.exitCode()).as(validate.err()).isZero();
    assertThat(validate.out()).contains("13 GradingEnvironment(s) valid");
    var render = cli("render", "-f", out.resolve("environments").toString());
    assertThat(render.exitCode()).as(render.err()).isZero();
    assertThat(render.out()).contains("name: \"r-bio-grading\"");

    // with the ConfigMaps kustomize generates, the operator's own build plan accepts every
    // dockerfile build
    Kustomized applied = Kustomized.read(out);
    List<HasMetadata> objects =
        Renderer.render(applied.environments(), applied.configMaps(), OperatorConfig.defaults());
    List<String> jobs =
        objects.stream()
            .filter(Job.class::isInstance)
            .map(o -> o.getMetadata().getName().replaceFirst("-build-.*", ""))
            .sorted()
            .toList();
    assertThat(jobs)
        .containsExactly(
            "cpp",
            "gcc8",
            "gcc8-openmpi",
            "ipmininet",
            "java-21",
            "python-ai-cuda",
            "python3-ai",
            "python3-health-informatics",
            "r",
            "r-bio",
            "scala",
            "sysadmin");
    assertThat(objects)
        .filteredOn(o -> o.getMetadata().getAnnotations() != null)
        .noneMatch(
            o ->
                o.getMetadata()
                    .getAnnotations()
                    .getOrDefault(Renderer.NOTE_ANNOTATION, "")
                    .contains("not shown"));
  }

  /**
   * The ConfigMaps as kubectl's kustomize builds them are the ones the tests apply (when kubectl is
   * at hand).
   */
  @Test
  void kubectlKustomizeBuildsTheSameConfigMaps(@TempDir Path dir) throws Exception {
    Optional<Path> kubectl = kubectl();
    assumeThat(kubectl).as("kubectl (built by e2e/setup.sh, or on PATH)").isPresent();
    Path tree = copy("current/grading", dir.resolve("grading"));
    Files.write(
        tree.resolve("algo/lib/logo.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 0, (byte) 0xff});
    Path out = dir.resolve("out");
    assertThat(
            cli("import", tree.toString(), "-o", out.toString(), "--namespace", "grading")
                .exitCode())
        .isZero();
    Process process =
        new ProcessBuilder(kubectl.get().toString(), "kustomize", out.toString())
            .redirectErrorStream(true)
            .start();
    String yaml = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(yaml).isZero();
    Map<String, ConfigMap> built = new TreeMap<>();
    for (String document : yaml.split("(?m)^---$")) {
      HasMetadata object = io.fabric8.kubernetes.client.utils.Serialization.unmarshal(document);
      if (object instanceof ConfigMap configMap) {
        built.put(configMap.getMetadata().getName(), configMap);
      }
    }
    Map<String, ConfigMap> ours = new TreeMap<>();
    Kustomized.read(out).configMaps().forEach(cm -> ours.put(cm.getMetadata().getName(), cm));
    assertThat(built.keySet()).isEqualTo(ours.keySet());
    ours.forEach(
        (name, cm) -> {
          assertThat(orEmpty(built.get(name).getData())).as(name).isEqualTo(orEmpty(cm.getData()));
          assertThat(orEmpty(built.get(name).getBinaryData()))
              .as(name)
              .isEqualTo(orEmpty(cm.getBinaryData()));
          assertThat(built.get(name).getMetadata().getNamespace()).isEqualTo("grading");
        });
    assertThat(built.get("algo-files-1").getBinaryData()).containsKey("logo.png");
  }

  private static Map<String, String> orEmpty(Map<String, String> map) {
    return map == null ? Map.of() : map;
  }

  static Optional<Path> kubectl() {
    Path cache =
        Path.of(
            System.getProperty("user.home"), ".cache/grading-environment-operator/control-plane");
    if (Files.isDirectory(cache)) {
      try (Stream<Path> versions = Files.list(cache)) {
        Optional<Path> built =
            versions
                .map(v -> v.resolve("kubectl"))
                .filter(Files::isExecutable)
                .sorted()
                .findFirst();
        if (built.isPresent()) {
          return built;
        }
      } catch (IOException e) {
        // fall through to PATH
      }
    }
    List<Path> onPath = new ArrayList<>();
    for (String entry :
        System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
      Path candidate = Path.of(entry, "kubectl");
      if (Files.isExecutable(candidate)) {
        onPath.add(candidate);
      }
    }
    return onPath.stream().findFirst();
  }

  private static void deleteRecursively(Path dir) throws IOException {
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path path : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }
}
