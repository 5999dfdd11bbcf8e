package org.inginious.grading.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodTemplate;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommandLineTest {
  static final Path EXAMPLES = Path.of(System.getProperty("project.root", ".."), "examples");

  record Run(int exitCode, String out, String err) {}

  static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        Main.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void rendersEveryExampleOffline() {
    Run run = run("render", "-f", EXAMPLES.toString());
    assertThat(run.exitCode()).as(run.err()).isZero();
    List<HasMetadata> objects = parse(run.out());
    assertThat(objects)
        .filteredOn(o -> o.getKind().equals("RuntimeClass"))
        .extracting(o -> o.getMetadata().getName())
        .containsExactly("runc", "crun");
    List<PodTemplate> templates =
        objects.stream()
            .filter(PodTemplate.class::isInstance)
            .map(PodTemplate.class::cast)
            .toList();
    assertThat(templates)
        .extracting(t -> t.getMetadata().getName())
        .contains("default-grading", "python3-ai-cuda-grading", "sysadmin-grading", "cpp-grading");
    PodTemplate cuda =
        templates.stream()
            .filter(t -> t.getMetadata().getName().equals("python3-ai-cuda-grading"))
            .findFirst()
            .orElseThrow();
    assertThat(cuda.getTemplate().getSpec().getRuntimeClassName()).isEqualTo("nvidia");
    assertThat(cuda.getMetadata().getAnnotations().get(Renderer.NOTE_ANNOTATION))
        .contains("digest");
    // one deny-all NetworkPolicy per environment with network none, named like its PodTemplate
    assertThat(objects)
        .filteredOn(o -> o.getKind().equals("NetworkPolicy"))
        .extracting(o -> o.getMetadata().getName())
        .containsExactlyInAnyOrderElementsOf(
            templates.stream()
                .filter(
                    t ->
                        "none"
                            .equals(
                                t.getTemplate()
                                    .getMetadata()
                                    .getLabels()
                                    .get("grading.inginious.org/network")))
                .map(t -> t.getMetadata().getName())
                .toList())
        .isNotEmpty();
  }

  @Test
  void renderHonoursTheOperatorConfig(@TempDir Path dir) throws Exception {
    Path config =
        Files.writeString(
            dir.resolve("config.yaml"),
            "defaultRuntime: crun\nruntimes: {kata: {runtimeClassName: kata-clh}}\n");
    Run run =
        run(
            "render",
            "-f",
            EXAMPLES.resolve("prebuilt-default.yaml").toString(),
            EXAMPLES.resolve("prebuilt-need-root.yaml").toString(),
            "--config",
            config.toString());
    assertThat(run.exitCode()).as(run.err()).isZero();
    List<PodTemplate> templates =
        parse(run.out()).stream()
            .filter(PodTemplate.class::isInstance)
            .map(PodTemplate.class::cast)
            .toList();
    assertThat(templates)
        .extracting(t -> t.getTemplate().getSpec().getRuntimeClassName())
        .containsExactly("crun", "kata-clh");
  }

  @Test
  void invalidManifestsExitOneWithOneLinePerProblem(@TempDir Path dir) throws Exception {
    Path bad =
        Files.writeString(
            dir.resolve("bad.yaml"),
            """
        apiVersion: grading.inginious.org/v1alpha1
        kind: GradingEnvironment
        metadata: {name: broken}
        spec:
          build:
            prebuilt: {image: "ghcr.io/x/y:1"}
            layers: {}
          grading: {runtime: crun, needRoot: true}
        ---
        apiVersion: grading.inginious.org/v1alpha1
        kind: GradingEnvironment
        metadata: {name: typo}
        spec:
          build: {prebuilt: {image: "ghcr.io/x/y:1"}}
          grading: {runtime: docker}
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: ignored}
        """);
    for (String command : List.of("render", "validate")) {
      Run run = run(command, "-f", bad.toString());
      assertThat(run.exitCode()).isEqualTo(1);
      assertThat(run.out()).isEmpty();
      List<String> lines = run.err().lines().toList();
      assertThat(lines).hasSize(3);
      assertThat(lines).allMatch(line -> line.startsWith(bad + ": "));
      assertThat(lines.get(0)).contains("broken").contains("spec.build: exactly one of");
      assertThat(lines.get(1)).contains("broken").contains("spec.grading.needRoot");
      assertThat(lines.get(2)).contains("typo").contains("spec.grading.runtime").contains("docker");
    }
  }

  @Test
  void malformedYamlAndMissingFilesAreReported(@TempDir Path dir) throws Exception {
    Path broken =
        Files.writeString(
            dir.resolve("broken.yaml"), "kind: GradingEnvironment\nspec: [unclosed\n");
    Run run = run("validate", "-f", broken.toString(), dir.resolve("absent.yaml").toString());
    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err())
        .contains("broken.yaml: not valid YAML")
        .contains("absent.yaml: no such file or directory");
  }

  @Test
  void validateAcceptsTheExamples() {
    Run run = run("validate", "-f", EXAMPLES.toString());
    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out()).contains("valid");
  }

  @Test
  void aBadConfigStopsWithOneMessage(@TempDir Path dir) throws Exception {
    Path config = Files.writeString(dir.resolve("config.yaml"), "defaultRuntime: kata\n");
    Run run = run("run", "--config", config.toString());
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err().strip())
        .isEqualTo(
            "invalid configuration: "
                + config
                + ": 'defaultRuntime' must be runc or crun (was 'kata')");
  }

  private static List<HasMetadata> parse(String yaml) {
    return java.util.Arrays.stream(yaml.split("(?m)^---$"))
        .filter(doc -> !doc.isBlank())
        .map(doc -> (HasMetadata) Serialization.unmarshal(doc))
        .collect(Collectors.toList());
  }
}
