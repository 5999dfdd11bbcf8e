package org.inginious.grading.helm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.inginious.grading.helm.ChartFixture.FULLNAME;
import static org.inginious.grading.helm.ChartFixture.NAMESPACE;
import static org.inginious.grading.helm.ChartFixture.all;
import static org.inginious.grading.helm.ChartFixture.deployment;
import static org.inginious.grading.helm.ChartFixture.lintStrict;
import static org.inginious.grading.helm.ChartFixture.ofKind;
import static org.inginious.grading.helm.ChartFixture.render;
import static org.inginious.grading.helm.ChartFixture.values;

import com.fasterxml.jackson.core.type.TypeReference;
import com.marcnuri.helm.LintResult;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.inginious.grading.config.OperatorConfig;
import org.inginious.grading.config.PrePullConfig;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The chart renders and lints strictly, and the rendered objects carry what the values asked for.
 */
class HelmChartTest {

  private static final Set<String> NAMESPACED_RESOURCES =
      Set.of(
          "gradingenvironments",
          "gradingenvironments/status",
          "gradingenvironments/finalizers",
          "podtemplates",
          "configmaps",
          "networkpolicies",
          "jobs",
          "pods",
          "secrets",
          "daemonsets",
          "events");

  static Stream<Arguments> variations() {
    return Stream.of(
        Arguments.of("default values", Map.of()),
        Arguments.of("crun as default runtime", values("defaultRuntime", "crun")),
        Arguments.of("user namespaces off", values("grading.userNamespaces", false)),
        Arguments.of("pre-pull off", values("prePull.enabled", false)),
        Arguments.of("watchNamespaces [a, b]", values("watchNamespaces", List.of("a", "b"))),
        Arguments.of("two replicas", values("replicaCount", 2)),
        Arguments.of("metrics off", values("metrics.enabled", false)),
        Arguments.of("ServiceMonitor on", values("metrics.serviceMonitor.enabled", true)),
        Arguments.of("leader election off", values("leaderElection.enabled", false)),
        Arguments.of("image by digest", values("image.digest", "sha256:" + "ab".repeat(32))),
        Arguments.of(
            "scheduling",
            values(
                "nodeSelector", Map.of("kubernetes.io/os", "linux"),
                "tolerations", List.of(Map.of("key", "dedicated", "operator", "Exists")),
                "affinity",
                    Map.of(
                        "podAntiAffinity",
                        Map.of(
                            "preferredDuringSchedulingIgnoredDuringExecution",
                            List.of(
                                Map.of(
                                    "weight",
                                    100,
                                    "podAffinityTerm",
                                    Map.of(
                                        "topologyKey",
                                        "kubernetes.io/hostname",
                                        "labelSelector",
                                        Map.of(
                                            "matchLabels",
                                            Map.of("app.kubernetes.io/name", FULLNAME))))))))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("variations")
  void lintsStrictly(String name, Map<String, Object> values, @TempDir Path workDir) {
    LintResult result = lintStrict(values, workDir);

    assertThat(result.isFailed())
        .as("helm lint --strict (%s): %s", name, result.getMessages())
        .isFalse();
    assertThat(result.getMessages())
        .as("helm lint --strict (%s) warnings and errors", name)
        .noneMatch(message -> message.contains("[WARNING]") || message.contains("[ERROR]"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("variations")
  void rendersObjectsThatParseWithFabric8sModel(String name, Map<String, Object> values) {
    List<HasMetadata> objects = render(values);

    assertThat(objects).as(name).isNotEmpty();
    assertThat(objects)
        .as("only known kinds (%s)", name)
        .allSatisfy(
            o ->
                assertThat(o.getKind())
                    .isIn(
                        "ServiceAccount",
                        "ConfigMap",
                        "ClusterRole",
                        "ClusterRoleBinding",
                        "Role",
                        "RoleBinding",
                        "Service",
                        "Deployment",
                        "ServiceMonitor"));
    assertThat(objects)
        .as("every object named and labelled by the release (%s)", name)
        .allSatisfy(
            o -> {
              assertThat(o.getMetadata().getName()).isNotBlank();
              assertThat(o.getMetadata().getLabels())
                  .containsEntry("app.kubernetes.io/instance", ChartFixture.RELEASE)
                  .containsEntry("app.kubernetes.io/managed-by", "Helm");
            });
    assertThat(rulesOf(objects))
        .as("no wildcards in RBAC (%s)", name)
        .allSatisfy(
            rule -> {
              assertThat(rule.getApiGroups()).doesNotContain("*");
              assertThat(rule.getResources()).isNotEmpty().doesNotContain("*");
              assertThat(rule.getVerbs()).isNotEmpty().doesNotContain("*");
              assertThat(rule.getNonResourceURLs()).isNullOrEmpty();
            });
    assertThat(rulesOf(objects))
        .as("Secrets read-only (%s)", name)
        .filteredOn(rule -> rule.getResources().contains("secrets"))
        .isNotEmpty()
        .allSatisfy(rule -> assertThat(rule.getVerbs()).isSubsetOf("get", "list", "watch"));
    assertThat(rulesOf(objects))
        .as("the spec of GradingEnvironments is never written (%s)", name)
        .filteredOn(rule -> rule.getResources().contains("gradingenvironments"))
        .allSatisfy(rule -> assertThat(rule.getVerbs()).isSubsetOf("get", "list", "watch"));
  }

  @Nested
  class DefaultValues {

    private final List<HasMetadata> objects = render();

    @Test
    void createsTheExpectedObjects() {
      assertThat(objects)
          .extracting(o -> o.getKind() + "/" + o.getMetadata().getName())
          .containsExactlyInAnyOrder(
              "ServiceAccount/" + FULLNAME,
              "ConfigMap/" + FULLNAME + "-config",
              "ClusterRole/" + FULLNAME + "-cluster",
              "ClusterRoleBinding/" + FULLNAME + "-cluster",
              "ClusterRole/" + FULLNAME + "-namespaced",
              "ClusterRoleBinding/" + FULLNAME + "-namespaced",
              "Role/" + FULLNAME + "-leader-election",
              "RoleBinding/" + FULLNAME + "-leader-election",
              "Service/" + FULLNAME + "-metrics",
              "Deployment/" + FULLNAME);
      assertThat(objects)
          .filteredOn(o -> !o.getKind().startsWith("Cluster"))
          .allSatisfy(o -> assertThat(o.getMetadata().getNamespace()).isEqualTo(NAMESPACE));
    }

    @Test
    void deploymentRunsTheOperatorWithItsConfigFile() {
      Deployment deployment = deployment(objects);
      Container container = operatorContainer(deployment);

      assertThat(deployment.getSpec().getReplicas()).isEqualTo(1);
      assertThat(container.getImage())
          .isEqualTo("ghcr.io/inginious/grading-environment-operator:0.1.0");
      assertThat(container.getArgs())
          .containsExactly("run", "--config", "/etc/grading-environment-operator/config.yaml");
      assertThat(deployment.getSpec().getTemplate().getSpec().getServiceAccountName())
          .isEqualTo(FULLNAME);
      assertThat(deployment.getSpec().getTemplate().getSpec().getAutomountServiceAccountToken())
          .isTrue();
      assertThat(deployment.getSpec().getSelector().getMatchLabels())
          .containsOnlyKeys("app.kubernetes.io/name", "app.kubernetes.io/instance");
      assertThat(deployment.getSpec().getTemplate().getMetadata().getLabels())
          .containsAllEntriesOf(deployment.getSpec().getSelector().getMatchLabels());
      assertThat(deployment.getSpec().getTemplate().getMetadata().getAnnotations())
          .containsKey("checksum/config");
    }

    @Test
    void environmentFollowsTheContract() {
      Map<String, EnvVar> env = env(deployment(objects));

      assertThat(env.get("WATCH_NAMESPACES").getValue()).as("all namespaces").isEmpty();
      assertThat(env.get("POD_NAMESPACE").getValueFrom().getFieldRef().getFieldPath())
          .isEqualTo("metadata.namespace");
      assertThat(env.get("POD_NAME").getValueFrom().getFieldRef().getFieldPath())
          .isEqualTo("metadata.name");
      assertThat(env.get("LEADER_ELECTION").getValue()).isEqualTo("true");
      assertThat(env.get("JAVA_TOOL_OPTIONS").getValue())
          .contains(
              "-XX:MaxRAMPercentage=75",
              "-XX:TieredStopAtLevel=1",
              "-XX:+UseSerialGC",
              "-Djava.io.tmpdir=/tmp");
    }

    @Test
    void oneHttpPortServesProbesAndMetrics() {
      Container container = operatorContainer(deployment(objects));

      assertThat(container.getPorts()).hasSize(1);
      assertThat(container.getPorts().get(0).getName()).isEqualTo("http");
      assertThat(container.getPorts().get(0).getContainerPort()).isEqualTo(8081);
      assertThat(container.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
      assertThat(container.getLivenessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("http");
      assertThat(container.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
      assertThat(container.getReadinessProbe().getHttpGet().getPort().getStrVal())
          .isEqualTo("http");
      assertThat(container.getStartupProbe().getHttpGet().getPath()).isEqualTo("/healthz");

      Service service = ChartFixture.only(objects, Service.class);
      assertThat(service.getSpec().getPorts())
          .singleElement()
          .satisfies(
              port -> {
                assertThat(port.getName()).isEqualTo("http");
                assertThat(port.getPort()).isEqualTo(8081);
                assertThat(port.getTargetPort().getStrVal()).isEqualTo("http");
              });
      assertThat(service.getSpec().getSelector())
          .isEqualTo(deployment(objects).getSpec().getSelector().getMatchLabels());
    }

    @Test
    void writableDirectoriesAreEmptyDirs() {
      Deployment deployment = deployment(objects);
      Map<String, String> mounts =
          operatorContainer(deployment).getVolumeMounts().stream()
              .collect(Collectors.toMap(VolumeMount::getMountPath, VolumeMount::getName));
      Map<String, Volume> volumes =
          deployment.getSpec().getTemplate().getSpec().getVolumes().stream()
              .collect(Collectors.toMap(Volume::getName, Function.identity()));

      assertThat(mounts)
          .containsKeys("/tmp", "/var/cache/jib", "/etc/grading-environment-operator");
      assertThat(volumes.get(mounts.get("/tmp")).getEmptyDir()).isNotNull();
      assertThat(volumes.get(mounts.get("/var/cache/jib")).getEmptyDir()).isNotNull();
      assertThat(
              volumes.get(mounts.get("/etc/grading-environment-operator")).getConfigMap().getName())
          .isEqualTo(FULLNAME + "-config");
      assertThat(operatorContainer(deployment).getSecurityContext().getReadOnlyRootFilesystem())
          .isTrue();
    }

    @Test
    void configMapHoldsTheOperatorConfiguration() {
      Map<String, Object> config = operatorConfig(objects);

      assertThat(config)
          .containsOnlyKeys("defaultRuntime", "runtimes", "builds", "grading", "prePull");
      assertThat(map(config.get("grading")))
          .containsExactlyEntriesOf(Map.of("userNamespaces", true));
      assertThat(config).containsEntry("defaultRuntime", "runc");
      Map<String, Map<String, Object>> runtimes = map(config.get("runtimes"));
      assertThat(runtimes).containsOnlyKeys("runc", "crun", "kata", "nvidia");
      assertThat(runtimes.get("runc"))
          .containsEntry("runtimeClassName", "runc")
          .containsEntry("handler", "runc")
          .containsEntry("managed", true);
      assertThat(runtimes.get("crun"))
          .containsEntry("runtimeClassName", "crun")
          .containsEntry("handler", "crun")
          .containsEntry("managed", true)
          .containsEntry("nodeSelector", Map.of("grading.inginious.org/crun", "true"));
      assertThat(runtimes.get("kata"))
          .containsEntry("runtimeClassName", "kata-qemu")
          .containsEntry("managed", false);
      assertThat(runtimes.get("nvidia"))
          .containsEntry("runtimeClassName", "nvidia")
          .containsEntry("managed", false);
      Map<String, Object> builds = map(config.get("builds"));
      assertThat(builds)
          .containsOnlyKeys("kanikoImage", "jib", "successfulHistory", "failedHistory");
      // the maintained fork, pinned by release tag (see the chart README) and the same as the
      // operator's default
      assertThat((String) builds.get("kanikoImage"))
          .matches("ghcr\\.io/osscontainertools/kaniko:v\\d+\\.\\d+\\.\\d+(@sha256:[0-9a-f]{64})?")
          .isEqualTo(org.inginious.grading.config.BuildsConfig.DEFAULT_KANIKO_IMAGE);
      assertThat(builds).containsEntry("successfulHistory", 3).containsEntry("failedHistory", 3);
      assertThat(map(builds.get("jib")))
          .containsEntry("maxConcurrent", 2)
          .containsEntry("cacheDir", "/var/cache/jib");
      // pinned by digest, and the same as the operator's defaults
      assertThat(map(config.get("prePull")))
          .containsExactlyInAnyOrderEntriesOf(
              Map.of(
                  "enabled", true,
                  "pauseImage", PrePullConfig.DEFAULT_PAUSE_IMAGE,
                  "helperImage", PrePullConfig.DEFAULT_HELPER_IMAGE));
      assertThat(List.of(PrePullConfig.DEFAULT_PAUSE_IMAGE, PrePullConfig.DEFAULT_HELPER_IMAGE))
          .allSatisfy(image -> assertThat(image).matches("[^@\\s]+:[\\w.-]+@sha256:[0-9a-f]{64}"));
    }

    @Test
    void namespacedKindsAreGrantedClusterWideWhenWatchingAllNamespaces() {
      ClusterRole namespaced = clusterRole(objects, FULLNAME + "-namespaced");

      assertThat(resources(namespaced.getRules()))
          .containsExactlyInAnyOrderElementsOf(NAMESPACED_RESOURCES);
      assertThat(all(objects, Role.class))
          .extracting(r -> r.getMetadata().getName())
          .containsExactly(FULLNAME + "-leader-election");
      assertBoundToServiceAccount(
          clusterRoleBinding(objects, FULLNAME + "-namespaced"), namespaced);
    }

    @Test
    void exactlyTheDocumentedPermissions() {
      assertThat(verbsByResource(clusterRole(objects, FULLNAME + "-namespaced").getRules()))
          .containsExactlyInAnyOrderEntriesOf(
              Map.ofEntries(
                  Map.entry("grading.inginious.org/gradingenvironments", Set.of("list", "watch")),
                  Map.entry("grading.inginious.org/gradingenvironments/status", Set.of("patch")),
                  Map.entry(
                      "grading.inginious.org/gradingenvironments/finalizers", Set.of("update")),
                  Map.entry("/podtemplates", Set.of("list", "watch", "create", "update", "delete")),
                  Map.entry("/configmaps", Set.of("get", "list", "watch", "create", "delete")),
                  Map.entry(
                      "networking.k8s.io/networkpolicies",
                      Set.of("list", "watch", "create", "update", "delete")),
                  Map.entry("batch/jobs", Set.of("get", "list", "watch", "create", "delete")),
                  Map.entry("/pods", Set.of("list", "watch")),
                  Map.entry("/secrets", Set.of("get")),
                  Map.entry(
                      "apps/daemonsets", Set.of("list", "watch", "create", "update", "delete")),
                  Map.entry("/events", Set.of("create", "patch"))));
      assertThat(verbsByResource(clusterRole(objects, FULLNAME + "-cluster").getRules()))
          .containsExactlyInAnyOrderEntriesOf(
              Map.of(
                  "node.k8s.io/runtimeclasses",
                  Set.of("list", "watch", "create", "update", "delete"),
                  "/nodes",
                  Set.of("list", "watch")));
      Role leases = role(objects, FULLNAME + "-leader-election", NAMESPACE);
      assertThat(verbsByResource(leases.getRules()))
          .containsExactlyInAnyOrderEntriesOf(
              Map.of("coordination.k8s.io/leases", Set.of("get", "create", "update", "patch")));
      assertBoundToServiceAccount(
          clusterRoleBinding(objects, FULLNAME + "-cluster"),
          clusterRole(objects, FULLNAME + "-cluster"));
      assertBoundToServiceAccount(
          roleBinding(objects, FULLNAME + "-leader-election", NAMESPACE), leases);
    }

    @Test
    void serviceAccountMountsItsToken() {
      ServiceAccount serviceAccount = ChartFixture.only(objects, ServiceAccount.class);

      assertThat(serviceAccount.getMetadata().getName()).isEqualTo(FULLNAME);
      assertThat(serviceAccount.getAutomountServiceAccountToken()).isTrue();
    }

    @Test
    void noServiceMonitorByDefault() {
      assertThat(ofKind(objects, "ServiceMonitor")).isEmpty();
    }
  }

  @Test
  void crunAsDefaultRuntime() {
    List<HasMetadata> objects = render(values("defaultRuntime", "crun"));

    assertThat(operatorConfig(objects)).containsEntry("defaultRuntime", "crun");
    assertThat(
            deployment(objects)
                .getSpec()
                .getTemplate()
                .getMetadata()
                .getAnnotations()
                .get("checksum/config"))
        .as("a config change rolls the pods")
        .isNotEqualTo(
            deployment(render())
                .getSpec()
                .getTemplate()
                .getMetadata()
                .getAnnotations()
                .get("checksum/config"));
  }

  @Test
  void defaultRuntimeMustBeAConfiguredRuntime() {
    assertThatThrownBy(() -> render(values("defaultRuntime", "kata")))
        .hasMessageContaining("defaultRuntime");
  }

  @Test
  void runtimesAndBuildsComeFromValues() {
    List<HasMetadata> objects =
        render(
            values(
                "runtimes.kata.runtimeClassName", "kata-clh",
                "builds.jib.maxConcurrent", 4,
                "builds.successfulHistory", 1));

    Map<String, Object> config = operatorConfig(objects);
    Map<String, Map<String, Object>> runtimes = map(config.get("runtimes"));
    assertThat(runtimes.get("kata")).containsEntry("runtimeClassName", "kata-clh");
    assertThat(runtimes).containsKeys("runc", "crun", "nvidia");
    assertThat(map(map(config.get("builds")).get("jib"))).containsEntry("maxConcurrent", 4);
    assertThat(map(config.get("builds"))).containsEntry("successfulHistory", 1);
  }

  @Test
  void userNamespacesCanBeTurnedOff() {
    List<HasMetadata> objects = render(values("grading.userNamespaces", false));

    assertThat(map(operatorConfig(objects).get("grading"))).containsEntry("userNamespaces", false);
    String configYaml = all(objects, ConfigMap.class).get(0).getData().get("config.yaml");
    assertThat(OperatorConfig.parse(configYaml, "config.yaml").grading().userNamespaces())
        .as("the operator reads what the chart writes")
        .isFalse();
    assertThat(
            OperatorConfig.parse(
                    all(render(), ConfigMap.class).get(0).getData().get("config.yaml"),
                    "config.yaml")
                .grading()
                .userNamespaces())
        .as("on by default")
        .isTrue();
  }

  @Test
  void prePullComesFromValues() {
    List<HasMetadata> objects =
        render(
            values(
                "prePull.enabled",
                false,
                "prePull.helperImage",
                "mirror.example.edu/library/busybox:1.37.0-musl"));

    assertThat(map(operatorConfig(objects).get("prePull")))
        .containsEntry("enabled", false)
        .containsEntry("helperImage", "mirror.example.edu/library/busybox:1.37.0-musl")
        .containsEntry("pauseImage", PrePullConfig.DEFAULT_PAUSE_IMAGE);
    String configYaml = all(objects, ConfigMap.class).get(0).getData().get("config.yaml");
    PrePullConfig read = OperatorConfig.parse(configYaml, "config.yaml").prePull();
    assertThat(read)
        .as("the operator reads what the chart writes")
        .isEqualTo(
            new PrePullConfig(
                false,
                PrePullConfig.DEFAULT_PAUSE_IMAGE,
                "mirror.example.edu/library/busybox:1.37.0-musl"));
    assertThat(
            OperatorConfig.parse(
                    all(render(), ConfigMap.class).get(0).getData().get("config.yaml"),
                    "config.yaml")
                .prePull())
        .as("defaults")
        .isEqualTo(PrePullConfig.defaults());
  }

  @Test
  void prePullValuesAreChecked() {
    assertThatThrownBy(() -> render(values("prePull.enabled", "yes")))
        .hasMessageContaining("enabled");
    assertThatThrownBy(() -> render(values("prePull.pauseImage", "")))
        .hasMessageContaining("pauseImage");
    assertThatThrownBy(() -> render(values("prePull.helperImage", " ")))
        .hasMessageContaining("helperImage");
    assertThatThrownBy(() -> render(values("prePull.resources", Map.of())))
        .hasMessageContaining("resources");
  }

  @Test
  void userNamespacesMustBeABoolean() {
    assertThatThrownBy(() -> render(values("grading.userNamespaces", "no")))
        .hasMessageContaining("userNamespaces");
  }

  @Test
  void watchedNamespacesGetRolesAndNoClusterWideNamespacedKinds() {
    List<HasMetadata> objects = render(values("watchNamespaces", List.of("a", "b")));

    assertThat(env(deployment(objects)).get("WATCH_NAMESPACES").getValue()).isEqualTo("a,b");
    for (String namespace : List.of("a", "b")) {
      Role role = role(objects, FULLNAME, namespace);
      assertThat(resources(role.getRules()))
          .as("Role in %s", namespace)
          .containsExactlyInAnyOrderElementsOf(NAMESPACED_RESOURCES);
      assertBoundToServiceAccount(roleBinding(objects, FULLNAME, namespace), role);
    }
    assertThat(all(objects, Role.class))
        .extracting(r -> r.getMetadata().getNamespace() + "/" + r.getMetadata().getName())
        .containsExactlyInAnyOrder(
            "a/" + FULLNAME, "b/" + FULLNAME, NAMESPACE + "/" + FULLNAME + "-leader-election");
    assertThat(all(objects, ClusterRole.class))
        .as("only cluster-scoped kinds are cluster-wide: RuntimeClasses and Nodes")
        .singleElement()
        .satisfies(
            role ->
                assertThat(resources(role.getRules()))
                    .containsExactlyInAnyOrder("runtimeclasses", "nodes"));
    assertThat(all(objects, ClusterRoleBinding.class))
        .extracting(b -> b.getRoleRef().getName())
        .containsExactly(FULLNAME + "-cluster");
  }

  @Test
  void twoReplicasWithLeaderElection() {
    List<HasMetadata> objects = render(values("replicaCount", 2));

    assertThat(deployment(objects).getSpec().getReplicas()).isEqualTo(2);
    assertThat(env(deployment(objects)).get("LEADER_ELECTION").getValue()).isEqualTo("true");
    assertThat(role(objects, FULLNAME + "-leader-election", NAMESPACE)).isNotNull();
  }

  @Test
  void leaderElectionOffDropsTheLeaseRole() {
    List<HasMetadata> objects = render(values("leaderElection.enabled", false));

    assertThat(env(deployment(objects)).get("LEADER_ELECTION").getValue()).isEqualTo("false");
    assertThat(rulesOf(objects)).noneMatch(rule -> rule.getResources().contains("leases"));
  }

  @Test
  void twoReplicasWithoutLeaderElectionAreRefused() {
    assertThatThrownBy(() -> render(values("replicaCount", 2, "leaderElection.enabled", false)))
        .hasMessageContaining("leaderElection.enabled");
  }

  @Test
  void metricsOffRendersNoServiceAndNoServiceMonitor() {
    List<HasMetadata> objects =
        render(values("metrics.enabled", false, "metrics.serviceMonitor.enabled", true));

    assertThat(all(objects, Service.class)).isEmpty();
    assertThat(ofKind(objects, "ServiceMonitor")).isEmpty();
    assertThat(operatorContainer(deployment(objects)).getReadinessProbe().getHttpGet().getPath())
        .as("probes stay")
        .isEqualTo("/readyz");
  }

  @Test
  void serviceMonitorScrapesTheMetricsService() {
    List<HasMetadata> objects =
        render(
            values(
                "metrics.serviceMonitor.enabled",
                true,
                "metrics.serviceMonitor.labels",
                Map.of("release", "prometheus")));

    HasMetadata serviceMonitor = ofKind(objects, "ServiceMonitor").get(0);
    assertThat(serviceMonitor).isInstanceOf(GenericKubernetesResource.class);
    assertThat(serviceMonitor.getApiVersion()).isEqualTo("monitoring.coreos.com/v1");
    assertThat(serviceMonitor.getMetadata().getLabels()).containsEntry("release", "prometheus");
    GenericKubernetesResource generic = (GenericKubernetesResource) serviceMonitor;
    Map<String, Object> endpoint = generic.get("spec", "endpoints", 0);
    assertThat(endpoint).containsEntry("port", "http").containsEntry("path", "/metrics");
    Map<String, String> selector = generic.get("spec", "selector", "matchLabels");
    assertThat(ChartFixture.only(objects, Service.class).getMetadata().getLabels())
        .containsAllEntriesOf(selector);
  }

  @Test
  void imageByDigestWinsOverTag() {
    String digest = "sha256:" + "ab".repeat(32);
    List<HasMetadata> objects = render(values("image.digest", digest, "image.tag", "ignored"));

    assertThat(operatorContainer(deployment(objects)).getImage())
        .isEqualTo("ghcr.io/inginious/grading-environment-operator@" + digest);
  }

  @Test
  void jibCacheFollowsBuildsJibCacheDir() {
    List<HasMetadata> objects = render(values("builds.jib.cacheDir", "/cache/jib"));

    assertThat(operatorContainer(deployment(objects)).getVolumeMounts())
        .extracting(VolumeMount::getMountPath)
        .contains("/cache/jib")
        .doesNotContain("/var/cache/jib");
    assertThat(map(map(operatorConfig(objects).get("builds")).get("jib")))
        .containsEntry("cacheDir", "/cache/jib");
  }

  @Test
  void schedulingValuesReachThePod() {
    List<HasMetadata> objects =
        render(
            values(
                "nodeSelector", Map.of("kubernetes.io/os", "linux"),
                "tolerations",
                    List.of(
                        Map.of("key", "dedicated", "operator", "Exists", "effect", "NoSchedule"))));

    var podSpec = deployment(objects).getSpec().getTemplate().getSpec();
    assertThat(podSpec.getNodeSelector()).containsEntry("kubernetes.io/os", "linux");
    assertThat(podSpec.getTolerations())
        .singleElement()
        .satisfies(
            t -> {
              assertThat(t.getKey()).isEqualTo("dedicated");
              assertThat(t.getEffect()).isEqualTo("NoSchedule");
            });
  }

  @Test
  void chartShipsTheGeneratedCrdWhenTheBuildCopiedIt() throws Exception {
    Path crd =
        ChartFixture.chartDir().resolve("crds/gradingenvironments.grading.inginious.org-v1.yml");
    Assumptions.assumeTrue(
        Files.exists(crd), "the build has not copied the CRD into the chart yet");

    CustomResourceDefinition definition =
        Serialization.unmarshal(Files.readString(crd), CustomResourceDefinition.class);
    assertThat(definition.getSpec().getGroup()).isEqualTo("grading.inginious.org");
    assertThat(definition.getSpec().getNames().getKind()).isEqualTo("GradingEnvironment");
  }

  // ---------------------------------------------------------------------------------------------

  static Container operatorContainer(Deployment deployment) {
    return deployment.getSpec().getTemplate().getSpec().getContainers().stream()
        .filter(c -> c.getName().equals("operator"))
        .findFirst()
        .orElseThrow();
  }

  private static Map<String, EnvVar> env(Deployment deployment) {
    return operatorContainer(deployment).getEnv().stream()
        .collect(Collectors.toMap(EnvVar::getName, Function.identity()));
  }

  private static Map<String, Object> operatorConfig(List<HasMetadata> objects) {
    ConfigMap configMap =
        all(objects, ConfigMap.class).stream()
            .filter(c -> c.getMetadata().getName().equals(FULLNAME + "-config"))
            .findFirst()
            .orElseThrow();
    assertThat(configMap.getData()).containsOnlyKeys("config.yaml");
    return Serialization.unmarshal(
        configMap.getData().get("config.yaml"), new TypeReference<>() {});
  }

  @SuppressWarnings("unchecked")
  private static <V> Map<String, V> map(Object value) {
    assertThat(value).isInstanceOf(Map.class);
    return (Map<String, V>) value;
  }

  private static List<PolicyRule> rulesOf(List<HasMetadata> objects) {
    return Stream.concat(
            all(objects, ClusterRole.class).stream().flatMap(r -> r.getRules().stream()),
            all(objects, Role.class).stream().flatMap(r -> r.getRules().stream()))
        .toList();
  }

  private static List<String> resources(List<PolicyRule> rules) {
    return rules.stream().flatMap(r -> r.getResources().stream()).distinct().toList();
  }

  /** "group/resource" -> verbs, merged over the rules. */
  private static Map<String, Set<String>> verbsByResource(List<PolicyRule> rules) {
    return rules.stream()
        .flatMap(
            rule ->
                rule.getApiGroups().stream()
                    .flatMap(
                        group ->
                            rule.getResources().stream()
                                .map(resource -> Map.entry(group + "/" + resource, rule))))
        .collect(
            Collectors.toMap(
                Map.Entry::getKey,
                e -> Set.copyOf(e.getValue().getVerbs()),
                (a, b) -> Stream.concat(a.stream(), b.stream()).collect(Collectors.toSet())));
  }

  private static ClusterRole clusterRole(List<HasMetadata> objects, String name) {
    return all(objects, ClusterRole.class).stream()
        .filter(r -> r.getMetadata().getName().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no ClusterRole " + name));
  }

  private static ClusterRoleBinding clusterRoleBinding(List<HasMetadata> objects, String name) {
    return all(objects, ClusterRoleBinding.class).stream()
        .filter(r -> r.getMetadata().getName().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no ClusterRoleBinding " + name));
  }

  private static Role role(List<HasMetadata> objects, String name, String namespace) {
    return all(objects, Role.class).stream()
        .filter(
            r ->
                r.getMetadata().getName().equals(name)
                    && namespace.equals(r.getMetadata().getNamespace()))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no Role " + namespace + "/" + name));
  }

  private static RoleBinding roleBinding(List<HasMetadata> objects, String name, String namespace) {
    return all(objects, RoleBinding.class).stream()
        .filter(
            r ->
                r.getMetadata().getName().equals(name)
                    && namespace.equals(r.getMetadata().getNamespace()))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no RoleBinding " + namespace + "/" + name));
  }

  private static void assertBoundToServiceAccount(ClusterRoleBinding binding, ClusterRole role) {
    assertThat(binding.getRoleRef().getKind()).isEqualTo("ClusterRole");
    assertThat(binding.getRoleRef().getName()).isEqualTo(role.getMetadata().getName());
    assertThat(binding.getSubjects())
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.getKind()).isEqualTo("ServiceAccount");
              assertThat(s.getName()).isEqualTo(FULLNAME);
              assertThat(s.getNamespace()).isEqualTo(NAMESPACE);
            });
  }

  private static void assertBoundToServiceAccount(RoleBinding binding, Role role) {
    assertThat(binding.getRoleRef().getKind()).isEqualTo("Role");
    assertThat(binding.getRoleRef().getName()).isEqualTo(role.getMetadata().getName());
    assertThat(binding.getMetadata().getNamespace()).isEqualTo(role.getMetadata().getNamespace());
    assertThat(binding.getSubjects())
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.getKind()).isEqualTo("ServiceAccount");
              assertThat(s.getName()).isEqualTo(FULLNAME);
              assertThat(s.getNamespace()).isEqualTo(NAMESPACE);
            });
  }
}
