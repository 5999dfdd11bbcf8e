package org.inginious.grading.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.inginious.grading.api.Runtime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class OperatorConfigTest {

  @Test
  void defaultsMatchTheDesign() {
    OperatorConfig config = OperatorConfig.defaults();
    assertThat(config.defaultRuntimeValue()).isEqualTo(Runtime.RUNC);
    assertThat(config.runtime(Runtime.RUNC))
        .isEqualTo(new RuntimeConfig("runc", "runc", true, Map.of()));
    assertThat(config.runtime(Runtime.CRUN).isManaged()).isTrue();
    assertThat(config.runtime(Runtime.KATA).runtimeClassName()).isEqualTo("kata-qemu");
    assertThat(config.runtime(Runtime.KATA).isManaged()).isFalse();
    assertThat(config.runtime(Runtime.NVIDIA).runtimeClassName()).isEqualTo("nvidia");
    assertThat(config.runtime(Runtime.NVIDIA).isManaged()).isFalse();
    assertThat(config.builds().jib().maxConcurrent()).isEqualTo(2);
    assertThat(config.builds().successfulHistory()).isEqualTo(3);
    assertThat(config.grading().userNamespaces()).isTrue();
    assertThat(config.prePull().isEnabled()).isTrue();
    assertThat(config.prePull().pauseImage())
        .isEqualTo(PrePullConfig.DEFAULT_PAUSE_IMAGE)
        .contains("@sha256:");
    assertThat(config.prePull().helperImage())
        .isEqualTo(PrePullConfig.DEFAULT_HELPER_IMAGE)
        .contains("@sha256:");
  }

  @Test
  void prePullCanBeTurnedOffAndItsImagesReplacedOneByOne() {
    OperatorConfig off = OperatorConfig.parse("prePull: {enabled: false}", "config.yaml");
    assertThat(off.prePull())
        .isEqualTo(
            new PrePullConfig(
                false, PrePullConfig.DEFAULT_PAUSE_IMAGE, PrePullConfig.DEFAULT_HELPER_IMAGE));
    assertThat(off.prePull().isEnabled()).isFalse();

    OperatorConfig mirrored =
        OperatorConfig.parse(
            "prePull: {helperImage: 'mirror.example.edu/busybox:1.37.0-musl'}", "config.yaml");
    assertThat(mirrored.prePull().helperImage())
        .isEqualTo("mirror.example.edu/busybox:1.37.0-musl");
    assertThat(mirrored.prePull().pauseImage()).isEqualTo(PrePullConfig.DEFAULT_PAUSE_IMAGE);
    assertThat(mirrored.prePull().isEnabled()).isTrue();
    assertThat(OperatorConfig.parse("prePull: {}", "config.yaml").prePull())
        .isEqualTo(PrePullConfig.defaults());
  }

  @Test
  void userNamespacesCanBeTurnedOffAndTheRestKeepsItsDefaults() {
    OperatorConfig config = OperatorConfig.parse("grading: {userNamespaces: false}", "config.yaml");
    assertThat(config.grading().userNamespaces()).isFalse();
    assertThat(config.runtimes()).isEqualTo(OperatorConfig.defaults().runtimes());
    assertThat(OperatorConfig.parse("grading: {}", "config.yaml").grading().userNamespaces())
        .isTrue();
  }

  @Test
  void aPartialFileIsMergedOverTheDefaults() {
    OperatorConfig config =
        OperatorConfig.parse(
            """
        defaultRuntime: crun
        runtimes:
          kata: {runtimeClassName: kata-clh}
        builds:
          jib: {maxConcurrent: 4}
        """,
            "config.yaml");
    assertThat(config.defaultRuntimeValue()).isEqualTo(Runtime.CRUN);
    assertThat(config.runtime(Runtime.KATA).runtimeClassName()).isEqualTo("kata-clh");
    assertThat(config.runtime(Runtime.KATA).isManaged()).isFalse();
    assertThat(config.runtime(Runtime.RUNC).runtimeClassName()).isEqualTo("runc");
    assertThat(config.builds().jib().maxConcurrent()).isEqualTo(4);
    assertThat(config.builds().jib().cacheDir()).isEqualTo("/var/cache/jib");
  }

  @Test
  void anEmptyFileMeansDefaults() {
    assertThat(OperatorConfig.parse("", "config.yaml")).isEqualTo(OperatorConfig.defaults());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
      unknown top-level key   | defaultRuntme: crun                                  | unknown key 'defaultRuntme'
      unknown runtime         | 'runtimes: {gvisor: {runtimeClassName: gvisor}}'     | runtimes.gvisor
      unknown runtime field   | 'runtimes: {runc: {handlr: runc}}'                    | runtimes.runc.handlr
      bad default runtime     | defaultRuntime: kata                                 | 'defaultRuntime' must be runc or crun
      bad class name          | 'runtimes: {kata: {runtimeClassName: Kata_QEMU}}'     | runtimes.kata.runtimeClassName
      wrong type              | 'builds: {jib: {maxConcurrent: many}}'               | builds.jib.maxConcurrent
      zero builds             | 'builds: {jib: {maxConcurrent: 0}}'                  | builds.jib.maxConcurrent
      not yaml                | 'a: b: c'                                            | not valid YAML
      unknown grading key     | 'grading: {userNamespace: false}'                    | unknown key 'grading.userNamespace'
      userNamespaces not bool | 'grading: {userNamespaces: sometimes}'              | invalid value at 'grading.userNamespaces'
      unknown prePull key     | 'prePull: {enable: false}'                           | unknown key 'prePull.enable'
      prePull not bool        | 'prePull: {enabled: often}'                          | invalid value at 'prePull.enabled'
      blank pause image       | 'prePull: {pauseImage: ""}'                          | 'prePull.pauseImage' is not an image reference
      blank helper image      | 'prePull: {helperImage: " "}'                        | 'prePull.helperImage' is not an image reference
      bad helper image        | 'prePull: {helperImage: Busybox:latest}'             | 'prePull.helperImage' is not an image reference
      """)
  void aBadFileGivesOneMessageNamingTheKey(String description, String yaml, String expected) {
    assertThatThrownBy(() -> OperatorConfig.parse(yaml, "config.yaml"))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageStartingWith("config.yaml: ")
        .hasMessageContaining(expected);
  }

  @Test
  void aMissingFileIsReported(@TempDir Path dir) {
    assertThatThrownBy(() -> OperatorConfig.load(dir.resolve("absent.yaml")))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("absent.yaml: cannot be read");
  }
}
