package org.inginious.grading.placement;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplate;
import io.fabric8.kubernetes.api.model.Quantity;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.inginious.grading.api.CrdSchemaValidator;
import org.inginious.grading.api.GradingEnvironment;
import org.inginious.grading.api.GradingEnvironmentValidator;
import org.inginious.grading.config.OperatorConfig;
import org.inginious.grading.testing.Environments;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PlacementTest {
  private static final String IMAGE = "registry.example.edu/env@sha256:" + "a".repeat(64);
  private static final OperatorConfig DEFAULTS = OperatorConfig.defaults();
  private static final OperatorConfig CRUN_DEFAULT =
      OperatorConfig.parse(
          """
      defaultRuntime: crun
      runtimes:
        crun: {nodeSelector: {grading.inginious.org/crun: "true"}}
      """,
          "test");

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
      auto, plain           | runtime: auto                              | runc      | docker
      auto + gpu            | gpu: {count: 1}                            | nvidia    | nvidia
      auto + needRoot       | needRoot: true                             | kata-qemu | kata
      explicit crun         | runtime: crun                              | crun      | docker
      explicit nvidia, no gpu | runtime: nvidia                          | nvidia    | nvidia
      explicit kata         | runtime: kata                              | kata-qemu | kata
      kata + needRoot       | '{runtime: kata, needRoot: true}'          | kata-qemu | kata
      """)
  void resolvesRuntimeWithDefaultConfig(
      String description, String grading, String runtimeClass, String type) {
    GradingEnvironment env = Environments.prebuilt("env", "img:1", grading);
    ResolvedRuntime runtime = ResolvedRuntime.resolve(env.getSpec().grading, DEFAULTS);
    assertThat(runtime.runtimeClassName()).isEqualTo(runtimeClass);
    assertThat(runtime.typeLabel()).isEqualTo(type);
  }

  @Test
  void autoUsesTheConfiguredDefaultRuntime() {
    GradingEnvironment env = Environments.prebuilt("env", "img:1", "");
    ResolvedRuntime runtime = ResolvedRuntime.resolve(env.getSpec().grading, CRUN_DEFAULT);
    assertThat(runtime.runtimeClassName()).isEqualTo("crun");
    assertThat(runtime.typeLabel()).isEqualTo("docker");
    // a GPU environment still goes to nvidia, whatever the default
    GradingEnvironment gpu = Environments.prebuilt("gpu", "img:1", "gpu: {}");
    assertThat(ResolvedRuntime.resolve(gpu.getSpec().grading, CRUN_DEFAULT).runtimeClassName())
        .isEqualTo("nvidia");
  }

  @Test
  void plainEnvironmentGetsTheGraderContract() {
    GradingEnvironment env =
        Environments.prebuilt(
            "php",
            "img:1",
            """
        resources: {limits: {memory: 256Mi, cpu: "2"}}
        activeDeadlineSeconds: 120
        """);
    PodTemplate template =
        GradingPodTemplates.render(
            env, IMAGE, ResolvedRuntime.resolve(env.getSpec().grading, DEFAULTS));

    assertThat(template.getMetadata().getName()).isEqualTo("php-grading");
    assertThat(template.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(
            ref -> {
              assertThat(ref.getKind()).isEqualTo("GradingEnvironment");
              assertThat(ref.getUid()).isEqualTo("uid-php");
              assertThat(ref.getController()).isTrue();
            });
    assertThat(template.getTemplate().getMetadata().getLabels())
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(Labels.ENVIRONMENT, "php", Labels.TYPE, "docker", Labels.NETWORK, "none"));
    PodSpec pod = template.getTemplate().getSpec();
    assertThat(pod.getRuntimeClassName()).isEqualTo("runc");
    assertThat(pod.getRestartPolicy()).isEqualTo("Never");
    assertThat(pod.getAutomountServiceAccountToken()).isFalse();
    assertThat(pod.getActiveDeadlineSeconds()).isEqualTo(120L);
    assertThat(pod.getOverhead()).isNullOrEmpty();
    assertThat(pod.getNodeSelector()).isNullOrEmpty();
    Container container = pod.getContainers().get(0);
    assertThat(container.getImage()).isEqualTo(IMAGE);
    assertThat(container.getResources().getRequests())
        .isEqualTo(container.getResources().getLimits());
    assertThat(container.getResources().getLimits())
        .containsEntry("memory", new Quantity("256Mi"))
        .containsEntry("cpu", new Quantity("2"))
        .containsEntry("ephemeral-storage", new Quantity("1Gi"));
    assertThat(container.getEnv()).isNullOrEmpty();
    assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
    assertThat(container.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(container.getSecurityContext().getCapabilities().getAdd())
        .containsExactlyInAnyOrder("CHOWN", "DAC_OVERRIDE", "FOWNER", "SETGID", "SETUID");
  }

  @Test
  void gpuEnvironmentGetsLimitsAndDriverCapabilities() {
    GradingEnvironment env = Environments.prebuilt("cuda", "img:1", "gpu: {count: 2}");
    PodTemplate template =
        GradingPodTemplates.render(
            env, IMAGE, ResolvedRuntime.resolve(env.getSpec().grading, DEFAULTS));
    Container container = template.getTemplate().getSpec().getContainers().get(0);
    assertThat(container.getResources().getLimits())
        .containsEntry("nvidia.com/gpu", new Quantity("2"));
    assertThat(container.getResources().getRequests())
        .containsEntry("nvidia.com/gpu", new Quantity("2"));
    assertThat(env(container))
        .containsExactlyEntriesOf(Map.of("NVIDIA_DRIVER_CAPABILITIES", "compute,utility"));
    assertThat(template.getTemplate().getSpec().getRuntimeClassName()).isEqualTo("nvidia");
    assertThat(template.getTemplate().getMetadata().getLabels())
        .containsEntry(Labels.TYPE, "nvidia");
  }

  /** Why a grading pod must never carry NVIDIA_VISIBLE_DEVICES itself (issue 9). */
  private static final String GPU_ISOLATION =
      "a GPU pod must not set NVIDIA_VISIBLE_DEVICES: the kubelet appends the"
          + " pod's env after the device plugin's allocation and the NVIDIA toolkit takes the last value, so the pod's"
          + " own value would override the GPUs the plugin allocated ('all': every GPU of the node, other students' too)";

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
      two GPUs                 | gpu: {count: 2}
      a MIG slice              | 'gpu: {resourceName: nvidia.com/mig-1g.5gb}'
      explicit nvidia runtime  | '{runtime: nvidia, gpu: {count: 1}}'
      """)
  void gpuPodTemplateNeverSetsNvidiaVisibleDevices(String description, String grading) {
    GradingEnvironment env = Environments.prebuilt("cuda", "img:1", grading);
    PodTemplate template =
        GradingPodTemplates.render(
            env, IMAGE, ResolvedRuntime.resolve(env.getSpec().grading, DEFAULTS));
    assertThat(template.getTemplate().getSpec().getContainers())
        .allSatisfy(
            container ->
                assertThat(env(container))
                    .as(GPU_ISOLATION)
                    .doesNotContainKey(GradingPodTemplates.NVIDIA_VISIBLE_DEVICES));
  }

  @Test
  void noSpecCanPutNvidiaVisibleDevicesIntoAGradingPod() throws Exception {
    // The pod's env comes from the runtime and the GPU request alone; the only env a spec has is
    // the image's (build.layers.env), and that may not name the variable.
    assertThat(envFieldsOfTheSchema())
        .as("every env field a GradingEnvironment spec has")
        .containsExactly("spec.build.layers.env");
    String yaml =
        """
        apiVersion: grading.inginious.org/v1alpha1
        kind: GradingEnvironment
        metadata: {name: cuda, namespace: grading}
        spec:
          image: {repository: registry.example.edu/env-cuda}
          build:
            layers: {env: {NVIDIA_VISIBLE_DEVICES: all}}
            base: {image: registry.example.edu/cuda:12}
          grading: {gpu: {count: 1}}
        """;
    assertThat(CrdSchemaValidator.generated().validateYaml(yaml))
        .as(GPU_ISOLATION)
        .anySatisfy(error -> assertThat(error).startsWith("spec.build.layers.env: Invalid value:"));
    GradingEnvironment env = Environments.fromYaml(yaml);
    assertThat(GradingEnvironmentValidator.validate(env))
        .as(GPU_ISOLATION)
        .anySatisfy(
            problem ->
                assertThat(problem)
                    .startsWith("spec.build.layers.env[NVIDIA_VISIBLE_DEVICES]: must not be set"));
    // and had it got past both, the PodTemplate still would not carry it
    PodTemplate template =
        GradingPodTemplates.render(
            env, IMAGE, ResolvedRuntime.resolve(env.getSpec().grading, DEFAULTS));
    assertThat(env(template.getTemplate().getSpec().getContainers().get(0)))
        .as(GPU_ISOLATION)
        .doesNotContainKey(GradingPodTemplates.NVIDIA_VISIBLE_DEVICES);
  }

  /** Paths of the properties named env or envFrom anywhere under the CRD's spec. */
  private static List<String> envFieldsOfTheSchema() throws Exception {
    JsonNode crd;
    try (InputStream in =
        PlacementTest.class.getClassLoader().getResourceAsStream(CrdSchemaValidator.CRD_RESOURCE)) {
      crd = new ObjectMapper(new YAMLFactory()).readTree(in);
    }
    List<String> found = new ArrayList<>();
    collectEnvFields(
        crd.at("/spec/versions/0/schema/openAPIV3Schema/properties/spec"), "spec", found);
    return found;
  }

  private static void collectEnvFields(JsonNode schema, String path, List<String> found) {
    if (schema.isMissingNode()) {
      return;
    }
    schema
        .path("properties")
        .fields()
        .forEachRemaining(
            property -> {
              String child = path + "." + property.getKey();
              if (property.getKey().equals("env") || property.getKey().equals("envFrom")) {
                found.add(child);
              }
              collectEnvFields(property.getValue(), child, found);
            });
    collectEnvFields(schema.path("items"), path + "[]", found);
    collectEnvFields(schema.path("additionalProperties"), path + "[*]", found);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
      runc            | ''                 | true  | false
      crun            | runtime: crun      | true  | false
      kata (needRoot) | needRoot: true     | true  |
      nvidia + GPU    | gpu: {count: 1}    | true  |
      nvidia, no GPU  | runtime: nvidia    | true  |
      runc, off       | ''                 | false |
      crun, off       | runtime: crun      | false |
      """)
  void userNamespacesForRuncAndCrunOnly(
      String description, String grading, boolean configured, Boolean hostUsers) {
    OperatorConfig config =
        OperatorConfig.parse("grading: {userNamespaces: " + configured + "}", "test");
    GradingEnvironment env = Environments.prebuilt("env", "img:1", grading);
    PodTemplate template =
        GradingPodTemplates.render(
            env, IMAGE, ResolvedRuntime.resolve(env.getSpec().grading, config));
    assertThat(template.getTemplate().getSpec().getHostUsers())
        .as("Kata and the NVIDIA runtime do not support user namespaces; the config turns them off")
        .isEqualTo(hostUsers);
  }

  @Test
  void migResourceNameIsRequestedAsIs() {
    GradingEnvironment env =
        Environments.prebuilt("mig", "img:1", "gpu: {resourceName: nvidia.com/mig-1g.5gb}");
    PodTemplate template =
        GradingPodTemplates.render(
            env, IMAGE, ResolvedRuntime.resolve(env.getSpec().grading, DEFAULTS));
    Map<String, Quantity> limits =
        template.getTemplate().getSpec().getContainers().get(0).getResources().getLimits();
    assertThat(limits)
        .containsEntry("nvidia.com/mig-1g.5gb", new Quantity("1"))
        .doesNotContainKey("nvidia.com/gpu");
  }

  @Test
  void nvidiaRuntimeWithoutGpuHidesAllDevices() {
    GradingEnvironment env = Environments.prebuilt("cpu-on-gpu-node", "img:1", "runtime: nvidia");
    PodTemplate template =
        GradingPodTemplates.render(
            env, IMAGE, ResolvedRuntime.resolve(env.getSpec().grading, DEFAULTS));
    Container container = template.getTemplate().getSpec().getContainers().get(0);
    assertThat(env(container)).containsExactlyEntriesOf(Map.of("NVIDIA_VISIBLE_DEVICES", "void"));
    assertThat(container.getResources().getLimits()).doesNotContainKey("nvidia.com/gpu");
  }

  @Test
  void needRootRunsAsRootUnderKata() {
    GradingEnvironment env = Environments.prebuilt("root", "img:1", "needRoot: true");
    PodTemplate template =
        GradingPodTemplates.render(
            env, IMAGE, ResolvedRuntime.resolve(env.getSpec().grading, DEFAULTS));
    assertThat(template.getTemplate().getSpec().getRuntimeClassName()).isEqualTo("kata-qemu");
    assertThat(
            template
                .getTemplate()
                .getSpec()
                .getContainers()
                .get(0)
                .getSecurityContext()
                .getRunAsUser())
        .isZero();
  }

  @Test
  void networkAllowedIsLabelledSo() {
    GradingEnvironment env = Environments.prebuilt("web", "img:1", "network: allowed");
    PodTemplate template =
        GradingPodTemplates.render(
            env, IMAGE, ResolvedRuntime.resolve(env.getSpec().grading, DEFAULTS));
    assertThat(template.getTemplate().getMetadata().getLabels())
        .containsEntry(Labels.NETWORK, "allowed");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
      same key, other value | grading.inginious.org/crun=false | grading.inginious.org/crun=true | 1
      same key, same value  | grading.inginious.org/crun=true  | grading.inginious.org/crun=true | 0
      different keys        | disk=ssd                         | grading.inginious.org/crun=true | 0
      """)
  void nodeSelectorConflicts(String description, String pod, String runtimeClass, int conflicts) {
    List<String> found =
        NodeSelectorConflicts.between(selector(pod), selector(runtimeClass), "crun");
    assertThat(found).hasSize(conflicts);
    found.forEach(
        message ->
            assertThat(message)
                .contains("spec.grading.nodeSelector.grading.inginious.org/crun")
                .contains("RuntimeClass crun"));
  }

  @Test
  void managedRuntimeClassesFollowTheConfig() {
    assertThat(RuntimeClasses.desired(DEFAULTS))
        .extracting(rc -> rc.getMetadata().getName())
        .containsExactly("runc", "crun");
    var crun =
        RuntimeClasses.desired(CRUN_DEFAULT).stream()
            .filter(rc -> rc.getMetadata().getName().equals("crun"))
            .findFirst()
            .orElseThrow();
    assertThat(crun.getHandler()).isEqualTo("crun");
    assertThat(RuntimeClasses.nodeSelector(crun))
        .containsExactlyEntriesOf(Map.of("grading.inginious.org/crun", "true"));
  }

  @Test
  void networkPolicyDeniesAllTrafficOfTheEnvironmentsIsolatedPods() {
    GradingEnvironment env = Environments.prebuilt("php", "img:1", "");
    env.getSpec().environmentName = "php-8";
    var policy = GradingNetworkPolicies.denyAll(env);
    assertThat(policy.getMetadata().getName()).isEqualTo("php-grading");
    assertThat(policy.getSpec().getPodSelector().getMatchLabels())
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(Labels.ENVIRONMENT, "php-8", Labels.NETWORK, "none"));
    assertThat(policy.getSpec().getPolicyTypes()).containsExactly("Ingress", "Egress");
    assertThat(policy.getSpec().getIngress()).isNullOrEmpty();
    assertThat(policy.getSpec().getEgress()).isNullOrEmpty();
    assertThat(policy.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(
            ref -> {
              assertThat(ref.getUid()).isEqualTo("uid-php");
              assertThat(ref.getController()).isTrue();
            });
    // it selects exactly the pods made from the environment's PodTemplate
    PodTemplate template =
        GradingPodTemplates.render(
            env, IMAGE, ResolvedRuntime.resolve(env.getSpec().grading, DEFAULTS));
    assertThat(template.getTemplate().getMetadata().getLabels())
        .containsAllEntriesOf(policy.getSpec().getPodSelector().getMatchLabels());
    assertThat(GradingNetworkPolicies.isolates(env)).isTrue();
    assertThat(
            GradingNetworkPolicies.isolates(
                Environments.prebuilt("open", "img:1", "network: allowed")))
        .isFalse();
  }

  private static Map<String, String> env(Container container) {
    return container.getEnv() == null
        ? Map.of()
        : container.getEnv().stream().collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue));
  }

  private static Map<String, String> selector(String keyValue) {
    String[] parts = keyValue.split("=");
    return Map.of(parts[0], parts[1]);
  }
}
