package org.inginious.grading.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.PodTemplate;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.node.v1.RuntimeClass;
import io.fabric8.kubernetes.api.model.node.v1.RuntimeClassBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.inginious.grading.GradingOperator;
import org.inginious.grading.api.ConditionReasons;
import org.inginious.grading.api.GradingEnvironment;
import org.inginious.grading.api.Phase;
import org.inginious.grading.config.OperatorConfig;
import org.inginious.grading.placement.Labels;
import org.inginious.grading.testing.Environments;
import org.inginious.grading.testing.LocalRegistry;
import org.inginious.grading.testing.MockCluster;
import org.inginious.grading.testing.Reconciles;
import org.inginious.grading.testing.TestImages;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The real JOSDK operator against the CRUD mock API server and a real registry on 127.0.0.1. */
class PrebuiltEnvironmentOperatorTest {
  static final Duration TIMEOUT = Duration.ofSeconds(20);
  static final GradingOperator.Settings FAST =
      new GradingOperator.Settings(
          Duration.ofMillis(200),
          Duration.ofSeconds(2),
          Duration.ofMinutes(5),
          Duration.ofMillis(500),
          null);

  static MockCluster cluster;
  static KubernetesClient client;
  static LocalRegistry registry;
  static GradingOperator operator;
  static final Reconciles reconciles = new Reconciles();
  static String phpDigest;
  static String gpuDigest;
  static String plainDigest;

  @BeforeAll
  static void start() throws Exception {
    registry = LocalRegistry.open();
    phpDigest =
        TestImages.push(
            registry.host(), "inginious/env-php", "v1", Map.of(Labels.IMAGE_NAME, "php"));
    gpuDigest =
        TestImages.push(
            registry.host(),
            "inginious/env-cuda",
            "v1",
            Map.of(Labels.IMAGE_NAME, "cuda", Labels.IMAGE_NEED_GPU, "1"));
    plainDigest = TestImages.push(registry.host(), "library/plain", "v1", Map.of());
    cluster = new MockCluster();
    client = cluster.client();
    operator =
        new GradingOperator(
                client,
                OperatorConfig.defaults(),
                Set.of(),
                FAST,
                reconciles,
                null,
                org.inginious.grading.image.common.BuildListener.NONE)
            .start();
  }

  @AfterAll
  static void stop() {
    operator.close();
    cluster.close();
    registry.close();
  }

  private static String image(String repository) {
    return registry.host() + "/" + repository + ":v1";
  }

  private static GradingEnvironment apply(String name, String image, String grading) {
    GradingEnvironment env = Environments.prebuilt(name, image, grading);
    env.getMetadata().setUid(null);
    env.getMetadata().setGeneration(null);
    env.getSpec().image = new org.inginious.grading.api.ImageSpec();
    env.getSpec().image.insecure = true;
    return client.resource(env).create();
  }

  private static GradingEnvironment get(String name) {
    return client.resources(GradingEnvironment.class).inNamespace("grading").withName(name).get();
  }

  private static PodTemplate podTemplate(String name) {
    return client
        .resources(PodTemplate.class)
        .inNamespace("grading")
        .withName(name + "-grading")
        .get();
  }

  private static NetworkPolicy networkPolicy(String name) {
    return client
        .resources(NetworkPolicy.class)
        .inNamespace("grading")
        .withName(name + "-grading")
        .get();
  }

  private static Condition condition(GradingEnvironment env, String type) {
    return Conditions.find(env.getStatus().conditions, type).orElseThrow();
  }

