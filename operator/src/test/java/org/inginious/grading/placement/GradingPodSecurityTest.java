package org.inginious.grading.placement;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplate;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.inginious.grading.api.GradingEnvironment;
import org.inginious.grading.api.Runtime;
import org.inginious.grading.config.BuildsConfig;
import org.inginious.grading.config.OperatorConfig;
import org.inginious.grading.image.dockerfile.DockerfilePlan;
import org.inginious.grading.image.dockerfile.KanikoJobs;
import org.inginious.grading.testing.Environments;
import org.inginious.grading.testing.PodSecurityStandards;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every pod template the operator renders passes the Pod Security `baseline` level, the level
 * grading namespaces enforce: the grading PodTemplate on every runtime with every option, and the
 * Kaniko build Job's. The grading PodTemplate also closes what the README's "Security of grading
 * pods" table says it closes.
 */
class GradingPodSecurityTest {
  private static final String IMAGE = "registry.example.edu/env@sha256:" + "a".repeat(64);

  private static final Map<String, String> RUNTIMES = new LinkedHashMap<>();
  private static final Map<String, String> NETWORK =
      Map.of("network none", "network: none", "network allowed", "network: allowed");
  private static final Map<String, String> PLACEMENT = new LinkedHashMap<>();

  static {
    RUNTIMES.put("runc", "runtime: auto");
    RUNTIMES.put("crun", "runtime: crun");
    RUNTIMES.put("kata via needRoot", "needRoot: true");
    RUNTIMES.put("nvidia with a GPU", "gpu: {count: 1}");
    RUNTIMES.put("nvidia with a MIG slice", "gpu: {resourceName: nvidia.com/mig-1g.5gb}");
    RUNTIMES.put("nvidia without a GPU", "runtime: nvidia");
    PLACEMENT.put("no placement", "");
    PLACEMENT.put("nodeSelector", "nodeSelector: {disk: ssd}");
    PLACEMENT.put(
        "tolerations",
        "tolerations: [{key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}]");
  }

  static Stream<Arguments> gradingPods() {
    List<Arguments> cases = new ArrayList<>();
    RUNTIMES.forEach(
        (runtime, runtimeYaml) ->
            NETWORK.forEach(
                (network, networkYaml) ->
                    PLACEMENT.forEach(
                        (placement, placementYaml) -> {
                          for (boolean userNamespaces : new boolean[] {true, false}) {
                            String grading =
                                String.join("\n", runtimeYaml, networkYaml, placementYaml).strip();
                            cases.add(
                                Arguments.of(
                                    String.join(
                                        ", ",
                                        runtime,
                                        network,
                                        placement,
                                        "user namespaces " + (userNamespaces ? "on" : "off")),
                                    grading,
                                    userNamespaces));
                          }
                        })));
    return cases.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("gradingPods")
  void gradingPodTemplatePassesBaseline(
      String description, String grading, boolean userNamespaces) {
    PodTemplate template = render(grading, userNamespaces);
    assertThat(PodSecurityStandards.baseline(template.getTemplate())).as(description).isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("gradingPods")
  void gradingPodTemplateClosesWhatTheReadmeSaysItCloses(
      String description, String grading, boolean userNamespaces) {
    GradingEnvironment environment = Environments.prebuilt("env", "img:1", grading);
    ResolvedRuntime runtime =
        ResolvedRuntime.resolve(environment.getSpec().grading, config(userNamespaces));
    PodSpec pod = GradingPodTemplates.render(environment, IMAGE, runtime).getTemplate().getSpec();
    Container container = pod.getContainers().get(0);

    assertThat(pod.getAutomountServiceAccountToken()).as("service account token").isFalse();
    assertThat(pod.getEnableServiceLinks()).as("service links").isFalse();
    assertThat(Arrays.asList(pod.getHostNetwork(), pod.getHostPID(), pod.getHostIPC()))
        .as("host namespaces")
        .containsOnlyNulls();
    assertThat(pod.getSecurityContext().getSeccompProfile().getType())
        .as("seccomp")
        .isEqualTo("RuntimeDefault");
    assertThat(container.getSecurityContext().getProcMount()).as("/proc stays masked").isNull();
    assertThat(pod.getActiveDeadlineSeconds()).as("activeDeadlineSeconds").isPositive();
    assertThat(container.getResources().getLimits())
        .as("ephemeral storage")
        .containsKey("ephemeral-storage");
    assertThat(pod.getHostUsers())
        .as("user namespace on runc and crun only, unless turned off")
        .isEqualTo(
            userNamespaces
                    && (runtime.runtime() == Runtime.RUNC || runtime.runtime() == Runtime.CRUN)
                ? false
                : null);
    Map<String, String> env =
        Optional.ofNullable(container.getEnv()).orElse(List.of()).stream()
            .collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue));
    if (environment.getSpec().grading.gpu != null) {
      assertThat(env)
          .as("GPU isolation: the device plugin's allocation decides which GPUs the pod sees")
          .containsExactlyEntriesOf(
              Map.of(GradingPodTemplates.NVIDIA_DRIVER_CAPABILITIES, "compute,utility"));
    } else {
      assertThat(env)
          .as("GPU isolation: no GPU on the nvidia runtime means none visible")
          .isEqualTo(
              runtime.runtime() == Runtime.NVIDIA
                  ? Map.of(GradingPodTemplates.NVIDIA_VISIBLE_DEVICES, "void")
                  : Map.of());
    }
    if (runtime.runtime() != Runtime.KATA) {
      assertThat(container.getSecurityContext().getAllowPrivilegeEscalation())
          .as("privilege escalation")
          .isFalse();
      assertThat(container.getSecurityContext().getCapabilities().getDrop())
          .as("capabilities")
          .containsExactly("ALL");
      assertThat(container.getSecurityContext().getCapabilities().getAdd())
          .as("capabilities beyond the entrypoint's")
          .containsExactlyInAnyOrderElementsOf(GradingPodTemplates.ENTRYPOINT_CAPABILITIES);
    }
  }

