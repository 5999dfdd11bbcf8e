package org.inginious.grading.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.inginious.grading.GradingOperator;
import org.inginious.grading.api.ConditionReasons;
import org.inginious.grading.api.GradingEnvironment;
import org.inginious.grading.api.ImageSpec;
import org.inginious.grading.config.OperatorConfig;
import org.inginious.grading.image.common.BuildListener;
import org.inginious.grading.placement.Labels;
import org.inginious.grading.placement.prepull.PrePullMember;
import org.inginious.grading.placement.prepull.PrePullMembership;
import org.inginious.grading.testing.Environments;
import org.inginious.grading.testing.LocalRegistry;
import org.inginious.grading.testing.MockCluster;
import org.inginious.grading.testing.TestImages;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Eligibility and pre-pull on the CRUD mock, reconcile by reconcile (the real control plane has
 * NodeEligibilityIT).
 */
class NodesAndPrePullOperatorTest {
  static final Duration TIMEOUT = Duration.ofSeconds(20);
  static MockCluster cluster;
  static KubernetesClient client;
  static LocalRegistry registry;
  static GradingOperator operator;

  @BeforeAll
  static void start() throws Exception {
    registry = LocalRegistry.open();
    cluster = new MockCluster();
    client = cluster.client();
    operator =
        new GradingOperator(
                client,
                OperatorConfig.defaults(),
                Set.of(),
                PrebuiltEnvironmentOperatorTest.FAST,
                null,
                null,
                BuildListener.NONE)
            .start();
  }

  @AfterAll
  static void stop() {
    operator.close();
    cluster.close();
    registry.close();
  }

  private static void apply(String name, String grading) throws Exception {
    TestImages.push(
        registry.host(), "inginious/env-" + name, "v1", Map.of(Labels.IMAGE_NAME, name));
    applyImageOf(name, name, grading);
  }

  /** An environment running the image {@code apply(imageOf, ...)} pushed. */
  private static void applyImageOf(String name, String imageOf, String grading) {
    GradingEnvironment env =
        Environments.prebuilt(name, registry.host() + "/inginious/env-" + imageOf + ":v1", grading);
    env.getMetadata().setUid(null);
    env.getMetadata().setGeneration(null);
    env.getSpec().image = new ImageSpec();
    env.getSpec().image.insecure = true;
    client.resource(env).create();
  }

  private static GradingEnvironment get(String name) {
    return client.resources(GradingEnvironment.class).inNamespace("grading").withName(name).get();
  }

  private static Condition condition(String name, String type) {
    GradingEnvironment env = get(name);
    assertThat(env.getStatus()).isNotNull();
    return Conditions.find(env.getStatus().conditions, type).orElseThrow();
  }

  private static List<DaemonSet> daemonSets() {
    return client.resources(DaemonSet.class).inNamespace("grading").list().getItems();
  }

  @Test
  void schedulableFollowsANodeThatJoinsAndIsTainted() throws Exception {
    apply("ssd", "nodeSelector: {disk: ssd}");
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () -> {
              assertThat(condition("ssd", Conditions.SCHEDULABLE).getReason())
                  .isEqualTo(ConditionReasons.NO_ELIGIBLE_NODES);
              assertThat(condition("ssd", Conditions.STALLED).getStatus()).isEqualTo("True");
              assertThat(condition("ssd", Conditions.READY).getStatus())
                  .as("Ready is about image and placement")
                  .isEqualTo("True");
            });
    assertThat(condition("ssd", Conditions.SCHEDULABLE).getMessage())
        .contains("spec.grading.nodeSelector {disk=ssd}");

