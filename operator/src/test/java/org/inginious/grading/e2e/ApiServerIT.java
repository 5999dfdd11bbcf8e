package org.inginious.grading.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.inginious.grading.api.CrdSchemaTest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The generated CRD on a real API server: accepted, established, and every bad manifest of the test
 * corpus ({@link CrdSchemaTest#badSpecs()}) rejected by the server itself (schema and CEL) at apply
 * time, with kubectl's strict field validation as users get it, naming the same field as the Java
 * validator does.
 */
@Order(1)
class ApiServerIT {
  private static final Pattern FIELD = Pattern.compile("spec(\\.[A-Za-z]+(\\[\\d+])?)*");
  private static ControlPlane cluster;

  @BeforeAll
  static void install() {
    OperatorInstallation.shared();
    cluster = ControlPlane.shared();
  }

  static List<Arguments> badSpecs() {
    return CrdSchemaTest.badSpecs().toList();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badSpecs")
  void theApiServerRejectsWhatTheJavaValidatorRejects(
      String name,
      String spec,
      String crdFragment,
      CrdSchemaTest.JavaCheck check,
      String javaFragment)
      throws IOException {
    Path manifest = Files.createTempFile(cluster.dir(), "bad-", ".yaml");
    Files.writeString(
        manifest, CrdSchemaTest.document(spec).replace("namespace: grading", "namespace: default"));
    ControlPlane.ProcessOutput result =
        cluster.kubectl(
            "apply", "--dry-run=server", "--validate=strict", "-f", manifest.toString());

    assertThat(result.exitCode()).as("kubectl apply of %s: %s", name, result.output()).isNotZero();
    assertThat(result.output()).as(name).contains(crdFragment);
    Matcher field = FIELD.matcher(javaFragment);
    assertThat(field.find()).as("the Java message names a field: %s", javaFragment).isTrue();
    assertThat(result.output())
        .as("the server names the field the Java validator names (%s)", field.group())
        .contains(field.group());
  }

  @Test
  void everyExampleIsAccepted() {
    ControlPlane.ProcessOutput result =
        cluster.kubectl(
            "apply",
            "--dry-run=server",
            "--validate=strict",
            "-n",
            "default",
            "-f",
            cluster.projectRoot().resolve("examples").toString());
    assertThat(result.exitCode()).as(result.output()).isZero();
    assertThat(result.output()).contains("gradingenvironment.grading.inginious.org/");
  }
}
