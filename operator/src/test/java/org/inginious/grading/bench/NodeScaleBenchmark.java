package org.inginious.grading.bench;

import static org.inginious.grading.bench.ScaleBenchmark.awaitCondition;
import static org.inginious.grading.bench.ScaleBenchmark.memory;
import static org.inginious.grading.bench.ScaleBenchmark.nonLeaseWrites;
import static org.inginious.grading.bench.ScaleBenchmark.seconds;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.inginious.grading.api.GradingEnvironment;
import org.inginious.grading.api.Phase;
import org.inginious.grading.e2e.AuditLog;
import org.inginious.grading.e2e.ControlPlane;
import org.inginious.grading.e2e.OperatorInstallation;
import org.inginious.grading.e2e.OperatorProcess;
import org.inginious.grading.placement.nodes.NodeFacts;
import org.inginious.grading.testing.Environments;
import org.inginious.grading.testing.LocalRegistry;
import org.inginious.grading.testing.TestImages;

/**
 * Nodes at scale: N kwok nodes (kwok plays their kubelets, {@code e2e/kwok/stages.yaml}: a status
 * heartbeat about every 33 s per node) and M prebuilt environments in one namespace, half of them
 * with a {@code spec.grading.nodeSelector} that every node matches; the operator as its own process
 * ({@code -Xmx256m}, the chart's RBAC) on the end-to-end tier's real control plane. Prints:
 *
 * <ul>
 *   <li>the reconciles per environment from the operator's start, with the nodes and without;
 *   <li>the reconciles the node heartbeats cause (target 0): node updates are counted by a watch of
 *       this program while the operator's {@code reconciliations_started_total} is read before and
 *       after, and the operator's writes in that window (audit log, Leases left out);
 *   <li>a control, proving the counter counts: one node loses the label the selecting half selects,
 *       which changes the verdict of exactly those environments (each reconciles once);
 *   <li>the operator's heap after GC and RSS with the N nodes (and its largest classes), and with
 *       none (the same environments, the operator started before the nodes exist).
 * </ul>
 *
 * Pre-pull is off for the environments ({@code spec.grading.prePull: false}): its DaemonSet would
 * put a pod on every node, which the control plane of this machine would spend the run on. A
 * program, not a test:
 *
 * <pre>
 * mvn -q -B package -DskipTests &amp;&amp; mvn -q -B -pl operator test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=org.inginious.grading.bench.NodeScaleBenchmark -Dexec.args="1000 1000 100 70 true"
 * </pre>
 *
 * Arguments: nodes (1000), environments (1000), heartbeats to observe at least (100), the heartbeat
 * window's least length in seconds (70: every node beats at least once), whether to measure the
 * operator without nodes first (true). Needs what the tests need ({@code e2e/setup.sh}).
 */
public final class NodeScaleBenchmark {
  static final String NAMESPACE = "node-bench";
  static final String POOL_LABEL = "bench.grading.inginious.org/pool";
  static final String IMAGE = "inginious/env-bench-0";
  static final Set<String> READINESS_TAINTS =
      Set.of("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable");

