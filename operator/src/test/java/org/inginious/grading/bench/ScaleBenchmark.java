package org.inginious.grading.bench;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.inginious.grading.api.GradingEnvironment;
import org.inginious.grading.api.Phase;
import org.inginious.grading.e2e.AuditLog;
import org.inginious.grading.e2e.ControlPlane;
import org.inginious.grading.e2e.OperatorInstallation;
import org.inginious.grading.e2e.OperatorProcess;
import org.inginious.grading.testing.Environments;
import org.inginious.grading.testing.LocalRegistry;
import org.inginious.grading.testing.TestImages;

/**
 * Scale: N prebuilt environments (3 distinct image references) in 1 and in 10 namespaces, the
 * operator as its own process ({@code -Xmx256m}, the chart's RBAC) on the end-to-end tier's real
 * control plane, a local registry. Per case: the environments are created while the operator is
 * stopped, then it starts; prints start -> first status write, start -> all Ready, reconciles and
 * writes per environment (writes from the audit log), bytes the API server sent (all clients),
 * registry manifest requests per reference, heap after GC and RSS, writes during an idle window,
 * writes on a restart; and the targets beside them. A program, not a test:
 *
 * <pre>
 * mvn -q -B package -DskipTests &amp;&amp; mvn -q -B -pl operator exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=org.inginious.grading.bench.ScaleBenchmark -Dexec.args="100,1000,3000 120"
 * </pre>
 *
 * Arguments: the values of N, and the idle window in seconds (default 120). Needs what the tests
 * need ({@code e2e/setup.sh}).
 */
public final class ScaleBenchmark {
  static final int REFERENCES = 3;

  record Figures(
      int n,
      int namespaces,
      double startToFirstWrite,
      double startToAllReady,
      double reconcilesPerEnv,
      double writesPerEnv,
      double bytesPerEnv,
      double manifestRequestsPerRef,
      double heapMiB,
      double rssMiB,
      long idleWrites,
      long restartWrites) {}

  public static void main(String[] args) throws Exception {
    List<Integer> sizes =
        args.length > 0
            ? java.util.Arrays.stream(args[0].split(",")).map(Integer::parseInt).toList()
            : List.of(100, 1000, 3000);
    Duration idle = Duration.ofSeconds(args.length > 1 ? Long.parseLong(args[1]) : 120);
    OperatorInstallation installation = OperatorInstallation.shared();
    // The first leader of a cluster creates the managed RuntimeClasses, which wakes every
    // environment
    // using them: a one-off of the first install, kept out of the figures.
    installation.start("bench-install").close();
    List<Figures> all = new ArrayList<>();
    try (LocalRegistry registry = LocalRegistry.open()) {
      for (int i = 0; i < REFERENCES; i++) {
        TestImages.push(registry.host(), "inginious/env-bench-" + i, "v1", Map.of());
      }
      for (int n : sizes) {
        for (int namespaces : new int[] {1, 10}) {
          Figures figures = run(installation, registry, n, namespaces, idle);
          all.add(figures);
          print(List.of(figures), idle);
        }
      }
    }
    System.out.println();
    System.out.println("All cases:");
    print(all, idle);
    System.exit(0); // the control plane stops in a shutdown hook
  }

