package org.inginious.grading.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.inginious.grading.api.GradingEnvironment;
import org.inginious.grading.api.GradingToleration;
import org.inginious.grading.api.Phase;
import org.inginious.grading.testing.LocalRegistry;
import org.inginious.grading.testing.TestImages;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Node eligibility and pre-pull on the real control plane: condition Schedulable and status.nodes
 * follow nodes joining, leaving, relabelled, tainted, cordoned and the GPUs they offer; the
 * DaemonSet controller runs each placement group's pre-pull pods on exactly the eligible nodes (one
 * DaemonSet per group, an init container per member, images, prePull: false and the last member's
 * deletion followed); node heartbeats wake no environment.
 *
 * <p>The class brings its own kwok nodes ({@code elig-*}), labelled with a pool that its
 * environments select and tainted with it, so that nothing of the other classes lands on them and
 * their nodes count for nothing here. Every environment here tolerates that pool taint.
 */
@Order(6)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NodeEligibilityIT {
  static final String NS = "e2e-nodes";
  static final String POOL = "e2e.grading.inginious.org/pool";
  static final String RUNC_POOL = "eligibility";
  static final String GPU_POOL = "eligibility-gpu";
  static final String DEDICATED = "e2e.grading.inginious.org/dedicated";
  static final String POOL_TOLERATION = "{key: " + POOL + ", operator: Exists, effect: NoSchedule}";
  static final String MANAGED_BY = "app.kubernetes.io/managed-by";
  static final String OPERATOR = "grading-environment-operator";
  static final String COMPONENT = "app.kubernetes.io/component";
  static final String GROUP = "grading.inginious.org/prepull-group";

  /**
   * Node events reach the operator within a second; the rest is the operator's reconcile and the
   * status write.
   */
  static final Duration QUICK = Duration.ofSeconds(20);

  /** The shortest window of heartbeats in which no environment may be reconciled. */
  static final Duration HEARTBEAT_WINDOW = Duration.ofSeconds(20);

  static ClassFixture fixture;
  static KubernetesClient admin;
  static LocalRegistry registry;
  static OperatorProcess operator;
  static final Set<String> nodes = new LinkedHashSet<>();

  @BeforeAll
  static void start() {
    fixture = ClassFixture.open(NS, Map.of());
    admin = fixture.admin;
    registry = fixture.registry;
    operator = fixture.startOperator("nodes-0");
  }

  @AfterAll
  static void stop() {
    try {
      if (fixture != null) {
        fixture.close();
      }
    } finally {
      nodes.forEach(name -> admin.nodes().withName(name).delete());
    }
  }

  @Test
  @Order(1)
  void schedulableFollowsTheNodesOfThePoolTheirLabelsTaintsAndTheSpecsTolerations() {
    createEnvironment(
        "pool",
        Map.of(),
        """
        nodeSelector: {%s: %s}
        tolerations: [%s]
        """
            .formatted(POOL, RUNC_POOL, POOL_TOLERATION));

    GradingEnvironment none = awaitSchedulable("pool", false, "NoEligibleNodes");
    assertThat(message(none, "Schedulable"))
        .as("names the selector no node matches")
        .contains("no node matches spec.grading.nodeSelector {" + POOL + "=" + RUNC_POOL + "}");
    assertStalledLikeSchedulable(none);
    assertThat(none.getStatus().nodes.eligible).isZero();
    assertThat(none.getStatus().nodes.ready).isZero();

    createNode("elig-a", RUNC_POOL, Map.of(), Map.of());
    GradingEnvironment one = awaitSchedulable("pool", true, "EligibleNodes");
    assertThat(one.getStatus().nodes.eligible).isEqualTo(1);
    assertThat(one.getStatus().nodes.ready).isEqualTo(1);
    assertThat(Scenarios.condition(one, "Stalled").orElseThrow().getStatus()).isEqualTo("False");

    label("elig-a", RUNC_POOL + "-elsewhere");
    GradingEnvironment relabelled = awaitSchedulable("pool", false, "NoEligibleNodes");
    assertThat(message(relabelled, "Schedulable"))
        .contains("spec.grading.nodeSelector {" + POOL + "=" + RUNC_POOL + "}");
    assertStalledLikeSchedulable(relabelled);

    label("elig-a", RUNC_POOL);
    awaitSchedulable("pool", true, "EligibleNodes");
    admin
        .nodes()
        .withName("elig-a")
        .edit(
            node -> {
              node.getSpec().getTaints().add(dedicatedTaint());
              return node;
            });
    GradingEnvironment tainted = awaitSchedulable("pool", false, "NoEligibleNodes");
    assertThat(message(tainted, "Schedulable"))
        .as("names the node and the taint it does not tolerate")
        .contains("elig-a has " + DEDICATED + "=exam:NoSchedule")
        .doesNotContain(POOL + "=" + RUNC_POOL + ":NoSchedule"); // tolerated: not the problem
    assertStalledLikeSchedulable(tainted);

    long generation = Scenarios.environment(admin, NS, "pool").getMetadata().getGeneration();
    admin
        .resources(GradingEnvironment.class)
        .inNamespace(NS)
        .withName("pool")
        .edit(
            e -> {
              List<GradingToleration> tolerations =
                  new ArrayList<>(e.getSpec().grading.tolerations);
              GradingToleration dedicated = new GradingToleration();
              dedicated.key = DEDICATED;
              dedicated.operator = "Equal";
              dedicated.value = "exam";
              dedicated.effect = "NoSchedule";
              tolerations.add(dedicated);
              e.getSpec().grading.tolerations = tolerations;
              return e;
            });
    GradingEnvironment tolerating = awaitSchedulable("pool", true, "EligibleNodes");
    assertThat(tolerating.getMetadata().getGeneration()).isGreaterThan(generation);
    assertThat(tolerating.getStatus().nodes.eligible).isEqualTo(1);

    deleteNode("elig-a");
    GradingEnvironment deleted = awaitSchedulable("pool", false, "NoEligibleNodes");
    assertThat(message(deleted, "Schedulable"))
        .contains("spec.grading.nodeSelector {" + POOL + "=" + RUNC_POOL + "}");
    assertThat(deleted.getStatus().nodes.eligible).isZero();
  }

  @Test
  @Order(2)
  void aGpuEnvironmentNeedsANodeWithEnoughOfItsResource() {
    String mig = KwokNodes.MIG_RESOURCE;
    createNode(
        "elig-gpu",
        GPU_POOL,
        Map.of(KwokNodes.GPU_PRESENT_LABEL, "true"),
        Map.of("nvidia.com/gpu", "4"));
    createEnvironment(
        "mig",
        Map.of("org.inginious.grading.need_gpu", "1"),
        """
        gpu: {count: 2, resourceName: %s}
        nodeSelector: {%s: %s}
        tolerations: [%s]
        """
            .formatted(mig, POOL, GPU_POOL, POOL_TOLERATION));

    GradingEnvironment none = awaitSchedulable("mig", false, "NoEligibleNodes");
    assertThat(none.getStatus().runtimeClassName).isEqualTo("nvidia");
    assertThat(message(none, "Schedulable"))
        .as("the issue's message: what no node has, and what the nodes have")
        .startsWith("no node has " + mig + " >= 2 (")
        .contains("1 node matches the nvidia RuntimeClass and spec.grading.nodeSelector")
        .endsWith("1 has nvidia.com/gpu)");
    assertStalledLikeSchedulable(none);

    createNode(
        "elig-mig",
        GPU_POOL,
        Map.of(KwokNodes.GPU_PRESENT_LABEL, "true", "nvidia.com/mig.strategy", "mixed"),
        Map.of(mig, "2"));
    GradingEnvironment one = awaitSchedulable("mig", true, "EligibleNodes");
    assertThat(one.getStatus().nodes.eligible).isEqualTo(1);
    assertThat(one.getStatus().nodes.ready).isEqualTo(1);

    // GPU groups reach their nodes by affinity to the eligible names: not elig-gpu, which the
    // selector matches too
    awaitPrePullPodsOn("mig", Set.of("elig-mig"));
    awaitPulled("mig", 1);
    DaemonSet daemonSet = daemonSetOf("mig").orElseThrow();
    assertThat(daemonSet.getSpec().getTemplate().getSpec().getRuntimeClassName())
        .isEqualTo("nvidia");
    assertThat(daemonSet.getSpec().getTemplate().getSpec().getNodeSelector())
        .containsEntry(POOL, GPU_POOL)
        .containsEntry(KwokNodes.GPU_PRESENT_LABEL, "true");
  }

  @Test
  @Order(3)
  void prePullPodsRunExactlyOnTheEligibleNodesOneDaemonSetPerPlacement() {
    createNode("elig-b", RUNC_POOL, Map.of(), Map.of());
    createNode(
        "elig-c", RUNC_POOL, Map.of(), Map.of(), dedicatedTaint()); // only `pool` tolerates it
    createNode("elig-d", RUNC_POOL, Map.of(), Map.of());
    String grading =
        """
        nodeSelector: {%s: %s}
        tolerations: [%s]
        """
            .formatted(POOL, RUNC_POOL, POOL_TOLERATION);
    createEnvironment("shared-a", Map.of(), grading);
    createEnvironment("shared-b", Map.of(), grading);

    // one DaemonSet for the two environments of one placement, an init container each
    DaemonSet shared =
        await()
            .atMost(QUICK)
            .until(
                () -> daemonSetOf("shared-a"),
                ds -> ds.isPresent() && initContainerNames(ds.get()).contains("pull-shared-b"))
            .orElseThrow();
    String hash = shared.getMetadata().getLabels().get(GROUP);
    assertThat(shared.getMetadata().getName())
        .matches("prepull-runc-[0-9a-f]{8}")
        .endsWith("-" + hash);
    assertThat(shared.getMetadata().getLabels())
        .containsEntry(MANAGED_BY, OPERATOR)
        .containsEntry(COMPONENT, "prepull");
    assertThat(initContainerNames(shared))
        .containsExactly("install-true", "pull-shared-a", "pull-shared-b");
    assertThat(shared.getSpec().getTemplate().getSpec().getContainers())
        .extracting(Container::getName)
        .containsExactly("pause");
    assertThat(initContainer(shared, "pull-shared-a").getImage())
        .isEqualTo(Scenarios.environment(admin, NS, "shared-a").getStatus().image);
    assertThat(shared.getMetadata().getOwnerReferences())
        .extracting(OwnerReference::getKind, OwnerReference::getName, OwnerReference::getUid)
        .containsExactlyInAnyOrder(
            tuple("GradingEnvironment", "shared-a", uid("shared-a")),
            tuple("GradingEnvironment", "shared-b", uid("shared-b")));
    assertThat(prePullDaemonSets())
        .as("pre-pull DaemonSets of %s", NS)
        .filteredOn(
            ds -> initContainerNames(ds).stream().anyMatch(n -> n.startsWith("pull-shared-")))
        .hasSize(1);

    Set<String> sharedNodes = Set.of("elig-b", "elig-d");
    awaitPrePullPodsOn("shared-a", sharedNodes);
    awaitPulled("shared-a", 2);
    awaitPulled("shared-b", 2);
    // `pool` tolerates elig-c's taint: another placement, another DaemonSet, on one node more
    awaitSchedulable("pool", true, "EligibleNodes");
    awaitPrePullPodsOn("pool", Set.of("elig-b", "elig-c", "elig-d"));
    awaitPulled("pool", 3);
    assertThat(daemonSetOf("pool").orElseThrow().getMetadata().getName())
        .isNotEqualTo(shared.getMetadata().getName());

    // a new digest for one member: its init container, then every pod, pulls the new image
    String v2 =
        TestImages.push(
            registry.host(),
            "inginious/env-shared-a",
            "v2",
            Map.of(
                "org.inginious.grading.name", "shared-a", "org.opencontainers.image.version", "2"));
    String image = registry.host() + "/inginious/env-shared-a@" + v2;
    assertThat(image).isNotEqualTo(Scenarios.environment(admin, NS, "shared-a").getStatus().image);
    admin
        .resources(GradingEnvironment.class)
        .inNamespace(NS)
        .withName("shared-a")
        .edit(
            e -> {
              e.getSpec().build.prebuilt.image = registry.host() + "/inginious/env-shared-a:v2";
              return e;
            });
    await()
        .atMost(QUICK)
        .untilAsserted(
            () -> {
              assertThat(Scenarios.environment(admin, NS, "shared-a").getStatus().image)
                  .isEqualTo(image);
              DaemonSet current = daemonSetOf("shared-a").orElseThrow();
              assertThat(current.getMetadata().getName()).isEqualTo(shared.getMetadata().getName());
              assertThat(initContainer(current, "pull-shared-a").getImage()).isEqualTo(image);
              assertThat(initContainerNames(current)).contains("pull-shared-b");
            });
    awaitPrePullPodsOn(
        "shared-a",
        sharedNodes,
        pod ->
            assertThat(pod.getSpec().getInitContainers())
                .filteredOn(c -> c.getName().equals("pull-shared-a"))
                .extracting(Container::getImage)
                .containsExactly(image));
    awaitPulled("shared-a", 2);

    // prePull: false takes one member out, the other stays
    admin
        .resources(GradingEnvironment.class)
        .inNamespace(NS)
        .withName("shared-b")
        .edit(
            e -> {
              e.getSpec().grading.prePull = false;
              return e;
            });
    await()
        .atMost(QUICK)
        .untilAsserted(
            () -> {
              DaemonSet current = daemonSetOf("shared-a").orElseThrow();
              assertThat(initContainerNames(current))
                  .containsExactly("install-true", "pull-shared-a");
              assertThat(current.getMetadata().getOwnerReferences())
                  .extracting(OwnerReference::getName)
                  .containsExactly("shared-a");
              GradingEnvironment off = Scenarios.environment(admin, NS, "shared-b");
              assertThat(off.getStatus().observedGeneration)
                  .isEqualTo(off.getMetadata().getGeneration());
              assertThat(off.getStatus().prePull).isNull();
              assertThat(Scenarios.condition(off, "Pulled")).isEmpty();
              assertThat(off.getStatus().phase).isEqualTo(Phase.Ready);
            });
    awaitPrePullPodsOn(
        "shared-a",
        sharedNodes,
        pod ->
            assertThat(pod.getSpec().getInitContainers())
                .extracting(Container::getName)
                .containsExactly("install-true", "pull-shared-a"));

    // the last member goes: so does the DaemonSet, and its pods with it
    admin.resources(GradingEnvironment.class).inNamespace(NS).withName("shared-a").delete();
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              assertThat(
                      admin
                          .apps()
                          .daemonSets()
                          .inNamespace(NS)
                          .withName(shared.getMetadata().getName())
                          .get())
                  .isNull();
              assertThat(admin.pods().inNamespace(NS).withLabel(GROUP, hash).list().getItems())
                  .isEmpty();
            });
    assertThat(daemonSetOf("pool")).as("another group's DaemonSet stays").isPresent();
  }

  @Test
  @Order(4)
  void nodeHeartbeatsWakeNoEnvironment() {
    List.of("pool", "mig", "shared-b")
        .forEach(name -> awaitSchedulable(name, true, "EligibleNodes"));
    // no node can run it: its message counts the nodes, so a node joining or relabelled wakes it
    createEnvironment("nowhere", Map.of(), "nodeSelector: {" + POOL + ": nowhere}\n");
    awaitSchedulable("nowhere", false, "NoEligibleNodes");
    String nowhereVersion =
        Scenarios.environment(admin, NS, "nowhere").getMetadata().getResourceVersion();

    // the counter counts what a node event that matters starts: a cordon takes a node out of the
    // count
    long beforeCordon = operator.reconcilesStarted(NS);
    cordon("elig-d", true);
    await()
        .atMost(QUICK)
        .untilAsserted(
            () -> {
              assertThat(Scenarios.environment(admin, NS, "shared-b").getStatus().nodes.eligible)
                  .isEqualTo(1);
              assertThat(Scenarios.environment(admin, NS, "pool").getStatus().nodes.eligible)
                  .isEqualTo(2);
              // shared-b and pool, whose counts changed; a batch wakes only the environments
              // whose status it changes
              assertThat(operator.reconcilesStarted(NS))
                  .as("reconciles started in %s", NS)
                  .isGreaterThanOrEqualTo(beforeCordon + 2);
            });
    assertThat(Scenarios.environment(admin, NS, "nowhere").getMetadata().getResourceVersion())
        .as("a cordon changes nothing of what no node offers: nowhere is not written")
        .isEqualTo(nowhereVersion);
    cordon("elig-d", false);
    await()
        .atMost(QUICK)
        .untilAsserted(
            () -> {
              assertThat(Scenarios.environment(admin, NS, "shared-b").getStatus().nodes.eligible)
                  .isEqualTo(2);
              assertThat(Scenarios.environment(admin, NS, "pool").getStatus().nodes.eligible)
                  .isEqualTo(3);
            });
    awaitQuiet();

    Map<String, String> environmentVersions = environmentVersions();
    Map<String, String> heartbeatsBefore = heartbeats();
    long reconciles = operator.reconcilesStarted(NS);
    long start = System.nanoTime();
    // besides kwok's heartbeats, which come every 30-65 s a node: one of an eligible node now, as a
    // kubelet writes it, and an annotation another controller writes on it
    admin
        .nodes()
        .withName("elig-b")
        .editStatus(
            node -> {
              readyCondition(node)
                  .orElseThrow()
                  .setLastHeartbeatTime(Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
              return node;
            });
    admin
        .nodes()
        .withName("elig-b")
        .edit(
            node -> {
              node.getMetadata()
                  .getAnnotations()
                  .put("e2e.grading.inginious.org/touched", Long.toString(start));
              return node;
            });
    long heartbeatSeen = 0;
    Set<String> heartbeating = Set.of();
    while (true) {
      ControlPlane.sleep(500);
      long now = System.nanoTime();
      if (heartbeatSeen == 0) {
        Map<String, String> current = heartbeats();
        heartbeating =
            current.keySet().stream()
                .filter(
                    name ->
                        !name.equals("elig-b")
                            && !current.get(name).equals(heartbeatsBefore.get(name)))
                .collect(Collectors.toCollection(TreeSet::new));
        if (!heartbeating.isEmpty()) {
          heartbeatSeen = now;
        }
      }
      // a heartbeat needs a moment to reach the operator and to be (not) acted on
      if (heartbeatSeen != 0
          && now - start >= HEARTBEAT_WINDOW.toNanos()
          && now - heartbeatSeen >= Duration.ofSeconds(3).toNanos()) {
        break;
      }
      if (now - start > Duration.ofSeconds(90).toNanos()) {
        fail(
            "no node heartbeat by kwok in 90 s (its node-heartbeat stage renews every 30-65 s): %s",
            heartbeatsBefore);
      }
    }
    long seconds = Duration.ofNanos(System.nanoTime() - start).toSeconds();
    long after = operator.reconcilesStarted(NS);
    System.out.printf(
        "heartbeat window %d s: kwok heartbeats of %s (and ours of elig-b); reconciles in %s %d -> %d%n",
        seconds, heartbeating, NS, reconciles, after);
    assertThat(after)
        .as(
            "reconciles started in %s during %d s of node heartbeats (%s)",
            NS, seconds, heartbeating)
        .isEqualTo(reconciles);
    assertThat(environmentVersions())
        .as("resourceVersions of the environments")
        .isEqualTo(environmentVersions);
  }

  // --- environments ---

  private void createEnvironment(String name, Map<String, String> imageLabels, String grading) {
    Map<String, String> labels = new LinkedHashMap<>(imageLabels);
    labels.put("org.inginious.grading.name", name);
    TestImages.push(registry.host(), "inginious/env-" + name, "v1", labels);
    Scenarios.apply(
        admin,
        NS,
        """
        apiVersion: grading.inginious.org/v1alpha1
        kind: GradingEnvironment
        metadata: {name: %1$s}
        spec:
          image: {insecure: true}
          build: {prebuilt: {image: "%2$s/inginious/env-%1$s:v1"}}
          grading:
        %3$s"""
            .formatted(name, registry.host(), grading.indent(4)));
  }

  /**
   * Waits for this verdict on the current generation; the image and placement stay Ready
   * throughout.
   */
  private GradingEnvironment awaitSchedulable(String name, boolean schedulable, String reason) {
    await()
        .atMost(QUICK)
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(
            () -> {
              GradingEnvironment environment = Scenarios.environment(admin, NS, name);
              assertThat(environment.getStatus()).as("status of %s", name).isNotNull();
              Optional<Condition> condition = Scenarios.condition(environment, "Schedulable");
              assertThat(condition)
                  .as("Schedulable of %s: %s", name, environment.getStatus().conditions)
                  .isPresent();
              assertThat(condition.get().getStatus() + " " + condition.get().getReason())
                  .as("Schedulable of %s: %s", name, condition.get().getMessage())
                  .isEqualTo((schedulable ? "True " : "False ") + reason);
              assertThat(condition.get().getObservedGeneration())
                  .isEqualTo(environment.getMetadata().getGeneration());
              assertThat(environment.getStatus().phase).isEqualTo(Phase.Ready);
              assertThat(Scenarios.condition(environment, "Ready").orElseThrow().getStatus())
                  .isEqualTo("True");
            });
    return Scenarios.environment(admin, NS, name);
  }

  private static void assertStalledLikeSchedulable(GradingEnvironment environment) {
    Condition schedulable = Scenarios.condition(environment, "Schedulable").orElseThrow();
    Condition stalled = Scenarios.condition(environment, "Stalled").orElseThrow();
    assertThat(stalled.getStatus()).isEqualTo("True");
    assertThat(stalled.getReason()).isEqualTo(schedulable.getReason());
    assertThat(stalled.getMessage()).isEqualTo(schedulable.getMessage());
    assertThat(Scenarios.condition(environment, "Ready").orElseThrow().getStatus())
        .as("Ready stays True")
        .isEqualTo("True");
  }

  private static String message(GradingEnvironment environment, String type) {
    return Scenarios.condition(environment, type).orElseThrow().getMessage();
  }

  private static String uid(String environment) {
    return Scenarios.environment(admin, NS, environment).getMetadata().getUid();
  }

  private static Map<String, String> environmentVersions() {
    return admin.resources(GradingEnvironment.class).inNamespace(NS).list().getItems().stream()
        .collect(
            Collectors.toMap(
                e -> e.getMetadata().getName(),
                e -> e.getMetadata().getResourceVersion(),
                (a, b) -> a,
                TreeMap::new));
  }

  /**
   * Waits until no reconcile started in the namespace for 3 s (a status write wakes its environment
   * once more).
   */
  private static void awaitQuiet() {
    long[] last = {operator.reconcilesStarted(NS), System.nanoTime()};
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(500))
        .until(
            () -> {
              long count = operator.reconcilesStarted(NS);
              if (count != last[0]) {
                last[0] = count;
                last[1] = System.nanoTime();
              }
              return System.nanoTime() - last[1] >= Duration.ofSeconds(3).toNanos();
            });
  }

  // --- pre-pull ---

  private static List<DaemonSet> prePullDaemonSets() {
    return admin
        .apps()
        .daemonSets()
        .inNamespace(NS)
        .withLabel(MANAGED_BY, OPERATOR)
        .withLabel(COMPONENT, "prepull")
        .list()
        .getItems();
  }

  /** The pre-pull DaemonSet with the environment's init container. */
  private static Optional<DaemonSet> daemonSetOf(String environment) {
    List<DaemonSet> holding =
        prePullDaemonSets().stream()
            .filter(ds -> initContainerNames(ds).contains("pull-" + environment))
            .toList();
    assertThat(holding)
        .as("pre-pull DaemonSets holding %s", environment)
        .hasSizeLessThanOrEqualTo(1);
    return holding.stream().findFirst();
  }

  private static List<String> initContainerNames(DaemonSet daemonSet) {
    return daemonSet.getSpec().getTemplate().getSpec().getInitContainers().stream()
        .map(Container::getName)
        .toList();
  }

  private static Container initContainer(DaemonSet daemonSet, String name) {
    return daemonSet.getSpec().getTemplate().getSpec().getInitContainers().stream()
        .filter(c -> c.getName().equals(name))
        .findFirst()
        .orElseThrow();
  }

  /** The pods the DaemonSet controller made for this DaemonSet: its group label, owned by it. */
  private static List<Pod> podsOf(DaemonSet daemonSet) {
    return admin
        .pods()
        .inNamespace(NS)
        .withLabel(GROUP, daemonSet.getMetadata().getLabels().get(GROUP))
        .list()
        .getItems()
        .stream()
        .filter(
            pod ->
                pod.getMetadata().getOwnerReferences().stream()
                    .anyMatch(
                        ref ->
                            "DaemonSet".equals(ref.getKind())
                                && daemonSet.getMetadata().getUid().equals(ref.getUid())))
        .toList();
  }

  /**
   * The environment's pre-pull pods settle on exactly these nodes, one a node, Running and Ready,
   * and no other pod of its group exists. Pods still bound to a deleted node are left out: the pod
   * garbage collector of kube-controller-manager removes them after 40 s, as it does in any
   * cluster.
   */
  private static void awaitPrePullPodsOn(String environment, Set<String> eligible) {
    awaitPrePullPodsOn(environment, eligible, pod -> {});
  }

  /**
   * Same, and every one of those pods passes {@code each} (of the DaemonSet's current template,
   * say).
   */
  private static void awaitPrePullPodsOn(
      String environment, Set<String> eligible, Consumer<Pod> each) {
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(250))
        .untilAsserted(
            () -> {
              Set<String> existing =
                  admin.nodes().list().getItems().stream()
                      .map(n -> n.getMetadata().getName())
                      .collect(Collectors.toSet());
              DaemonSet daemonSet = daemonSetOf(environment).orElseThrow();
              List<Pod> pods =
                  podsOf(daemonSet).stream().filter(pod -> onExistingNode(pod, existing)).toList();
              assertThat(pods)
                  .extracting(pod -> pod.getSpec().getNodeName())
                  .as("nodes of the pre-pull pods of %s", environment)
                  .containsExactlyInAnyOrderElementsOf(eligible);
              assertThat(
                      admin
                          .pods()
                          .inNamespace(NS)
                          .withLabel(GROUP, daemonSet.getMetadata().getLabels().get(GROUP))
                          .list()
                          .getItems())
                  .filteredOn(pod -> onExistingNode(pod, existing))
                  .as("pods of the group")
                  .hasSameSizeAs(pods);
              assertThat(pods)
                  .allSatisfy(
                      pod -> {
                        assertThat(pod.getMetadata().getDeletionTimestamp()).isNull();
                        assertThat(pod.getStatus().getPhase()).isEqualTo("Running");
                        assertThat(pod.getStatus().getConditions())
                            .anySatisfy(
                                c -> {
                                  assertThat(c.getType()).isEqualTo("Ready");
                                  assertThat(c.getStatus()).isEqualTo("True");
                                });
                        each.accept(pod);
                      });
            });
  }

  /** Not yet scheduled counts as on a node: it is a pod of the group all the same. */
  private static boolean onExistingNode(Pod pod, Set<String> existing) {
    return pod.getSpec().getNodeName() == null || existing.contains(pod.getSpec().getNodeName());
  }

  /** Condition Pulled and status.prePull: every eligible node has the current image. */
  private static void awaitPulled(String environment, int nodes) {
    await()
        .atMost(QUICK)
        .pollInterval(Duration.ofMillis(250))
        .untilAsserted(
            () -> {
              GradingEnvironment current = Scenarios.environment(admin, NS, environment);
              Condition pulled = Scenarios.condition(current, "Pulled").orElseThrow();
              assertThat(pulled.getStatus() + " " + pulled.getReason())
                  .as("Pulled of %s: %s", environment, pulled.getMessage())
                  .isEqualTo("True ImagePulled");
              assertThat(pulled.getObservedGeneration())
                  .isEqualTo(current.getMetadata().getGeneration());
              assertThat(current.getStatus().prePull.desired)
                  .as("prePull.desired of %s", environment)
                  .isEqualTo(nodes);
              assertThat(current.getStatus().prePull.pulled)
                  .as("prePull.pulled of %s", environment)
                  .isEqualTo(nodes);
              assertThat(current.getStatus().nodes.eligible)
                  .as("nodes.eligible of %s", environment)
                  .isEqualTo(nodes);
            });
  }

  // --- nodes ---

  /** A kwok node of a pool: labelled and tainted with it (other classes' pods stay off), Ready. */
  private static void createNode(
      String name,
      String pool,
      Map<String, String> labels,
      Map<String, String> extended,
      Taint... taints) {
    Map<String, String> all = new LinkedHashMap<>(labels);
    all.put(POOL, pool);
    List<Taint> allTaints = new ArrayList<>();
    allTaints.add(
        new TaintBuilder().withKey(POOL).withValue(pool).withEffect("NoSchedule").build());
    allTaints.addAll(List.of(taints));
    nodes.add(name);
    KwokNodes.node(admin, name, all, extended, allTaints);
    admin
        .nodes()
        .withName(name)
        .waitUntilCondition(
            n ->
                n != null
                    && "True".equals(readyCondition(n).map(NodeCondition::getStatus).orElse(null)),
            30,
            TimeUnit.SECONDS);
  }

  private static Taint dedicatedTaint() {
    return new TaintBuilder().withKey(DEDICATED).withValue("exam").withEffect("NoSchedule").build();
  }

  private static void label(String node, String pool) {
    admin
        .nodes()
        .withName(node)
        .edit(
            n -> {
              n.getMetadata().getLabels().put(POOL, pool);
              return n;
            });
  }

  private static void cordon(String node, boolean unschedulable) {
    admin
        .nodes()
        .withName(node)
        .edit(
            n -> {
              n.getSpec().setUnschedulable(unschedulable ? true : null);
              return n;
            });
  }

  private static void deleteNode(String name) {
    admin.nodes().withName(name).delete();
    await().atMost(QUICK).until(() -> admin.nodes().withName(name).get() == null);
    nodes.remove(name);
  }

  private static Optional<NodeCondition> readyCondition(Node node) {
    return node.getStatus() == null || node.getStatus().getConditions() == null
        ? Optional.empty()
        : node.getStatus().getConditions().stream()
            .filter(c -> "Ready".equals(c.getType()))
            .findFirst();
  }

  /** Ready.lastHeartbeatTime of every node: kwok renews it every 30-65 s a node. */
  private static Map<String, String> heartbeats() {
    return admin.nodes().list().getItems().stream()
        .collect(
            Collectors.toMap(
                n -> n.getMetadata().getName(),
                n -> readyCondition(n).map(NodeCondition::getLastHeartbeatTime).orElse("none"),
                (a, b) -> a,
                TreeMap::new));
  }
}
