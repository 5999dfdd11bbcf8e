package org.inginious.grading.importer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.inginious.grading.importer.ImportFixtures.copy;
import static org.inginious.grading.importer.ImportFixtures.importTree;
import static org.inginious.grading.importer.ImportFixtures.row;

import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.inginious.grading.api.GradingEnvironment;
import org.inginious.grading.api.GradingEnvironmentSpec;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every mapping rule of `import` (issue 11, item 2), on fixture trees shaped like
 * INGInious/containers.
 */
class ImportMappingTest {
  @TempDir static Path fixtures;
  static ImportResult current;
  static ImportResult legacy;

  @BeforeAll
  static void importFixtures() {
    current = importTree(copy("current/grading", fixtures.resolve("current")), Map.of());
    legacy = importTree(copy("legacy/grading", fixtures.resolve("legacy")), Map.of());
  }

  static GradingEnvironment manifest(ImportedEnvironment row) {
    assertThat(row.failure()).as("failure of %s", row.environmentName()).isNull();
    return Serialization.unmarshal(row.manifest(), GradingEnvironment.class);
  }

  static String dockerfile(ImportedEnvironment row) {
    ContextConfigMap context = row.configMaps().get(0);
    return new String(context.files().get("Dockerfile"), StandardCharsets.UTF_8);
  }

  // ---- ARGs: defaults, Docker's scoping, --build-arg
  // ----------------------------------------------

  @Test
  void argDefaultsAreSubstitutedInFromAndLabelLines() {
    ImportedEnvironment row = row(current, "python3-health-informatics");
    GradingEnvironmentSpec spec = manifest(row).getSpec();
    assertThat(spec.environmentName).isEqualTo("python3-health-informatics");
    assertThat(spec.build.base.image).isEqualTo("ghcr.io/inginious/env-python3:latest");
    assertThat(row.warnings()).isEmpty();
  }

  @Test
  void aGlobalArgIsOutOfScopeInAStageThatDoesNotDeclareItAndTheWarningSaysSo() {
    ImportedEnvironment cuda = row(current, "python-ai-cuda");
    assertThat(manifest(cuda).getMetadata().getName()).isEqualTo("python-ai-cuda");
    assertThat(cuda.warnings())
        .anySatisfy(
            w ->
                assertThat(w)
                    .contains("${PYTHON_VERSION}")
                    .contains("env-python3-ai-cuda does not declare")
                    .contains("Docker names it 'python-ai-cuda'")
                    .contains("ARG PYTHON_VERSION")
                    .contains("'python3-ai-cuda'"));
    assertThat(row(current, "python3-ai").warnings()).as("the CPU stage declares it").isEmpty();
  }

  @Test
  void buildArgsOfImportOverrideDefaultsAndReachTheDockerfileBuild(@TempDir Path dir) {
    ImportResult result =
        importTree(
            copy("current/grading", dir),
            Map.of("PYTHON_VERSION", "3.12", "REGISTRY", "registry.local"));
    ImportedEnvironment ai = row(result, "python3.12-ai");
    GradingEnvironmentSpec spec = manifest(ai).getSpec();
    assertThat(spec.build.base.image).isEqualTo("registry.local/inginious/env-python3.12:latest");
    assertThat(spec.build.dockerfile.buildArgs)
        .as("REGISTRY only served the FROM line, which is rewritten")
        .containsExactly(Map.entry("PYTHON_VERSION", "3.12"));
    assertThat(manifest(row(result, "cpp")).getSpec().build.base.image)
        .isEqualTo("registry.local/inginious/env-base:latest");
  }

  @Test
  void anArgUnsetInAFromLineIsAWarningNamingIt(@TempDir Path dir) {
    ImportedEnvironment ipmininet = row(current, "ipmininet");
    assertThat(ipmininet.warnings())
        .anySatisfy(
            w ->
                assertThat(w)
                    .startsWith("ARG REGISTRY has no value in FROM")
                    .contains("--build-arg REGISTRY=VALUE"));
    assertThat(manifest(ipmininet).getSpec().build.base)
        .as("no base: the FROM line is kept")
        .isNull();
    assertThat(dockerfile(ipmininet))
        .contains("FROM \t${REGISTRY}/inginious/env-kvm:${VERSION}")
        .contains("ARG\tREGISTRY");

    ImportResult given =
        importTree(copy("current/grading", dir), Map.of("REGISTRY", "registry.local"));
    ImportedEnvironment fixed = row(given, "ipmininet");
    assertThat(fixed.warnings()).noneMatch(w -> w.contains("REGISTRY"));
    assertThat(manifest(fixed).getSpec().build.base.image)
        .isEqualTo("registry.local/inginious/env-kvm:latest");
  }