  public static void main(String[] args) throws Exception {
    int nodeCount = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    int environmentCount = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
    int heartbeatTarget = args.length > 2 ? Integer.parseInt(args[2]) : 100;
    Duration leastWindow = Duration.ofSeconds(args.length > 3 ? Long.parseLong(args[3]) : 70);
    boolean withoutNodesFirst = args.length <= 4 || Boolean.parseBoolean(args[4]);
    int selecting = (environmentCount + 1) / 2; // the even ones
    Instant began = Instant.now();

    OperatorInstallation installation = OperatorInstallation.shared();
    // The first leader of a cluster creates the managed RuntimeClasses: a one-off, kept out of the
    // figures.
    installation.start("node-bench-install").close();
    KubernetesClient admin = installation.cluster().admin();
    AuditLog audit = new AuditLog(installation.cluster().auditLog());
    NodeUpdates updates = new NodeUpdates();
    SharedIndexInformer<Node> nodes = admin.nodes().inform(updates);
    double[] memoryWithoutNodes = null;
    long[] startWithoutNodes = null;
    try (LocalRegistry registry = LocalRegistry.open()) {
      TestImages.push(registry.host(), IMAGE, "v1", Map.of());
      OperatorInstallation.namespace(admin, NAMESPACE, Map.of());
      System.out.printf(
          "== %d environments in %s (%d with nodeSelector %s=a), pre-pull off: creating them%n",
          environmentCount, NAMESPACE, selecting, POOL_LABEL);
      createEnvironments(admin, registry, environmentCount);
      SharedIndexInformer<GradingEnvironment> environments =
          admin.resources(GradingEnvironment.class).inNamespace(NAMESPACE).inform();

      if (withoutNodesFirst) {
        System.out.println("== the operator without nodes");
        Instant start = Instant.now();
        try (OperatorProcess operator = installation.start("node-bench-0-nodes")) {
          awaitCondition(
              () -> readyWith(environments, 0, 0) >= environmentCount, Duration.ofMinutes(15));
          System.out.printf("   all Ready (0 nodes) after %.1f s%n", seconds(start, Instant.now()));
          startWithoutNodes = settle(operator, start);
          memoryWithoutNodes = memory(operator.pid());
          System.out.printf(
              "   heap after GC %.1f MiB, RSS %.0f MiB%n",
              memoryWithoutNodes[0], memoryWithoutNodes[1]);
        }
      }

      System.out.printf("== %d kwok nodes: creating them with the operator stopped%n", nodeCount);
      Instant nodesStart = Instant.now();
      createNodes(admin, nodeCount);
      awaitCondition(() -> settledNodes(nodes) >= nodeCount, Duration.ofMinutes(15));
      System.out.printf("   all Ready after %.1f s%n", seconds(nodesStart, Instant.now()));

      System.out.println("== the operator with the nodes");
      Instant start = Instant.now();
      OperatorProcess operator = installation.start("node-bench-a");
      try {
        awaitCondition(
            () -> readyWith(environments, nodeCount, nodeCount) >= environmentCount,
            Duration.ofMinutes(15));
        System.out.printf(
            "   all Ready with %d eligible Ready nodes after %.1f s%n",
            nodeCount, seconds(start, Instant.now()));
        long[] startWithNodes = settle(operator, start);

        System.out.printf(
            "== heartbeats: at least %d and at least %d s%n",
            heartbeatTarget, leastWindow.toSeconds());
        long auditMark = audit.mark();
        long reconcilesBefore = reconcileCount(operator);
        Instant windowStart = Instant.now();
        updates.start();
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while ((updates.heartbeats.get() < heartbeatTarget
                || Duration.between(windowStart, Instant.now()).compareTo(leastWindow) < 0)
            && System.nanoTime() < deadline) {
          Thread.sleep(500);
        }
        Thread.sleep(5000); // what the last heartbeats would have woken has started by now
        long reconcilesCaused = difference(reconcilesBefore, reconcileCount(operator));
        updates.stop();
        double window = seconds(windowStart, Instant.now());
        Thread.sleep(2000); // the last writes, if any, reach the audit log
        List<AuditLog.Request> writes = nonLeaseWrites(audit.requestsSince(auditMark));
        long heartbeats = updates.heartbeats.get();
        System.out.printf(
            "   node heartbeats observed: %d from %d of %d nodes in %.1f s (%.1f/s), by writer %s%n",
            heartbeats,
            updates.beating.size(),
            nodeCount,
            window,
            heartbeats / window,
            updates.writers);
        System.out.printf(
            "   other node changes (labels, taints, cordon, readiness, extended resources): %d%s%n",
            updates.others.get(), updates.examples.isEmpty() ? "" : ", e.g. " + updates.examples);
        String unsettled =
            startWithNodes[2] == 1 ? "" : " (the operator had not settled: its start goes on)";
        System.out.printf(
            "   reconciles caused: %s (target 0)%s%n",
            figure(reconcilesCaused, operator), unsettled);
        System.out.printf(
            "   operator writes in the window (Leases aside): %d%s%n",
            writes.size(),
            writes.isEmpty() ? "" : ", e.g. " + writes.subList(0, Math.min(5, writes.size())));
        double[] memoryWithNodes =
            operator.isAlive() ? memory(operator.pid()) : new double[] {Double.NaN, Double.NaN};
        System.out.printf(
            "   heap after GC %.1f MiB, RSS %.0f MiB; the largest classes:%n%s",
            memoryWithNodes[0],
            memoryWithNodes[1],
            operator.isAlive()
                ? largestClasses(operator.pid(), 8)
                : "     (the operator exited)\n");

        String relabelled = nodeName(0);
        System.out.printf(
            "== control: %s=b on %s, which the %d selecting environments then cannot use%n",
            POOL_LABEL, relabelled, selecting);
        updates.start();
        long controlBefore = reconcileCount(operator);
        admin
            .nodes()
            .withName(relabelled)
            .edit(
                node ->
                    new NodeBuilder(node)
                        .editMetadata()
                        .addToLabels(POOL_LABEL, "b")
                        .endMetadata()
                        .build());
        Instant relabelledAt = Instant.now();
        long controlDeadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (readyWith(environments, nodeCount - 1, nodeCount - 1) < selecting
            && System.nanoTime() < controlDeadline) {
          Thread.sleep(250);
        }
        double controlSeconds = seconds(relabelledAt, Instant.now());
        Thread.sleep(5000); // any further reconcile it causes starts by now
        long controlCaused = difference(controlBefore, reconcileCount(operator));
        updates.stop();
        System.out.printf(
            "   node changes this program's watch saw meanwhile: %d that matter%s, %d heartbeats%n",
            updates.others.get(),
            updates.examples.isEmpty() ? "" : " (" + updates.examples.get(0) + ")",
            updates.heartbeats.get());
        System.out.printf(
            "   reconciles caused: %s (expected %d: the selecting environments, once each); after %.1f s,"
                + " %d of them say %d eligible Ready nodes%n",
            figure(controlCaused, operator),
            selecting,
            controlSeconds,
            readyWith(environments, nodeCount - 1, nodeCount - 1),
            nodeCount - 1);
        if (!operator.isAlive()) {
          System.out.println("   the operator exited: see its log, " + operator.log());
        }

        System.out.println();
        String row = "%-58s %12s   %s%n";
        System.out.printf(
            "Nodes at scale: %d kwok nodes, %d environments in 1 namespace, operator -Xmx256m%n",
            nodeCount, environmentCount);
        System.out.printf(row, "", "figure", "target");
        System.out.printf(
            row,
            "reconciles caused by " + heartbeats + " node heartbeats",
            figure(reconcilesCaused, operator),
            "0" + (reconcilesCaused == 0 ? "" : "   NOT MET") + unsettled);
        System.out.printf(
            row,
            "operator writes during those heartbeats (Leases aside)",
            writes.size(),
            "0" + (writes.isEmpty() ? "" : "   NOT MET"));
        System.out.printf(
            row,
            "reconciles caused by relabelling 1 node (control)",
            figure(controlCaused, operator),
            selecting
                + " (the environments whose verdict changed)"
                + (controlCaused == selecting
                    ? ""
                    : controlCaused > 0
                        ? "   differs"
                        : controlCaused < 0
                            ? "   NOT MET"
                            : "   NOT MET: the node event woke nobody, so the 0 above proves nothing"));
        System.out.printf(
            row,
            "heap after GC with " + nodeCount + " nodes (MiB)",
            "%.1f".formatted(memoryWithNodes[0]),
            "report (-Xmx256m)");
        System.out.printf(
            row,
            "RSS with " + nodeCount + " nodes (MiB)",
            "%.0f".formatted(memoryWithNodes[1]),
            "report");
        System.out.printf(
            row,
            "reconciles per environment from the start, " + nodeCount + " nodes",
            "%.2f".formatted((double) startWithNodes[0] / environmentCount),
            "<= 1.2 (as ScaleBenchmark)"
                + (startWithNodes[2] == 1 ? "" : "   still reconciling when the wait ended"));
        System.out.printf(
            row,
            "start -> last of those reconciles (s), " + nodeCount + " nodes",
            "%.0f".formatted(startWithNodes[1] / 1000.0),
            "report");
        if (startWithoutNodes != null) {
          System.out.printf(
              row,
              "reconciles per environment from the start, 0 nodes",
              "%.2f".formatted((double) startWithoutNodes[0] / environmentCount),
              "comparison");
          System.out.printf(
              row,
              "start -> last of those reconciles (s), 0 nodes",
              "%.0f".formatted(startWithoutNodes[1] / 1000.0),
              "comparison");
        }
        if (memoryWithoutNodes != null) {
          System.out.printf(
              row,
              "heap after GC with 0 nodes (MiB)",
              "%.1f".formatted(memoryWithoutNodes[0]),
              "comparison");
          System.out.printf(
              row, "RSS with 0 nodes (MiB)", "%.0f".formatted(memoryWithoutNodes[1]), "comparison");
        }
        System.out.printf(
            "took %.0f s; operator log: %s%n", seconds(began, Instant.now()), operator.log());
      } finally {
        environments.close();
        operator.close();
      }
    } finally {
      nodes.close();
    }
    System.exit(0); // the control plane stops in a shutdown hook
  }

