package org.inginious.grading.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.inginious.grading.ops.LeaderElection;

/**
 * The operator as in production: {@code java -jar grading-environment-operator.jar run}, its own
 * process, the chart's config, a ServiceAccount token, leader election on as the chart sets it.
 */
public final class OperatorProcess implements AutoCloseable {
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

  private final String name;
  private final Process process;
  private final int httpPort;
  private final Path log;

  private OperatorProcess(String name, Process process, int httpPort, Path log) {
    this.name = name;
    this.process = process;
    this.httpPort = httpPort;
    this.log = log;
  }

  /**
   * @param javaToolOptions the chart's JVM flags (JAVA_TOOL_OPTIONS); the heap is capped at 256 MiB
   *     here
   */
  static OperatorProcess start(
      ControlPlane cluster, String name, Path config, Path kubeconfig, String javaToolOptions) {
    Path jar = cluster.projectRoot().resolve("operator/target/grading-environment-operator.jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(
          jar + " is missing: the end-to-end tier runs after `package` (mvn verify)");
    }
    int port = ControlPlane.freePort();
    Path log = cluster.dir().resolve("operator-" + name + ".log");
    ProcessBuilder builder =
        new ProcessBuilder(
                List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx256m",
                    // timestamps in its log, to see where time goes (Kubernetes adds its own in a
                    // pod)
                    "-Dorg.slf4j.simpleLogger.showDateTime=true",
                    "-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS",
                    "-jar",
                    jar.toString(),
                    "run",
                    "--config",
                    config.toString(),
                    "--http-port",
                    Integer.toString(port)))
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    builder.environment().put("KUBECONFIG", kubeconfig.toString());
    builder.environment().put("JAVA_TOOL_OPTIONS", javaToolOptions);
    builder.environment().put(LeaderElection.ENV_ENABLED, "true");
    builder.environment().put(LeaderElection.ENV_NAMESPACE, ControlPlane.OPERATOR_NAMESPACE);
    builder.environment().put(LeaderElection.ENV_POD_NAME, name);
    try {
      OperatorProcess operator = new OperatorProcess(name, builder.start(), port, log);
      operator.awaitReady();
      return operator;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** /readyz answers 200: informers synced (standbys answer ready too). */
  private void awaitReady() {
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "operator "
                + name
                + " exited with "
                + process.exitValue()
                + ":\n"
                + ControlPlane.tail(log));
      }
      if (get("/readyz") == 200) {
        return;
      }
      ControlPlane.sleep(100);
    }
    throw new IllegalStateException(
        "operator " + name + " not ready within " + READY_TIMEOUT + ":\n" + ControlPlane.tail(log));
  }

  /** Whether this replica holds the Lease, as its /metrics say. */
  public boolean isLeader() {
    String metrics = body("/metrics");
    return metrics
        .lines()
        .anyMatch(
            line -> line.startsWith("grading_operator_leader") && line.strip().endsWith(" 1.0"));
  }

  /**
   * Reconciles of environments in this namespace that finished without error, as /metrics count
   * them.
   */
  public long reconcilesSucceeded(String namespace) {
    return metricSum("reconciliations_success_total{", namespace);
  }

  private long metricSum(String prefix, String namespace) {
    return (long)
        body("/metrics")
            .lines()
            .filter(
                line ->
                    line.startsWith(prefix)
                        && (namespace == null || line.contains("namespace=\"" + namespace + "\"")))
            .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
            .sum();
  }

  private int get(String path) {
    try {
      return HttpClient.newHttpClient()
          .send(request(path), HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  private String body(String path) {
    try {
      return HttpClient.newHttpClient()
          .send(request(path), HttpResponse.BodyHandlers.ofString())
          .body();
    } catch (IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }

  private HttpRequest request(String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path))
        .timeout(Duration.ofSeconds(5))
        .build();
  }

  public String name() {
    return name;
  }

  public long pid() {
    return process.pid();
  }

  /** Reconciles of environments in this namespace that started, as /metrics count them. */
  public long reconcilesStarted(String namespace) {
    return metricSum("reconciliations_started_total{", namespace);
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public Path log() {
    return log;
  }

  /** kill -9: no shutdown hook, no Lease release. */
  public void kill() {
    process.destroyForcibly();
    await();
  }

  /** SIGTERM, as Kubernetes stops a pod. */
  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroy();
      await();
    }
  }

  private void await() {
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