  // ---- bases in the tree
  // -------------------------------------------------------------------------

  @Test
  void fromAnotherEnvironmentByEnvNameBecomesBaseEnvironmentAndTheFromLineIsRewritten() {
    ImportedEnvironment openmpi = row(current, "gcc8-openmpi");
    assertThat(manifest(openmpi).getSpec().build.base.environment).isEqualTo("gcc8");
    assertThat(manifest(row(current, "gcc8")).getSpec().build.base.environment).isEqualTo("cpp");
    assertThat(manifest(row(current, "cpp")).getSpec().build.base.image)
        .as("env-base is built elsewhere")
        .isEqualTo("ghcr.io/inginious/env-base:latest");
    String text = dockerfile(openmpi);
    assertThat(text)
        .contains("ARG BASE_IMAGE\n")
        .contains("\nFROM ${BASE_IMAGE}\n")
        .contains("# import: the operator passes the image of environment gcc8 as BASE_IMAGE");
    assertThat(text)
        .as("ARG REGISTRY / VERSION only served the FROM")
        .doesNotContain("ARG   VERSION")
        .doesNotContain("ARG   REGISTRY");
    assertThat(text).contains("RUN   dnf -y install openmpi-devel");
  }

  @Test
  void fromInginiousCNameBecomesBaseEnvironment() {
    assertThat(manifest(row(legacy, "pyjavacpp")).getSpec().build.base.environment)
        .isEqualTo("cpp");
    assertThat(dockerfile(row(legacy, "pyjavacpp")))
        .contains("FROM ${BASE_IMAGE}")
        .doesNotContain("inginious-c-cpp:${VERSION}\n");
  }

  @Test
  void theContextYmlGraphNamesTheBaseWhenTheFromLineDoesNot(@TempDir Path dir) {
    ImportResult result = importTree(copy("cases/context-graph/grading", dir), Map.of());
    ImportedEnvironment course = row(result, "course");
    assertThat(manifest(course).getSpec().build.base.environment).isEqualTo("python3");
    assertThat(course.warnings()).anySatisfy(w -> assertThat(w).contains("taken from context.yml"));
    ImportedEnvironment other = row(result, "other");
    assertThat(manifest(other).getSpec().build.base.environment).isEqualTo("cpp");
    assertThat(other.warnings()).anySatisfy(w -> assertThat(w).contains("the FROM line wins"));
  }

  @Test
  void ingiInginiousCBaseIsTheTreesBaseEnvironmentWhenTheTreeHasOne(@TempDir Path dir)
      throws IOException {
    ImportedEnvironment base = row(legacy, "base");
    assertThat(base.warnings())
        .anySatisfy(
            w ->
                assertThat(w)
                    .contains("no org.inginious.grading.name label: named after its folder"));
    assertThat(manifest(base).getSpec().build.base.image).isEqualTo("centos");
    assertThat(manifest(row(legacy, "cpp")).getSpec().build.base.environment).isEqualTo("base");
    assertThat(manifest(row(legacy, "default")).getSpec().build.base.environment).isEqualTo("base");

    // the same folder on its own: ingi/inginious-c-base is an image outside the tree
    Path alone = copy("legacy/grading/cpp", dir.resolve("cpp"));
    ImportedEnvironment cpp = row(importTree(alone, Map.of()), "cpp");
    assertThat(manifest(cpp).getSpec().build.base.image).isEqualTo("ingi/inginious-c-base");
    assertThat(cpp.source()).isEqualTo("cpp/Dockerfile");
  }

