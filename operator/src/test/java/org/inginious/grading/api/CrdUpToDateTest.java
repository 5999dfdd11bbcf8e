package org.inginious.grading.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The committed CRD copies must be the one generated from the api/ types. */
class CrdUpToDateTest {
  private static final String FILE = "gradingenvironments.grading.inginious.org-v1.yml";
  private static final String GENERATED = "operator/target/classes/META-INF/fabric8/" + FILE;
  private static final Path ROOT =
      Path.of(System.getProperty("project.root", "..")).toAbsolutePath().normalize();

  @Test
  void committedCrdIsTheGeneratedOne() throws IOException {
    assertSameAsGenerated("crds/" + FILE);
  }

  @Test
  void helmChartCrdIsTheGeneratedOne() throws IOException {
    assumeTrue(
        Files.isDirectory(ROOT.resolve("helm/grading-environment-operator/crds")),
        "no helm/grading-environment-operator/crds/ yet");
    assertSameAsGenerated("helm/grading-environment-operator/crds/" + FILE);
  }

  private static void assertSameAsGenerated(String committed) throws IOException {
    Path generated = ROOT.resolve(GENERATED);
    assertThat(generated)
        .as("%s (generated at process-classes by crd-generator-maven-plugin)", generated)
        .isRegularFile();
    String fix = "cd " + ROOT + " && cp " + GENERATED + " " + committed;
    Path copy = ROOT.resolve(committed);
    assertThat(Files.exists(copy)).as("%s is missing; fix with: %s", committed, fix).isTrue();
    assertThat(normalize(Files.readString(copy)))
        .as("%s is stale (the api/ types changed); fix with: %s", committed, fix)
        .isEqualTo(normalize(Files.readString(generated)));
  }

  private static String normalize(String text) {
    return text.replace("\r\n", "\n");
  }
}
