package org.inginious.grading.e2e;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.inginious.grading.cli.LocalControlPlane;

/**
 * The end-to-end tier's cluster: {@link LocalControlPlane} with everything on (audit log of the
 * operator's requests, kube-scheduler, kwok as the only kubelet with {@code e2e/kwok/stages.yaml}),
 * built by {@code e2e/control-plane/build.sh} if needed, started once per test JVM ({@link
 * #shared()}) and stopped when it exits. Logs, the audit log and kubeconfigs stay under {@code
 * operator/target/e2e/<run>/}.
 */
public final class ControlPlane {
  /** The operator's ServiceAccount (chart defaults): the one user the audit log records. */
  public static final String OPERATOR_NAMESPACE = "grading-system";

  public static final String OPERATOR_SERVICE_ACCOUNT = "grading-environment-operator";
  public static final String OPERATOR_USER =
      "system:serviceaccount:" + OPERATOR_NAMESPACE + ":" + OPERATOR_SERVICE_ACCOUNT;

  /** Nodes kwok manages carry this label. */
  public static final String KWOK_NODE_LABEL = "e2e.grading.inginious.org/kwok";

  private static ControlPlane shared;

  private final Path projectRoot;
  private final LocalControlPlane plane;

  /** The control plane of this test JVM, started on first use. */
  public static synchronized ControlPlane shared() {
    if (shared == null) {
      shared = new ControlPlane(defaultProjectRoot());
      Runtime.getRuntime().addShutdownHook(new Thread(shared.plane::close, "control-plane-stop"));
    }
    return shared;
  }

  /**
   * Surefire/failsafe set project.root; a program run from the project root (exec:java) finds it
   * itself.
   */
  static Path defaultProjectRoot() {
    String fallback = Files.isRegularFile(Path.of("operator", "pom.xml")) ? "." : "..";
    return Path.of(System.getProperty("project.root", fallback)).toAbsolutePath().normalize();
  }

  private ControlPlane(Path projectRoot) {
    this.projectRoot = projectRoot;
    String run = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
    Path dir = projectRoot.resolve("operator/target/e2e/" + run);
    this.plane =
        LocalControlPlane.start(
            new LocalControlPlane.Options(
                buildBinaries(projectRoot, dir),
                dir,
                """
        apiVersion: audit.k8s.io/v1
        kind: Policy
        omitStages: [RequestReceived]
        rules:
        - level: Metadata
          users: ["%s"]
        - level: None
        """
                    .formatted(OPERATOR_USER),
                true,
                projectRoot.resolve("e2e/kwok/stages.yaml"),
                KWOK_NODE_LABEL));
  }

  /**
   * Runs the build script (nothing to do when the binaries are cached) and returns its binary
   * folder.
   */
  private static Path buildBinaries(Path projectRoot, Path dir) {
    Path script = projectRoot.resolve("e2e/control-plane/build.sh");
    try {
      Files.createDirectories(dir);
      Path log = dir.resolve("build.log");
      ProcessOutput build =
          run(new ProcessBuilder("bash", script.toString()).redirectError(log.toFile()));
      if (build.exitCode() != 0) {
        throw new IllegalStateException(
            "building the control plane failed (" + script + "):\n" + Files.readString(log));
      }
      String out = build.output().strip();
      return Path.of(out.substring(out.lastIndexOf('\n') + 1));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public KubernetesClient admin() {
    return plane.admin();
  }

  public String kubeconfig(String token) {
    return plane.kubeconfig(token);
  }

  public Path adminKubeconfig() {
    return plane.adminKubeconfig();
  }

  public Path auditLog() {
    return plane.auditLog();
  }

  public Path dir() {
    return plane.dir();
  }

  public Path projectRoot() {
    return projectRoot;
  }

  /** What a process printed on its standard output (and error, where merged) and its exit code. */
  public record ProcessOutput(int exitCode, String output) {}

  /** Runs the control plane's kubectl as the admin. */
  public ProcessOutput kubectl(String... args) {
    List<String> command =
        new ArrayList<>(
            List.of(
                plane.bin().resolve("kubectl").toString(),
                "--kubeconfig=" + plane.adminKubeconfig()));
    command.addAll(List.of(args));
    return run(new ProcessBuilder(command).redirectErrorStream(true));
  }

  /** Runs a process to its end. */
  public static ProcessOutput run(ProcessBuilder builder) {
    try {
      Process process = builder.start();
      String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      return new ProcessOutput(process.waitFor(), out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static int freePort() {
    return LocalControlPlane.freePort();
  }

  static String tail(Path log) {
    return LocalControlPlane.tail(log);
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Labels of a kwok node. */
  public static Map<String, String> kwokLabels(Map<String, String> extra) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(KWOK_NODE_LABEL, "true");
    labels.put("type", "kwok");
    labels.putAll(extra);
    return labels;
  }
}
