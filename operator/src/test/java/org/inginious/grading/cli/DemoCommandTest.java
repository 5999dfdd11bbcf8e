package org.inginious.grading.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.inginious.grading.testing.LocalRegistry;
import org.inginious.grading.testing.RegistryContents;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoCommandTest {
  static final List<String> LAYERS_EXAMPLES =
      List.of("runner", "course-base", "course-oz", "python3-ai", "python3-ai-gpu");

  @Test
  void runsToCompletionAndBuildsTheLayersExamplesIntoTarballs(@TempDir Path output)
      throws Exception {
    CommandLineTest.Run run =
        CommandLineTest.run(
            "demo",
            "-f",
            CommandLineTest.EXAMPLES.toString(),
            "--output",
            output.toString(),
            "--api-server",
            "embedded");

    assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
    for (String name : LAYERS_EXAMPLES) {
      assertThat(run.out().lines().filter(line -> line.startsWith(name + " ")).findFirst())
          .as(name)
          .hasValueSatisfying(
              line ->
                  assertThat(line).contains(" layers ").contains(" Ready ").contains("sha256:"));
    }
    assertThat(run.out()).contains("python3-ai-gpu-grading   runtimeClassName=nvidia");
    try (var tarballs = Files.list(output.resolve("images"))) {
      assertThat(tarballs.map(p -> p.getFileName().toString()))
          .hasSize(LAYERS_EXAMPLES.size())
          .allMatch(name -> name.endsWith(".tar"));
    }
  }

  /**
   * On the local control plane when e2e/setup.sh has built it (the README's test command does),
   * else embedded.
   */
  @Test
  void pushesToARegistryWhenGivenOne(@TempDir Path output) {
    try (LocalRegistry registry = LocalRegistry.open()) {
      CommandLineTest.Run run =
          CommandLineTest.run(
              "demo",
              "-f",
              CommandLineTest.EXAMPLES.toString(),
              "--output",
              output.toString(),
              "--registry",
              registry.host());

      assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
      String line =
          run.out().lines().filter(l -> l.startsWith("course-oz ")).findFirst().orElseThrow();
      assertThat(line).contains(" Ready ");
      String image =
          run.out()
              .lines()
              .filter(l -> l.strip().startsWith("course-oz-grading"))
              .findFirst()
              .orElseThrow();
      String digest = image.substring(image.indexOf("@sha256:") + 1).strip();
      assertThat(
              new RegistryContents(registry.host()).manifest("inginious/env-oz", digest).digest())
          .isEqualTo(digest);
    }
  }
}