    client
        .resource(
            new NodeBuilder()
                .withNewMetadata()
                .withName("ssd-1")
                .withLabels(Map.of("disk", "ssd"))
                .endMetadata()
                .withNewStatus()
                .addNewCondition()
                .withType("Ready")
                .withStatus("True")
                .endCondition()
                .withAllocatable(Map.of("cpu", new Quantity("4")))
                .endStatus()
                .build())
        .create();
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () -> {
              assertThat(condition("ssd", Conditions.SCHEDULABLE).getStatus()).isEqualTo("True");
              assertThat(condition("ssd", Conditions.STALLED).getStatus()).isEqualTo("False");
              assertThat(get("ssd").getStatus().nodes.eligible).isEqualTo(1);
            });

    client
        .nodes()
        .withName("ssd-1")
        .edit(
            n ->
                new NodeBuilder(n)
                    .editSpec()
                    .addNewTaint()
                    .withKey("exam")
                    .withValue("cs101")
                    .withEffect("NoSchedule")
                    .endTaint()
                    .endSpec()
                    .build());
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () ->
                assertThat(condition("ssd", Conditions.SCHEDULABLE).getMessage())
                    .contains("ssd-1 has exam=cs101:NoSchedule"));
  }

  @Test
  void environmentsOfOnePlacementShareOnePrePullDaemonSet() throws Exception {
    apply("alpha", "network: allowed");
    apply("beta", "network: allowed");
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () ->
                assertThat(daemonSets())
                    .filteredOn(
                        ds ->
                            PrePullMembership.members(ds).stream()
                                .anyMatch(m -> m.name().equals("alpha")))
                    .singleElement()
                    .satisfies(
                        ds ->
                            assertThat(PrePullMembership.members(ds))
                                .extracting(PrePullMember::name)
                                .contains("alpha", "beta")));
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () -> {
              assertThat(get("alpha").getStatus()).isNotNull();
              assertThat(get("alpha").getStatus().prePull).isNotNull();
              assertThat(condition("alpha", Conditions.PULLED).getReason())
                  .as("no DaemonSet controller here")
                  .isIn(ConditionReasons.PULLING, ConditionReasons.IMAGE_PULLED);
            });

    GradingEnvironment off = get("beta");
    off.getSpec().grading.prePull = false;
    client.resource(off).update();
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () -> {
              assertThat(daemonSets())
                  .flatExtracting(PrePullMembership::members)
                  .extracting(PrePullMember::name)
                  .contains("alpha")
                  .doesNotContain("beta");
              assertThat(get("beta").getStatus().prePull).isNull();
            });

    client.resource(get("alpha")).delete();
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () ->
                assertThat(daemonSets())
                    .flatExtracting(PrePullMembership::members)
                    .extracting(PrePullMember::name)
                    .doesNotContain("alpha"));
  }

  @Test
  void environmentsSharingAnImageShareOneEntryThatPassesOnWhenItsHolderGoes() throws Exception {
    // an image without a name label: any environment may run it
    TestImages.push(registry.host(), "inginious/env-shared", "v1", Map.of());
    for (String name : List.of("gamma", "delta", "epsilon")) {
      applyImageOf(name, "shared", "network: allowed");
    }
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () -> {
              for (String name : List.of("gamma", "delta", "epsilon")) {
                assertThat(get(name).getStatus()).as(name).isNotNull();
                assertThat(get(name).getStatus().prePull).as(name).isNotNull();
              }
              String image = get("gamma").getStatus().image;
              for (String name : List.of("delta", "epsilon")) {
                assertThat(get(name).getStatus().image).isEqualTo(image);
                assertThat(get(name).getStatus().prePull.daemonSet)
                    .isEqualTo(get("gamma").getStatus().prePull.daemonSet);
              }
              assertThat(holdersOf(image)).as("one entry for the shared image").hasSize(1);
            });
    String image = get("gamma").getStatus().image;
    String holder = holdersOf(image).get(0);

    client.resource(get(holder)).delete();
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () ->
                assertThat(holdersOf(image))
                    .as("the image passes to another environment using it")
                    .singleElement()
                    .isNotEqualTo(holder)
                    .isIn("gamma", "delta", "epsilon"));

    for (String name : List.of("gamma", "delta", "epsilon")) {
      GradingEnvironment environment = get(name);
      if (environment != null) {
        client.resource(environment).delete();
      }
    }
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () -> assertThat(holdersOf(image)).as("nobody uses the image any more").isEmpty());
  }

  /** The environments holding this image in a pre-pull DaemonSet of the namespace. */
  private static List<String> holdersOf(String image) {
    return daemonSets().stream()
        .flatMap(ds -> PrePullMembership.members(ds).stream())
        .filter(member -> member.image().equals(image))
        .map(PrePullMember::name)
        .toList();
  }
}