  static Stream<Arguments> buildPods() {
    String plain = "{repository: registry.example.edu/inginious/env-php}";
    return Stream.of(
        Arguments.of("plain", plain, "dockerfile: {inline: \"FROM x\"}"),
        Arguments.of(
            "push secret, insecure registry",
            "{repository: registry.example.edu/inginious/env-php, pushSecretRef: {name: regcred}, insecure: true}",
            "dockerfile: {inline: \"FROM x\"}"),
        Arguments.of(
            "with a context",
            plain,
            "dockerfile: {inline: \"FROM x\", contextConfigMapRef: {name: files}}"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("buildPods")
  void kanikoBuildPodPassesBaseline(String description, String image, String build)
      throws Exception {
    GradingEnvironment environment =
        Environments.fromYaml(
            """
        apiVersion: grading.inginious.org/v1alpha1
        kind: GradingEnvironment
        metadata: {name: php, namespace: grading, uid: uid-php}
        spec:
          image: %s
          build: {%s}
        """
                .formatted(image, build));
    ConfigMap files =
        new ConfigMapBuilder()
            .withNewMetadata()
            .withName("files")
            .endMetadata()
            .withData(Map.of("main.php", "<?php"))
            .build();
    DockerfilePlan plan =
        DockerfilePlan.of(
            environment,
            Optional.of("registry.example.edu/base@sha256:" + "1".repeat(64)),
            Map.of("files", files),
            BuildsConfig.DEFAULT_KANIKO_IMAGE);
    PodTemplateSpec pod = KanikoJobs.job(environment, plan).getSpec().getTemplate();
    assertThat(PodSecurityStandards.baseline(pod)).as(description).isEmpty();
    assertThat(PodSecurityStandards.restricted(pod))
        .as("Kaniko runs as root: baseline, not restricted")
        .isNotEmpty();
  }

  private static PodTemplate render(String grading, boolean userNamespaces) {
    GradingEnvironment environment = Environments.prebuilt("env", "img:1", grading);
    return GradingPodTemplates.render(
        environment,
        IMAGE,
        ResolvedRuntime.resolve(environment.getSpec().grading, config(userNamespaces)));
  }

  private static OperatorConfig config(boolean userNamespaces) {
    return OperatorConfig.parse("grading: {userNamespaces: " + userNamespaces + "}", "test");
  }
}
