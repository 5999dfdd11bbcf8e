package org.inginious.grading.importer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.inginious.grading.importer.ImportFixtures.copy;
import static org.inginious.grading.importer.ImportFixtures.importTree;
import static org.inginious.grading.importer.ImportFixtures.row;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What does not map (issue 11, item 3): each gives a warning line, and the environment is still
 * written where it can be; a broken Dockerfile is one row not imported, the rest goes on.
 */
class ImportWarningsTest {
  @TempDir static Path dir;
  static ImportResult warnings;

  @BeforeAll
  static void importWarnings() {
    warnings = importTree(copy("cases/warnings/grading", dir.resolve("warnings")), Map.of());
  }

  @Test
  void addOfAUrlIsWritten_WithAWarning() {
    ImportedEnvironment fetcher = row(warnings, "fetcher");
    assertThat(fetcher.imported()).isTrue();
    assertThat(fetcher.build()).isEqualTo("dockerfile");
    assertThat(fetcher.warnings())
        .anySatisfy(
            w ->
                assertThat(w)
                    .startsWith(
                        "ADD https://example.org/datasets/iris.csv (line 4) downloads at build time")
                    .contains("does not rebuild the image"));
  }

  @Test
  void runMountSecretIsWritten_WithAWarning() {
    ImportedEnvironment secrets = row(warnings, "secrets");
    assertThat(secrets.imported()).isTrue();
    assertThat(secrets.warnings())
        .containsExactly(
            "RUN --mount=type=secret (line 4): the operator's build Job passes no"
                + " build secrets, so this step runs without them");
  }

  @Test
  void aLastUserOtherThanRootIsWritten_WithAWarning() {
    ImportedEnvironment worker = row(warnings, "worker");
    assertThat(worker.imported()).isTrue();
    assertThat(worker.warnings())
        .singleElement()
        .satisfies(
            w ->
                assertThat(w)
                    .startsWith("USER worker (line 5) is the image's last user")
                    .contains("end the Dockerfile with USER root"));
  }

  @Test
  void userRootAtTheEndIsFine(@TempDir Path tree) throws IOException {
    Files.writeString(
        tree.resolve("Dockerfile"),
        """
        FROM ghcr.io/inginious/env-base:latest
        LABEL org.inginious.grading.name="builder"
        USER worker
        RUN make
        USER root
        """);
    assertThat(row(importTree(tree, Map.of()), "builder").warnings()).isEmpty();
  }

  @Test
  void hereDocumentsAreWritten_WithAWarningEach() {
    ImportedEnvironment heredoc = row(warnings, "heredoc");
    assertThat(heredoc.imported()).isTrue();
    assertThat(heredoc.warnings()).filteredOn(w -> w.contains("here-document")).hasSize(2);
    assertThat(heredoc.warnings().get(0)).startsWith("RUN <<EOF (line 5): a here-document");
    assertThat(heredoc.warnings().get(1)).startsWith("COPY <<MOTD (line 9): a here-document");
    assertThat(heredoc.build())
        .as("a COPY here-document is no layers file")
        .isEqualTo("dockerfile");
  }

  @Test
  void filesTheDockerfileBuildCannotCarryAreNamed() {
    ImportResult legacy = importTree(copy("legacy/grading", dir.resolve("legacy")), Map.of());
    assertThat(row(legacy, "sekexe").warnings())
        .anySatisfy(
            w ->
                assertThat(w)
                    .startsWith("left out of the build context, which is one flat ConfigMap")
                    .contains("sekexe/init, sekexe/run"));
    assertThat(row(legacy, "oz").warnings())
        .anySatisfy(
            w -> assertThat(w).contains("mozart2-2.0.0-alpha.0+build.4105-x86_64-linux.rpm"));
    assertThat(row(legacy, "sekexe").imported()).isTrue();
  }

  @Test
  void aBrokenDockerfileIsOneRowNotImported() {
    ImportResult current = importTree(copy("current/grading", dir.resolve("current")), Map.of());
    ImportedEnvironment broken = row(current, "broken");
    assertThat(broken.imported()).isFalse();
    assertThat(broken.failure())
        .isEqualTo("the Dockerfile does not parse: line 2: unknown instruction 'FORM'");
    assertThat(current.imported()).hasSize(current.environments().size() - 1);
  }

  @Test
  void anInvalidEnvironmentNameIsNotImported(@TempDir Path tree) throws IOException {
    Files.writeString(
        tree.resolve("Dockerfile"),
        "FROM x/env-base\nLABEL org.inginious.grading.name=\"python 3\"\n");
    ImportedEnvironment row = importTree(tree, Map.of()).environments().get(0);
    assertThat(row.imported()).isFalse();
    assertThat(row.failure()).startsWith("environment id 'python 3' is not a label value");
  }

  @Test
  void twoEnvironmentsWithOneMetadataNameKeepTheFirst(@TempDir Path tree) throws IOException {
    for (String name : new String[] {"r", "R"}) {
      Path folder = Files.createDirectories(tree.resolve("env-" + name.hashCode()));
      Files.writeString(
          folder.resolve("Dockerfile"),
          "FROM x/env-base\nLABEL org.inginious.grading.name=\"" + name + "\"\n");
    }
    ImportResult result = importTree(tree, Map.of());
    assertThat(result.imported()).hasSize(1);
    assertThat(result.environments())
        .filteredOn(e -> !e.imported())
        .singleElement()
        .satisfies(
            e ->
                assertThat(e.failure())
                    .contains("metadata.name 'r' is already taken by environment"));
  }
}