  @Test
  void aFolderOfSeveralEnvironmentsIsTheBaseOfOthersThroughItsLastStage(@TempDir Path dir)
      throws IOException {
    Path tree = copy("current/grading", dir);
    Files.createDirectories(tree.resolve("cuda-course"));
    Files.writeString(
        tree.resolve("cuda-course/Dockerfile"),
        """
        FROM ghcr.io/inginious/env-python3-ai:latest
        LABEL org.inginious.grading.name="cuda-course"
        RUN pip3 install pycuda
        """);
    ImportedEnvironment course = row(importTree(tree, Map.of()), "cuda-course");
    GradingEnvironment environment = manifest(course);
    assertThat(environment.getSpec().build.base.environment)
        .as("docker build python3-ai/ builds its last stage")
        .isEqualTo("python-ai-cuda");
    assertThat(environment.getSpec().grading.gpu)
        .as("an image keeps its base's labels")
        .isNotNull();
    assertThat(course.warnings())
        .anySatisfy(
            w -> assertThat(w).contains("need_gpu inherited from base environment python-ai-cuda"));
  }

  // ---- stages
  // ------------------------------------------------------------------------------------

  @Test
  void eachFinalStageNamingItselfIsOneEnvironmentBuiltWithThatTarget() {
    ImportedEnvironment cpu = row(current, "python3-ai");
    ImportedEnvironment gpu = row(current, "python-ai-cuda");
    assertThat(cpu.source()).isEqualTo("python3-ai/Dockerfile (env-python3-ai)");
    assertThat(manifest(cpu).getSpec().build.dockerfile.target).isEqualTo("env-python3-ai");
    assertThat(manifest(gpu).getSpec().build.dockerfile.target).isEqualTo("env-python3-ai-cuda");
    assertThat(manifest(cpu).getSpec().grading).isNull();
    assertThat(manifest(gpu).getSpec().grading.gpu.count).isEqualTo(1);
    assertThat(current.environments()).noneMatch(e -> e.source().contains("env-common"));
    assertThat(manifest(cpu).getSpec().build.dockerfile.contextConfigMapRef.name)
        .as("one Dockerfile, one context")
        .isEqualTo(manifest(gpu).getSpec().build.dockerfile.contextConfigMapRef.name)
        .isEqualTo("python3-ai-context");
    assertThat(dockerfile(cpu))
        .contains("FROM ${BASE_IMAGE} AS env-common\n")
        .contains("FROM  env-common AS env-python3-ai-cuda");
  }

  // ---- layers or dockerfile
  // ----------------------------------------------------------------------