  static Figures run(
      OperatorInstallation installation,
      LocalRegistry registry,
      int n,
      int namespaceCount,
      Duration idle)
      throws Exception {
    KubernetesClient admin = installation.cluster().admin();
    String prefix = "bench-" + n + "-" + namespaceCount;
    List<String> namespaces = new ArrayList<>();
    for (int i = 0; i < namespaceCount; i++) {
      namespaces.add(prefix + "-" + i);
      OperatorInstallation.namespace(admin, prefix + "-" + i, Map.of());
    }
    System.out.printf(
        "%n== %d environments in %d namespace(s): creating them with the operator stopped%n",
        n, namespaceCount);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    List<Future<?>> creates = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int index = i;
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
            build: {prebuilt: {image: "%s/inginious/env-bench-%d:v1"}}
          """
                                  .formatted(
                                      index,
                                      namespaces.get(index % namespaceCount),
                                      registry.host(),
                                      index % REFERENCES)))
                      .create()));
    }
    for (Future<?> create : creates) {
      create.get();
    }
    pool.shutdown();

    // Ready is counted from a watch (an informer), so that this program's own reads stay out of
    // the bytes the API server sends while the operator works
    SharedIndexInformer<GradingEnvironment> environments =
        admin.resources(GradingEnvironment.class).inAnyNamespace().inform();
    AuditLog audit = new AuditLog(installation.cluster().auditLog());
    long mark = audit.mark();
    long manifestsBefore = manifestRequests(registry);
    Map<String, Double> bytesBefore = responseBytes(installation);
    Instant start = Instant.now();
    OperatorProcess operator = installation.start(prefix + "-a");
    try {
      awaitCondition(
          () ->
              environments.getStore().list().stream()
                      .filter(e -> e.getMetadata().getNamespace().startsWith(prefix + "-"))
                      .filter(e -> e.getStatus() != null && e.getStatus().phase == Phase.Ready)
                      .count()
                  >= n,
          Duration.ofMinutes(10));
      double startToAllReady = seconds(start, Instant.now());
      List<AuditLog.Request> toReady = nonLeaseWrites(audit.requestsSince(mark));
      Instant firstStatusWrite =
          toReady.stream()
              .filter(r -> r.subresource().equals("status"))
              .map(r -> Instant.parse(r.timestamp()))
              .min(Instant::compareTo)
              .orElse(Instant.now());
      long reconciles = namespaces.stream().mapToLong(operator::reconcilesStarted).sum();
      Map<String, Double> bytesByRequest = new java.util.TreeMap<>(responseBytes(installation));
      bytesBefore.forEach((request, before) -> bytesByRequest.merge(request, -before, Double::sum));
      double bytes = bytesByRequest.values().stream().mapToDouble(Double::doubleValue).sum();
      System.out.printf(
          "   bytes sent, largest: %s%n",
          bytesByRequest.entrySet().stream()
              .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
              .limit(3)
              .map(e -> String.format("%s %.1f MiB", e.getKey(), e.getValue() / (1 << 20)))
              .toList());
      long manifests = manifestRequests(registry) - manifestsBefore;
      double[] memory = memory(operator.pid());

      System.out.printf(
          "   Ready after %.1f s; idle for %d s%n", startToAllReady, idle.toSeconds());
      long idleMark = audit.mark();
      Thread.sleep(idle.toMillis());
      long idleWrites = nonLeaseWrites(audit.requestsSince(idleMark)).size();

      operator.close();
      long restartMark = audit.mark();
      operator = installation.start(prefix + "-b");
      OperatorProcess restarted = operator;
      awaitCondition(
          () -> namespaces.stream().mapToLong(restarted::reconcilesSucceeded).sum() >= n,
          Duration.ofMinutes(5));
      Thread.sleep(2000); // the last reconciles' writes, if any, reach the audit log
      long restartWrites = nonLeaseWrites(audit.requestsSince(restartMark)).size();

      System.out.println(
          "   start: "
              + startPhases(
                  installation.cluster().dir().resolve("operator-" + prefix + "-a.log"),
                  start,
                  firstStatusWrite));
      return new Figures(
          n,
          namespaceCount,
          seconds(start, firstStatusWrite),
          startToAllReady,
          (double) reconciles / n,
          (double) toReady.size() / n,
          bytes / n,
          (double) manifests / REFERENCES,
          memory[0],
          memory[1],
          idleWrites,
          restartWrites);
    } finally {
      environments.close();
      operator.close();
      // the next case starts from an empty cluster: the namespace controller deletes everything
      for (String namespace : namespaces) {
        admin.namespaces().withName(namespace).delete();
      }
      for (String namespace : namespaces) {
        admin
            .namespaces()
            .withName(namespace)
            .waitUntilCondition(ns -> ns == null, 10, TimeUnit.MINUTES);
      }
    }
  }

  static void print(List<Figures> figures, Duration idle) {
    String header = "%6s %4s %12s %12s %10s %9s %10s %10s %9s %8s %9s %9s%n";
    System.out.printf(
        header,
        "N",
        "ns",
        "start->1st",
        "start->Ready",
        "reconc/env",
        "writes/env",
        "bytes/env",
        "manif/ref",
        "heap MiB",
        "RSS MiB",
        "idle wr",
        "restart wr");
    for (Figures f : figures) {
      System.out.printf(
          "%6d %4d %11.1fs %11.1fs %10.2f %10.2f %10.0f %10.1f %9.1f %8.0f %9d %9d%n",
          f.n(),
          f.namespaces(),
          f.startToFirstWrite(),
          f.startToAllReady(),
          f.reconcilesPerEnv(),
          f.writesPerEnv(),
          f.bytesPerEnv(),
          f.manifestRequestsPerRef(),
          f.heapMiB(),
          f.rssMiB(),
          f.idleWrites(),
          f.restartWrites());
    }
    System.out.printf(
        "targets: start->1st status write <= 3 s; 1,000 in 1 namespace within 1.5x of 1,000 in 10;"
            + " <= 1.2 reconciles and <= 3 writes per environment; bytes/env flat from 100 to 3,000;"
            + " <= 3 registry requests per reference per start; heap after GC <= 128 MiB at 3,000 (-Xmx256m);"
            + " 0 writes idle (%d s) and on restart%n",
        idle.toSeconds());
  }

  /**
   * Where the start went, from the operator's log (timestamps HH:mm:ss.SSS, see OperatorProcess):
   * JVM and set-up until the first line, informers until the controller started, the Lease, and the
   * first reconciles until the first status write.
   */
  static String startPhases(Path log, Instant start, Instant firstStatusWrite) throws IOException {
    List<String> lines = Files.readAllLines(log);
    java.time.LocalDate today = java.time.LocalDate.now(java.time.ZoneOffset.UTC);
    java.util.function.Function<String, Instant> at =
        marker ->
            lines.stream()
                .filter(l -> l.contains(marker))
                .findFirst()
                .map(
                    l ->
                        java.time.LocalTime.parse(l.substring(0, 12))
                            .atDate(today)
                            .toInstant(java.time.ZoneOffset.UTC))
                .orElse(null);
    Instant firstLine = at.apply(" [main] ");
    Instant synced = at.apply("controller started");
    Instant leading = at.apply("acquired Lease");
    if (firstLine == null || synced == null || leading == null) {
      return "(log without timestamps)";
    }
    return String.format(
        "JVM and set-up %.1f s, informers synced %.1f s, Lease %.1f s, first reconciles to the first"
            + " status write %.1f s",
        seconds(start, firstLine),
        seconds(firstLine, synced),
        seconds(synced, leading),
        seconds(leading, firstStatusWrite));
  }

  static List<AuditLog.Request> nonLeaseWrites(List<AuditLog.Request> requests) {
    return requests.stream()
        .filter(AuditLog.Request::isWrite)
        .filter(r -> !r.resource().equals("leases"))
        .toList();
  }

  static void awaitCondition(java.util.function.BooleanSupplier condition, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("not reached within " + timeout);
      }
      Thread.sleep(250);
    }
  }

  /**
   * Bytes of non-watch responses the API server sent, by verb and resource, from its
   * apiserver_response_sizes histogram: the operator's lists and gets, plus the little that the
   * controllers and kwok read meanwhile.
   */
  private static Map<String, Double> responseBytes(OperatorInstallation installation)
      throws IOException, InterruptedException {
    String metrics = installation.cluster().admin().raw("/metrics");
    Map<String, Double> bytes = new java.util.HashMap<>();
    metrics
        .lines()
        .filter(line -> line.startsWith("apiserver_response_sizes_sum{"))
        // a watch is counted when it ends, with every event it carried since it began: a watch
        // timing out during the window would count minutes of events
        .filter(line -> !label(line, "verb").startsWith("WATCH"))
        .forEach(
            line ->
                bytes.merge(
                    label(line, "verb") + " " + label(line, "resource"),
                    Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)),
                    Double::sum));
    return bytes;
  }

  private static String label(String metricLine, String name) {
    Matcher value = Pattern.compile(name + "=\"([^\"]*)\"").matcher(metricLine);
    return value.find() ? value.group(1) : "?";
  }

  private static long manifestRequests(LocalRegistry registry) {
    return Pattern.compile("(GET|HEAD) /v2/inginious/env-bench-\\d+/manifests/")
        .matcher(registry.logText())
        .results()
        .count();
  }

  /** Heap used after a full GC and resident set size, in MiB. */
  static double[] memory(long pid) throws IOException, InterruptedException {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    ControlPlane.run(
        new ProcessBuilder(jcmd.toString(), Long.toString(pid), "GC.run")
            .redirectErrorStream(true));
    String heap =
        ControlPlane.run(
                new ProcessBuilder(jcmd.toString(), Long.toString(pid), "GC.heap_info")
                    .redirectErrorStream(true))
            .output();
    // G1: one "heap total …, used …K" line; the serial collector: one per generation
    var used = Pattern.compile("(?:heap|generation)\\s+total \\d+K, used (\\d+)K").matcher(heap);
    long usedKiB = 0;
    while (used.find()) {
      usedKiB += Long.parseLong(used.group(1));
    }
    double heapMiB = usedKiB / 1024.0;
    String status = Files.readString(Path.of("/proc/" + pid + "/status"));
    var rss = Pattern.compile("VmRSS:\\s+(\\d+) kB").matcher(status);
    double rssMiB = rss.find() ? Long.parseLong(rss.group(1)) / 1024.0 : Double.NaN;
    return new double[] {heapMiB, rssMiB};
  }

  static double seconds(Instant from, Instant to) {
    return Duration.between(from, to).toMillis() / 1000.0;
  }

  private ScaleBenchmark() {}
}