  static void createEnvironments(KubernetesClient admin, LocalRegistry registry, int count)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    List<Future<?>> creates = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      int index = i;
      String selector = index % 2 == 0 ? "\n    nodeSelector: {\"" + POOL_LABEL + "\": a}" : "";
      creates.add(
          pool.submit(
              () ->
                  admin
                      .resource(
                          Environments.fromYaml(
                              """
          apiVersion: grading.inginious.org/v1alpha1
          kind: GradingEnvironment
          metadata: {name: env-%d, namespace: %s}
          spec:
            image: {insecure: true}
            build: {prebuilt: {image: "%s/%s:v1"}}
            grading:
              prePull: false%s
          """
                                  .formatted(index, NAMESPACE, registry.host(), IMAGE, selector)))
                      .create()));
    }
    for (Future<?> create : creates) {
      create.get();
    }
    pool.shutdown();
  }

  /** As e2e/KwokNodes makes them: kwok's label, capacity, its annotations; all in pool a. */
  static void createNodes(KubernetesClient admin, int count) throws Exception {
    Map<String, Quantity> capacity = new LinkedHashMap<>();
    capacity.put("cpu", new Quantity("8"));
    capacity.put("memory", new Quantity("32Gi"));
    capacity.put("ephemeral-storage", new Quantity("100Gi"));
    capacity.put("pods", new Quantity("110"));
    ExecutorService pool = Executors.newFixedThreadPool(8);
    List<Future<?>> creates = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String name = nodeName(i);
      Map<String, String> labels =
          new LinkedHashMap<>(ControlPlane.kwokLabels(Map.of(POOL_LABEL, "a")));
      labels.put("kubernetes.io/hostname", name);
      labels.put("kubernetes.io/os", "linux");
      Node node =
          new NodeBuilder()
              .withNewMetadata()
              .withName(name)
              .withLabels(labels)
              .withAnnotations(
                  Map.of("node.alpha.kubernetes.io/ttl", "0", "kwok.x-k8s.io/node", "fake"))
              .endMetadata()
              .withNewStatus()
              .withCapacity(capacity)
              .withAllocatable(capacity)
              .endStatus()
              .build();
      creates.add(pool.submit(() -> admin.resource(node).create()));
    }
    for (Future<?> create : creates) {
      create.get();
    }
    pool.shutdown();
  }

  /** The first rows of the operator's class histogram (live objects, by bytes). */
  static String largestClasses(long pid, int rows) {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    String histogram =
        ControlPlane.run(
                new ProcessBuilder(jcmd.toString(), Long.toString(pid), "GC.class_histogram")
                    .redirectErrorStream(true))
            .output();
    return histogram
        .lines()
        .filter(line -> line.matches("\\s*\\d+:\\s+\\d+\\s.*"))
        .limit(rows)
        .map(line -> "     " + line.strip() + "\n")
        .collect(java.util.stream.Collectors.joining());
  }

  static String nodeName(int index) {
    return "bench-node-%04d".formatted(index);
  }

  /** Nodes that are Ready and no longer carry the node lifecycle controller's readiness taints. */
  static long settledNodes(SharedIndexInformer<Node> nodes) {
    return nodes.getStore().list().stream()
        .filter(node -> "True".equals(readyStatus(node)))
        .filter(
            node ->
                node.getSpec() == null
                    || node.getSpec().getTaints() == null
                    || node.getSpec().getTaints().stream()
                        .noneMatch(t -> READINESS_TAINTS.contains(t.getKey())))
        .count();
  }

  private static String readyStatus(Node node) {
    return node.getStatus() == null || node.getStatus().getConditions() == null
        ? null
        : node.getStatus().getConditions().stream()
            .filter(c -> "Ready".equals(c.getType()))
            .map(c -> c.getStatus())
            .findFirst()
            .orElse(null);
  }

  /** Environments that are Ready and whose status.nodes counts these eligible and Ready nodes. */
  static long readyWith(
      SharedIndexInformer<GradingEnvironment> environments, int eligible, int ready) {
    return environments.getStore().list().stream()
        .filter(
            e ->
                e.getStatus() != null
                    && e.getStatus().phase == Phase.Ready
                    && e.getStatus().nodes != null)
        .filter(
            e ->
                Objects.equals(e.getStatus().nodes.eligible, eligible)
                    && Objects.equals(e.getStatus().nodes.ready, ready))
        .count();
  }

  /**
   * Until the operator's reconcile counter stood still for 15 s (at most 10 minutes).
   *
   * @return the reconciles since the operator started, and the milliseconds from its start to the
   *     last of them
   */
  static long[] settle(OperatorProcess operator, Instant operatorStart)
      throws InterruptedException {
    Instant start = Instant.now();
    long last = operator.reconcilesStarted(NAMESPACE);
    Instant lastMoved = start;
    int still = 0;
    while (still < 3 && Duration.between(start, Instant.now()).toMinutes() < 10) {
      Thread.sleep(5000);
      long now = operator.reconcilesStarted(NAMESPACE);
      still = now == last ? still + 1 : 0;
      lastMoved = now == last ? lastMoved : Instant.now();
      last = now;
    }
    System.out.printf(
        "   %s: %d reconciles since the start, none in the last %d s; the last about %.0f s after the"
            + " start%n",
        still >= 3 ? "settled" : "NOT settled within 10 minutes",
        last,
        still * 5,
        seconds(operatorStart, lastMoved));
    return new long[] {
      last, Duration.between(operatorStart, lastMoved).toMillis(), still >= 3 ? 1 : 0
    };
  }

  /**
   * The operator's reconcile counter for the namespace, or -1 when its /metrics do not answer (it
   * exited, or stalls): it has reconciled every environment by the time this is read, so 0 means no
   * answer.
   */
  static long reconcileCount(OperatorProcess operator) throws InterruptedException {
    for (int attempt = 0; attempt < 3 && operator.isAlive(); attempt++) {
      long count = operator.reconcilesStarted(NAMESPACE);
      if (count > 0) {
        return count;
      }
      Thread.sleep(2000);
    }
    return -1;
  }

  static long difference(long before, long after) {
    return before < 0 || after < 0 ? -1 : after - before;
  }

  static String figure(long count, OperatorProcess operator) {
    return count >= 0 ? Long.toString(count) : operator.isAlive() ? "no answer" : "exited";
  }

  /**
   * Node updates as this program's watch sees them: a heartbeat leaves the node's {@link NodeFacts}
   * (what the operator's update filter compares) equal, any other change does not.
   */
  static final class NodeUpdates implements ResourceEventHandler<Node> {
    final AtomicLong heartbeats = new AtomicLong();
    final AtomicLong others = new AtomicLong();
    final Set<String> beating = ConcurrentHashMap.newKeySet();

    /**
     * Heartbeats by the field manager (and subresource) of the node's latest managedFields entry.
     */
    final Map<String, AtomicLong> writers = new ConcurrentHashMap<>();

    final List<String> examples = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile boolean counting;

    void start() {
      heartbeats.set(0);
      others.set(0);
      beating.clear();
      writers.clear();
      examples.clear();
      counting = true;
    }

    void stop() {
      counting = false;
    }

    @Override
    public void onAdd(Node node) {}

    @Override
    public void onUpdate(Node before, Node after) {
      if (!counting
          || Objects.equals(
              before.getMetadata().getResourceVersion(),
              after.getMetadata().getResourceVersion())) {
        return;
      }
      NodeFacts was = NodeFacts.of(before);
      NodeFacts is = NodeFacts.of(after);
      if (was.equals(is)) {
        heartbeats.incrementAndGet();
        beating.add(after.getMetadata().getName());
        writers.computeIfAbsent(latestWriter(after), w -> new AtomicLong()).incrementAndGet();
      } else {
        others.incrementAndGet();
        if (examples.size() < 3) {
          examples.add(was + " -> " + is);
        }
      }
    }

    @Override
    public void onDelete(Node node, boolean deletedFinalStateUnknown) {}

    private static String latestWriter(Node node) {
      return node.getMetadata().getManagedFields() == null
          ? "?"
          : node.getMetadata().getManagedFields().stream()
              .filter(f -> f.getTime() != null)
              .max(java.util.Comparator.comparing(f -> Instant.parse(f.getTime())))
              .map(
                  f ->
                      f.getManager()
                          + (f.getSubresource() == null || f.getSubresource().isEmpty()
                              ? ""
                              : "/" + f.getSubresource()))
              .orElse("?");
    }
  }

  private NodeScaleBenchmark() {}
}