  private static GradingEnvironment awaitReason(String name, String reason) {
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () -> {
              GradingEnvironment env = get(name);
              assertThat(env.getStatus()).isNotNull();
              assertThat(condition(env, Conditions.READY).getReason()).isEqualTo(reason);
            });
    return get(name);
  }

  @Test
  void prebuiltImageBecomesReadyPinnedByDigest() {
    apply("php", image("inginious/env-php"), "resources: {limits: {memory: 300Mi}}");

    GradingEnvironment env = awaitReason("php", ConditionReasons.PLACED);
    assertThat(env.getStatus().phase).isEqualTo(Phase.Ready);
    assertThat(env.getStatus().image)
        .isEqualTo(registry.host() + "/inginious/env-php@" + phpDigest);
    assertThat(env.getStatus().runtimeClassName).isEqualTo("runc");
    assertThat(env.getStatus().podTemplate).isEqualTo("php-grading");
    assertThat(env.getStatus().environmentName).as("defaulted from metadata.name").isEqualTo("php");
    assertThat(env.getStatus().observedGeneration).isEqualTo(env.getMetadata().getGeneration());
    assertThat(condition(env, Conditions.READY).getStatus()).isEqualTo("True");
    assertThat(condition(env, Conditions.READY).getObservedGeneration())
        .isEqualTo(env.getMetadata().getGeneration());
    assertThat(condition(env, Conditions.STALLED).getStatus()).isEqualTo("False");
    assertThat(condition(env, Conditions.RECONCILING).getStatus()).isEqualTo("False");

    PodTemplate template = podTemplate("php");
    assertThat(template.getTemplate().getSpec().getContainers().get(0).getImage())
        .isEqualTo(env.getStatus().image);
    assertThat(template.getTemplate().getSpec().getRuntimeClassName()).isEqualTo("runc");
    assertThat(template.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(ref -> assertThat(ref.getUid()).isEqualTo(env.getMetadata().getUid()));
    assertThat(client.resources(RuntimeClass.class).withName("runc").get().getHandler())
        .isEqualTo("runc");
    assertThat(client.resources(RuntimeClass.class).withName("crun").get()).isNotNull();
    NetworkPolicy policy = networkPolicy("php");
    assertThat(policy.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(
            ref -> {
              assertThat(ref.getUid()).isEqualTo(env.getMetadata().getUid());
              assertThat(ref.getController()).isTrue();
            });
    assertThat(policy.getSpec().getPodSelector().getMatchLabels())
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(Labels.ENVIRONMENT, "php", Labels.NETWORK, "none"));
    assertThat(template.getTemplate().getMetadata().getLabels())
        .containsAllEntriesOf(policy.getSpec().getPodSelector().getMatchLabels());
  }

  @Test
  void networkPolicyFollowsTheNetworkSetting() {
    apply("netflip", image("library/plain"), "");
    awaitReason("netflip", ConditionReasons.PLACED);
    assertThat(networkPolicy("netflip")).isNotNull();

    GradingEnvironment edited = get("netflip");
    edited.getSpec().grading.network = org.inginious.grading.api.Network.ALLOWED;
    client.resource(edited).update();
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () -> {
              assertThat(podTemplate("netflip").getTemplate().getMetadata().getLabels())
                  .containsEntry(Labels.NETWORK, "allowed");
              assertThat(networkPolicy("netflip")).isNull();
            });

    // one environment's policy is its own: editing it by hand is undone, and no other environment
    // is touched
    edited = get("netflip");
    edited.getSpec().grading.network = org.inginious.grading.api.Network.NONE;
    client.resource(edited).update();
    await().atMost(TIMEOUT).untilAsserted(() -> assertThat(networkPolicy("netflip")).isNotNull());
    NetworkPolicy handEdited = networkPolicy("netflip");
    handEdited.getSpec().getPodSelector().setMatchLabels(Map.of("nothing", "selected"));
    client.resource(handEdited).update();
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () ->
                assertThat(networkPolicy("netflip").getSpec().getPodSelector().getMatchLabels())
                    .containsExactlyInAnyOrderEntriesOf(
                        Map.of(Labels.ENVIRONMENT, "netflip", Labels.NETWORK, "none")));
  }

  @Test
  void managedRuntimeClassesDeletedOrEditedByHandAreRestored() {
    apply("runs-on-crun", image("library/plain"), "runtime: crun");
    awaitReason("runs-on-crun", ConditionReasons.PLACED);
    apply("runs-on-runc", image("library/plain"), "");
    awaitReason("runs-on-runc", ConditionReasons.PLACED);
    String runcUid =
        client.resources(RuntimeClass.class).withName("runc").get().getMetadata().getUid();

    client.resources(RuntimeClass.class).withName("runc").delete();
    client
        .resources(RuntimeClass.class)
        .withName("crun")
        .edit(
            rc -> {
              rc.getScheduling().setNodeSelector(Map.of("hand", "edit"));
              return rc;
            });
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () -> {
              RuntimeClass runc = client.resources(RuntimeClass.class).withName("runc").get();
              assertThat(runc).isNotNull();
              assertThat(runc.getMetadata().getUid()).isNotEqualTo(runcUid);
              assertThat(runc.getHandler()).isEqualTo("runc");
              assertThat(
                      client
                          .resources(RuntimeClass.class)
                          .withName("crun")
                          .get()
                          .getScheduling()
                          .getNodeSelector())
                  .containsExactlyEntriesOf(Map.of("grading.inginious.org/crun", "true"));
            });
  }

  @Test
  void statusIsNotRewrittenOnceReady() {
    apply("stable", image("inginious/env-php"), "");
    // the image says php; the environment is named stable
    awaitReason("stable", "LabelMismatch");
    GradingEnvironment failed = get("stable");
    apply("stable-ok", image("library/plain"), "");
    GradingEnvironment ready = awaitReason("stable-ok", ConditionReasons.PLACED);
    String transition = condition(ready, Conditions.READY).getLastTransitionTime();
    String templateVersion = podTemplate("stable-ok").getMetadata().getResourceVersion();
    String policyVersion = networkPolicy("stable-ok").getMetadata().getResourceVersion();

    reconciles.awaitReconciledAgain(client, "runc", "stable", "stable-ok");
    assertThat(get("stable").getMetadata().getResourceVersion())
        .isEqualTo(failed.getMetadata().getResourceVersion());
    GradingEnvironment later = get("stable-ok");
    assertThat(later.getMetadata().getResourceVersion())
        .isEqualTo(ready.getMetadata().getResourceVersion());
    assertThat(condition(later, Conditions.READY).getLastTransitionTime()).isEqualTo(transition);
    assertThat(podTemplate("stable-ok").getMetadata().getResourceVersion())
        .isEqualTo(templateVersion);
    assertThat(networkPolicy("stable-ok").getMetadata().getResourceVersion())
        .isEqualTo(policyVersion);
  }

  @Test
  void specChangeMovesThePodTemplateAndObservedGeneration() {
    apply("follow", image("library/plain"), "");
    GradingEnvironment first = awaitReason("follow", ConditionReasons.PLACED);

    GradingEnvironment edited = get("follow");
    edited.getSpec().grading.activeDeadlineSeconds = 42L;
    edited.getSpec().grading.runtime = org.inginious.grading.api.Runtime.CRUN;
    client.resource(edited).update();

    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () -> {
              PodTemplate template = podTemplate("follow");
              assertThat(template.getTemplate().getSpec().getActiveDeadlineSeconds())
                  .isEqualTo(42L);
              assertThat(template.getTemplate().getSpec().getRuntimeClassName()).isEqualTo("crun");
              GradingEnvironment env = get("follow");
              assertThat(env.getMetadata().getGeneration())
                  .isGreaterThan(first.getMetadata().getGeneration());
              assertThat(env.getStatus().observedGeneration)
                  .isEqualTo(env.getMetadata().getGeneration());
              assertThat(env.getStatus().runtimeClassName).isEqualTo("crun");
            });
  }

  @Test
  void missingUnmanagedRuntimeClassWaitsUntilItIsInstalled() {
    apply("sysadmin", image("library/plain"), "runtime: kata");
    GradingEnvironment waiting = awaitReason("sysadmin", ConditionReasons.RUNTIME_CLASS_MISSING);
    assertThat(condition(waiting, Conditions.READY).getMessage()).contains("kata-qemu");
    assertThat(condition(waiting, Conditions.STALLED).getStatus()).isEqualTo("True");
    assertThat(podTemplate("sysadmin")).isNull();

    // kata-deploy installs the class later: the environment must follow without being touched
    client
        .resource(
            new RuntimeClassBuilder()
                .withNewMetadata()
                .withName("kata-qemu")
                .endMetadata()
                .withHandler("kata-qemu")
                .build())
        .create();
    GradingEnvironment ready = awaitReason("sysadmin", ConditionReasons.PLACED);
    assertThat(ready.getStatus().runtimeClassName).isEqualTo("kata-qemu");
    assertThat(podTemplate("sysadmin").getTemplate().getMetadata().getLabels())
        .containsEntry(Labels.TYPE, "kata");
  }

  @Test
  void podTemplateDeletedOrEditedByHandIsRestored() {
    apply("restore", image("library/plain"), "");
    awaitReason("restore", ConditionReasons.PLACED);
    String image = get("restore").getStatus().image;

    client.resource(podTemplate("restore")).delete();
    await().atMost(TIMEOUT).untilAsserted(() -> assertThat(podTemplate("restore")).isNotNull());

    PodTemplate edited = podTemplate("restore");
    edited.getTemplate().getSpec().getContainers().get(0).setImage("attacker/image:latest");
    edited.getTemplate().getSpec().setNodeSelector(Map.of("hand", "edit"));
    client.resource(edited).update();
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () -> {
              PodTemplate restored = podTemplate("restore");
              assertThat(restored.getTemplate().getSpec().getContainers().get(0).getImage())
                  .isEqualTo(image);
              assertThat(restored.getTemplate().getSpec().getNodeSelector()).isNullOrEmpty();
            });
  }

  @Test
  void deletingTheEnvironmentRemovesItsPodTemplateAndNetworkPolicy() {
    apply("doomed", image("library/plain"), "");
    awaitReason("doomed", ConditionReasons.PLACED);
    assertThat(networkPolicy("doomed")).isNotNull();
    client.resource(get("doomed")).delete();
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () -> {
              assertThat(podTemplate("doomed")).isNull();
              assertThat(networkPolicy("doomed")).isNull();
              assertThat(get("doomed")).isNull();
            });
  }

  @Test
  void unreachableRegistryIsRetriedWithBackoffAndRecovers() throws Exception {
    try (LocalRegistry flaky = LocalRegistry.open()) {
      String digest = TestImages.push(flaky.host(), "inginious/env-flaky", "v1", Map.of());
      flaky.stop();
      apply("flaky", flaky.host() + "/inginious/env-flaky:v1", "");
      GradingEnvironment down = awaitReason("flaky", "RegistryUnavailable");
      assertThat(down.getStatus().phase).isEqualTo(Phase.Pending);
      assertThat(condition(down, Conditions.RECONCILING).getStatus()).isEqualTo("True");
      assertThat(condition(down, Conditions.READY).getMessage()).contains(flaky.host());
      assertThat(podTemplate("flaky")).isNull();

      flaky.start();
      GradingEnvironment ready = awaitReason("flaky", ConditionReasons.PLACED);
      assertThat(ready.getStatus().image).endsWith(digest);
      assertThat(condition(ready, Conditions.RECONCILING).getStatus()).isEqualTo("False");
    }
  }

  @Test
  void gpuImageAndSpecMustAgree() {
    apply("cuda", image("inginious/env-cuda"), "gpu: {count: 1}");
    GradingEnvironment ready = awaitReason("cuda", ConditionReasons.PLACED);
    assertThat(ready.getStatus().image).endsWith(gpuDigest);
    assertThat(ready.getStatus().runtimeClassName).isEqualTo("nvidia");
  }

  @Test
  void badInputsGetAReasonWhileAGoodEnvironmentBesideThemBecomesReady() {
    apply("cuda-no-gpu", image("inginious/env-cuda"), ""); // image needs a GPU, spec has none
    apply(
        "plain-with-gpu",
        image("library/plain"),
        "gpu: {count: 1}"); // spec wants a GPU, image lacks the label
    apply("missing", registry.host() + "/inginious/nothing:v9", "");
    apply(
        "conflict",
        image("library/plain"),
        "nodeSelector: {kubernetes.io/arch: arm64}\nruntime: nvidia");
    GradingEnvironment withSecret = Environments.prebuilt("secretless", image("library/plain"), "");
    withSecret.getMetadata().setUid(null);
    withSecret.getSpec().image = new org.inginious.grading.api.ImageSpec();
    withSecret.getSpec().image.insecure = true;
    withSecret.getSpec().image.pullSecretRef =
        new org.inginious.grading.api.SecretReference("regcred");
    client.resource(withSecret).create();
    GradingEnvironment invalid =
        Environments.prebuilt("invalid", image("library/plain"), "needRoot: true\nruntime: crun");
    invalid.getMetadata().setUid(null);
    client.resource(invalid).create();
    apply("good", image("library/plain"), "");

    awaitReason("good", ConditionReasons.PLACED);
    assertThat(
            condition(awaitReason("cuda-no-gpu", "LabelMismatch"), Conditions.READY).getMessage())
        .contains("org.inginious.grading.need_gpu");
    assertThat(
            condition(awaitReason("plain-with-gpu", "LabelMismatch"), Conditions.READY)
                .getMessage())
        .contains("lacks label org.inginious.grading.need_gpu");
    GradingEnvironment missing = awaitReason("missing", "ImageNotFound");
    assertThat(missing.getStatus().phase).isEqualTo(Phase.Pending);
    assertThat(condition(missing, Conditions.RECONCILING).getStatus()).isEqualTo("True");
    assertThat(
            condition(awaitReason("secretless", "SecretNotFound"), Conditions.READY).getMessage())
        .contains("grading/regcred");
    assertThat(get("invalid").getStatus()).isNotNull();
    GradingEnvironment invalidStatus = awaitReason("invalid", ConditionReasons.INVALID_SPEC);
    assertThat(condition(invalidStatus, Conditions.READY).getMessage())
        .contains("spec.grading.needRoot");
    assertThat(invalidStatus.getStatus().phase).isEqualTo(Phase.Failed);
    // nvidia is not installed in this cluster: that is reported first; install it with a selector
    awaitReason("conflict", ConditionReasons.RUNTIME_CLASS_MISSING);
    client
        .resource(
            new RuntimeClassBuilder()
                .withNewMetadata()
                .withName("nvidia")
                .endMetadata()
                .withHandler("nvidia")
                .withNewScheduling()
                .withNodeSelector(Map.of("kubernetes.io/arch", "amd64"))
                .endScheduling()
                .build())
        .create();
    assertThat(
            condition(
                    awaitReason("conflict", ConditionReasons.NODE_SELECTOR_CONFLICT),
                    Conditions.READY)
                .getMessage())
        .contains("kubernetes.io/arch=arm64")
        .contains("RuntimeClass nvidia");
    assertThat(podTemplate("conflict")).isNull();
  }
}