  @Test
  void fromLabelEnvCopyAndWorkdirOnlyIsALayersBuild() {
    ImportedEnvironment algo = row(current, "algo");
    assertThat(algo.build()).isEqualTo("layers");
    GradingEnvironmentSpec spec = manifest(algo).getSpec();
    assertThat(spec.build.dockerfile).isNull();
    assertThat(spec.build.base.environment).isEqualTo("cpp");
    assertThat(spec.build.layers.env)
        .containsExactly(
            Map.entry("ALGO_HOME", "/course/algo"), Map.entry("ALGO_LIB", "/course/algo/lib"));
    assertThat(spec.build.layers.workingDir).isEqualTo("/task");
    assertThat(spec.build.layers.files)
        .extracting(f -> f.configMapRef.name + " " + f.path + " " + f.mode)
        .containsExactly(
            "algo-files-1 /course/algo/lib 0644",
            "algo-files-2 /course/algo/lib/graphs 0644",
            "algo-files-3 /usr/local/bin 0755");
    assertThat(algo.configMaps())
        .extracting(ContextConfigMap::name, cm -> cm.files().keySet())
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("algo-files-1", java.util.Set.of("grading.py")),
            org.assertj.core.groups.Tuple.tuple("algo-files-2", java.util.Set.of("dijkstra.py")),
            org.assertj.core.groups.Tuple.tuple("algo-files-3", java.util.Set.of("run-tests.sh")));
    assertThat(manifest(row(legacy, "default")).getSpec().build.layers)
        .as("FROM and LABEL only")
        .isNotNull();
  }

  @Test
  void runMakesADockerfileBuildAndAnythingElseLayersCannotSayIsNamed(@TempDir Path dir)
      throws IOException {
    assertThat(row(current, "cpp").build()).isEqualTo("dockerfile");
    assertThat(row(current, "cpp").warnings()).as("RUN speaks for itself").isEmpty();
    Path tree = Files.createDirectories(dir.resolve("grading"));
    for (String[] c :
        new String[][] {
          {"chown", "COPY --chown=4242:4242 a.txt /opt/"},
          {"archive", "ADD files.tar /opt/"},
          {"entrypoint", "ENTRYPOINT [\"/bin/sh\"]"},
          {"pathenv", "ENV PATH=/opt/bin:${PATH}"},
          {"relative", "COPY a.txt lib/"}
        }) {
      Path folder = Files.createDirectories(tree.resolve(c[0]));
      Files.writeString(
          folder.resolve("Dockerfile"),
          "FROM ghcr.io/inginious/env-base:latest\nLABEL org.inginious.grading.name=\""
              + c[0]
              + "\"\n"
              + c[1]
              + "\n");
      Files.writeString(folder.resolve("a.txt"), "a\n");
    }
    Files.write(tree.resolve("archive/files.tar"), TestTar.single("inside.txt", "x"));
    ImportResult result = importTree(tree, Map.of());
    assertThat(result.environments())
        .allSatisfy(e -> assertThat(e.build()).as(e.environmentName()).isEqualTo("dockerfile"));
    assertThat(row(result, "chown").warnings())
        .contains("a dockerfile build, not layers: COPY (line 3) --chown");
    assertThat(row(result, "archive").warnings())
        .contains(
            "a dockerfile build, not layers: ADD of the archive files.tar (line 3) unpacks it");
    assertThat(row(result, "entrypoint").warnings())
        .contains("a dockerfile build, not layers: ENTRYPOINT at line 3");
    assertThat(row(result, "pathenv").warnings())
        .contains("a dockerfile build, not layers: ENV PATH uses a variable of the base image");
    assertThat(row(result, "relative").warnings())
        .anySatisfy(w -> assertThat(w).contains("relative destination"));
  }

  // ---- labels
  // ------------------------------------------------------------------------------------

  @Test
  void theNameLabelGivesEnvironmentNameCaseKeptAndMetadataNameLowercase() {
    GradingEnvironment bio = manifest(row(current, "R-bio"));
    assertThat(bio.getSpec().environmentName).isEqualTo("R-bio");
    assertThat(bio.getMetadata().getName()).isEqualTo("r-bio");
    assertThat(bio.getSpec().build.base.environment)
        .as("env-r is folder r, environment R")
        .isEqualTo("r");
    assertThat(bio.getSpec().image.repository)
        .isEqualTo("registry.example.edu/inginious/env-r-bio");
    assertThat(manifest(row(current, "R")).getMetadata().getName()).isEqualTo("r");
  }

  @Test
  void needRootGivesGradingNeedRoot() {
    ImportedEnvironment sysadmin = row(current, "sysadmin");
    assertThat(manifest(sysadmin).getSpec().grading.needRoot).isTrue();
    assertThat(sysadmin.runtime()).isEqualTo("kata-qemu");
  }

  @Test
  void needGpuGivesAGpuAndTheNvidiaEnvIsDroppedWhereTheOperatorWritesIt(@TempDir Path dir) {
    ImportedEnvironment notebook =
        row(
            importTree(copy("cases/layers-gpu", dir.resolve("layers-gpu")), Map.of()),
            "python3-gpu-notebook");
    GradingEnvironmentSpec spec = manifest(notebook).getSpec();
    assertThat(notebook.build()).isEqualTo("layers");
    assertThat(spec.grading.gpu.count).isEqualTo(1);
    assertThat(notebook.runtime()).isEqualTo("nvidia");
    assertThat(spec.build.layers.env).containsExactly(Map.entry("MPLBACKEND", "Agg"));
    assertThat(notebook.warnings())
        .containsExactly(
            "ENV NVIDIA_VISIBLE_DEVICES, NVIDIA_DRIVER_CAPABILITIES dropped: the"
                + " operator writes them into the GPU images it builds");
  }

  @Test
  void unknownInginiousLabelsAreKeptInADockerfileBuild(@TempDir Path dir) throws IOException {
    Files.writeString(
        dir.resolve("Dockerfile"),
        """
        FROM ghcr.io/inginious/env-base:latest
        LABEL org.inginious.grading.name="labelled" org.inginious.grading.agent_version="3"
        COPY a.txt /opt/
        """);
    Files.writeString(dir.resolve("a.txt"), "a\n");
    ImportedEnvironment labelled = row(importTree(dir, Map.of()), "labelled");
    assertThat(labelled.build()).isEqualTo("dockerfile");
    assertThat(labelled.warnings())
        .anySatisfy(w -> assertThat(w).contains("label org.inginious.grading.agent_version"));
    assertThat(dockerfile(labelled)).contains("org.inginious.grading.agent_version=\"3\"");
  }

  // ---- the build context
  // -------------------------------------------------------------------------

  @Test
  void theBuildContextLeavesOutDockerignoreMatches() {
    List<String> keys =
        row(current, "algo").configMaps().stream()
            .flatMap(cm -> cm.files().keySet().stream())
            .toList();
    assertThat(keys).doesNotContain("grading.cpython-312.pyc", "answers.md");
    assertThat(row(current, "cpp").configMaps().get(0).files())
        .containsOnlyKeys("Dockerfile", "README.md");
  }

  @Test
  void aLayersContextOverOneMebibyteIsSplitAcrossConfigMaps(@TempDir Path dir) throws IOException {
    Files.writeString(
        dir.resolve("Dockerfile"),
        """
        FROM ghcr.io/inginious/env-base:latest
        LABEL org.inginious.grading.name="datasets"
        COPY data/ /data/
        """);
    Files.createDirectories(dir.resolve("data"));
    for (int i = 1; i <= 3; i++) {
      Files.writeString(
          dir.resolve("data/part" + i + ".csv"), ("row," + i + "\n").repeat(450_000 / 6));
    }
    ImportedEnvironment datasets = row(importTree(dir, Map.of()), "datasets");
    assertThat(datasets.build()).isEqualTo("layers");
    assertThat(datasets.configMaps())
        .hasSize(2)
        .allSatisfy(cm -> assertThat(cm.size()).isLessThanOrEqualTo(ContextConfigMap.LIMIT));
    assertThat(datasets.configMaps().stream().flatMap(cm -> cm.files().keySet().stream()))
        .as("never truncated")
        .containsExactly("part1.csv", "part2.csv", "part3.csv");
    assertThat(manifest(datasets).getSpec().build.layers.files)
        .extracting(f -> f.path)
        .containsExactly("/data", "/data");
  }

  @Test
  void aContextThatCannotBeSplitIsReportedWithItsSizeAndLargestFiles(@TempDir Path dir)
      throws IOException {
    Path layers = Files.createDirectories(dir.resolve("grading/bigfile"));
    Files.writeString(
        layers.resolve("Dockerfile"),
        "FROM x/env-base\nLABEL org.inginious.grading.name=\"bigfile\"\nCOPY big.bin /opt/\n");
    Files.write(
        layers.resolve("big.bin"),
        random(800_000)); // binary: 1,066,668 bytes in base64, plus the key
    Path dockerfile = Files.createDirectories(dir.resolve("grading/bigcontext"));
    Files.writeString(
        dockerfile.resolve("Dockerfile"),
        "FROM x/env-base\nLABEL org.inginious.grading.name=\"bigcontext\"\nRUN true\n");
    Files.writeString(dockerfile.resolve("a.txt"), "a".repeat(600_000));
    Files.writeString(dockerfile.resolve("b.txt"), "b".repeat(500_000));
    ImportResult result = importTree(dir.resolve("grading"), Map.of());
    assertThat(row(result, "bigfile").failure())
        .contains("takes 1066675 bytes (1.0 MiB), over the 1000000 bytes one ConfigMap may hold")
        .contains("largest: big.bin 1.0 MiB");
    assertThat(row(result, "bigcontext").failure())
        .startsWith("the build context of bigcontext/ takes 1100")
        .contains("largest: a.txt 585.9 KiB, b.txt 488.3 KiB, Dockerfile");
  }

  @Test
  void aDockerfileContextJustUnderTheLimitIsOneTheOperatorBuilds(@TempDir Path dir)
      throws IOException {
    Path folder = Files.createDirectories(dir.resolve("tree/data-course"));
    String dockerfileText =
        "FROM x/env-base\nLABEL org.inginious.grading.name=\"data-course\"\nCOPY data.bin /data/\nRUN true\n";
    Files.writeString(folder.resolve("Dockerfile"), dockerfileText);
    // binary: counted as base64, as the operator counts it; the import rewrites the FROM line
    // (longer Dockerfile)
    Files.write(folder.resolve("data.bin"), random(748_000));
    ImportedEnvironment row = row(importTree(dir.resolve("tree"), Map.of()), "data-course");
    assertThat(row.configMaps().get(0).size())
        .isBetween(ContextConfigMap.LIMIT - 5_000, ContextConfigMap.LIMIT);
    Path out = dir.resolve("out");
    OutputWriter.write(importTree(dir.resolve("tree"), Map.of()), out);
    Kustomized applied = Kustomized.read(out);
    var objects =
        org.inginious.grading.cli.Renderer.render(
            applied.environments(),
            applied.configMaps(),
            org.inginious.grading.config.OperatorConfig.defaults());
    assertThat(objects)
        .as("the operator's DockerfilePlan accepts the context")
        .anyMatch(o -> o.getKind().equals("Job"));
  }

  @Test
  void binaryFilesGoToBinaryData(@TempDir Path dir) throws IOException {
    Files.writeString(
        dir.resolve("Dockerfile"),
        """
        FROM scratch
        LABEL org.inginious.grading.name="logo"
        COPY logo.png notes.txt /opt/
        """);
    byte[] png = {
      (byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, (byte) 0xff, (byte) 0xfe
    };
    Files.write(dir.resolve("logo.png"), png);
    Files.writeString(dir.resolve("notes.txt"), "héllo\n");
    ImportResult result = importTree(dir, Map.of());
    Path out = dir.resolve("out");
    OutputWriter.write(result, out);
    var configMap = Kustomized.read(out).configMaps().get(0);
    assertThat(configMap.getBinaryData()).containsOnlyKeys("logo.png");
    assertThat(java.util.Base64.getDecoder().decode(configMap.getBinaryData().get("logo.png")))
        .isEqualTo(png);
    assertThat(configMap.getData()).containsExactly(Map.entry("notes.txt", "héllo\n"));
    assertThat(manifest(row(result, "logo")).getSpec().build.base)
        .as("FROM scratch: no base")
        .isNull();
  }

  @Test
  void valuesYamlWouldReadOtherwiseSurviveTheManifest(@TempDir Path dir) throws IOException {
    Files.writeString(
        dir.resolve("Dockerfile"),
        """
        FROM scratch
        LABEL org.inginious.grading.name="on"
        ENV A=on B=yes C=null D="*star" E=0644 F=true G=1e3 H="- dash" I="#hash" J="a: b" K="" L="~"
        """);
    ImportedEnvironment row = row(importTree(dir, Map.of()), "on");
    assertThat(manifest(row).getSpec().environmentName).isEqualTo("on");
    assertThat(manifest(row).getSpec().build.layers.env)
        .containsExactlyInAnyOrderEntriesOf(
            Map.ofEntries(
                Map.entry("A", "on"),
                Map.entry("B", "yes"),
                Map.entry("C", "null"),
                Map.entry("D", "*star"),
                Map.entry("E", "0644"),
                Map.entry("F", "true"),
                Map.entry("G", "1e3"),
                Map.entry("H", "- dash"),
                Map.entry("I", "#hash"),
                Map.entry("J", "a: b"),
                Map.entry("K", ""),
                Map.entry("L", "~")));
    Path out = dir.resolve("out");
    OutputWriter.write(importTree(dir, Map.of()), out);
    var validate = ImportFixtures.cli("validate", "-f", out.resolve("environments").toString());
    assertThat(validate.exitCode())
        .as("strict reading, no scalar coercion: %s", validate.err())
        .isZero();
  }

  static byte[] random(int size) {
    byte[] bytes = new byte[size];
    new Random(11).nextBytes(bytes);
    return bytes;
  }
}
