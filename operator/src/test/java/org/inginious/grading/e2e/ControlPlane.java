package org.inginious.grading.e2e;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * A real Kubernetes control plane on 127.0.0.1 and free ports, built from Go modules by
 * {@code e2e/control-plane/build.sh}: etcd, kube-apiserver (RBAC, ServiceAccount tokens, audit log,
 * PodSecurity and OwnerReferencesPermissionEnforcement admission), kube-controller-manager (garbage
 * collector, Job, DaemonSet, namespace and ServiceAccount controllers), kube-scheduler, and kwok as
 * the only kubelet (stages in {@code e2e/kwok/stages.yaml}). Started once per test JVM
 * ({@link #shared()}) and stopped when it exits. Logs, the audit log and kubeconfigs stay under
 * {@code operator/target/e2e/<run>/}.
 */
public final class ControlPlane implements AutoCloseable {
  /** The user whose requests the audit log records: the operator's ServiceAccount (chart defaults). */
  public static final String OPERATOR_NAMESPACE = "grading-system";
  public static final String OPERATOR_SERVICE_ACCOUNT = "grading-environment-operator";
  public static final String OPERATOR_USER =
      "system:serviceaccount:" + OPERATOR_NAMESPACE + ":" + OPERATOR_SERVICE_ACCOUNT;
  /** Nodes kwok manages carry this label. */
  public static final String KWOK_NODE_LABEL = "e2e.grading.inginious.org/kwok";

  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
  private static ControlPlane shared;

  private final Path projectRoot;
  private final Path dir;
  private final Path bin;
  private final String adminToken = UUID.randomUUID().toString();
  private final List<Process> processes = new ArrayList<>();
  private final int apiserverPort;
  private final Path adminKubeconfig;
  private final Path auditLog;
  private KubernetesClient admin;

  /** The control plane of this test JVM, started on first use. */
  public static synchronized ControlPlane shared() {
    if (shared == null) {
      ControlPlane started = new ControlPlane(defaultProjectRoot());
      Runtime.getRuntime().addShutdownHook(new Thread(started::close, "control-plane-stop"));
      try {
        started.start();
      } catch (RuntimeException | Error e) {
        started.close();
        throw e;
      }
      shared = started;
    }
    return shared;
  }

  static Path defaultProjectRoot() {
    return Path.of(System.getProperty("project.root", "..")).toAbsolutePath().normalize();
  }

  private ControlPlane(Path projectRoot) {
    this.projectRoot = projectRoot;
    String run = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
    this.dir = projectRoot.resolve("operator/target/e2e/" + run);
    this.bin = buildBinaries(projectRoot, dir);
    this.apiserverPort = freePort();
    this.adminKubeconfig = dir.resolve("admin.kubeconfig");
    this.auditLog = dir.resolve("audit.log");
  }

  /** Runs the build script (a no-op when the binaries are cached) and returns its binary folder. */
  private static Path buildBinaries(Path projectRoot, Path dir) {
    Path script = projectRoot.resolve("e2e/control-plane/build.sh");
    try {
      Files.createDirectories(dir);
      Path log = dir.resolve("build.log");
      Process build = new ProcessBuilder("bash", script.toString())
          .redirectError(log.toFile()).redirectOutput(ProcessBuilder.Redirect.PIPE).start();
      String out = new String(build.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      if (build.waitFor() != 0) {
        throw new IllegalStateException("building the control plane failed (" + script + "):\n" + Files.readString(log));
      }
      return Path.of(out.substring(out.lastIndexOf('\n') + 1));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private void start() {
    try {
      Path serviceAccountKey = writeServiceAccountKeys();
      Files.writeString(dir.resolve("tokens.csv"), String.join("\n",
          adminToken + ",e2e-admin,e2e-admin,system:masters",
          adminToken + "-kcm,system:kube-controller-manager,kcm,system:masters",
          adminToken + "-scheduler,system:kube-scheduler,scheduler,system:masters",
          adminToken + "-kwok,kwok,kwok,system:masters") + "\n");
      Files.writeString(dir.resolve("audit-policy.yaml"), """
          apiVersion: audit.k8s.io/v1
          kind: Policy
          omitStages: [RequestReceived]
          rules:
          - level: Metadata
            users: ["%s"]
          - level: None
          """.formatted(OPERATOR_USER));
      Files.writeString(adminKubeconfig, kubeconfig(adminToken));

      int etcdPort = freePort();
      start("etcd", List.of(bin.resolve("etcd").toString(),
          "--data-dir=" + dir.resolve("etcd-data"),
          "--listen-client-urls=http://127.0.0.1:" + etcdPort,
          "--advertise-client-urls=http://127.0.0.1:" + etcdPort,
          "--listen-peer-urls=http://127.0.0.1:" + freePort(),
          "--unsafe-no-fsync=true",
          "--log-level=warn"));
      awaitHttp("etcd", "http://127.0.0.1:" + etcdPort + "/health", null);

      start("kube-apiserver", List.of(bin.resolve("kube-apiserver").toString(),
          "--etcd-servers=http://127.0.0.1:" + etcdPort,
          "--bind-address=127.0.0.1",
          "--advertise-address=127.0.0.1",
          "--secure-port=" + apiserverPort,
          "--cert-dir=" + dir.resolve("apiserver-certs"),
          "--token-auth-file=" + dir.resolve("tokens.csv"),
          "--authorization-mode=RBAC",
          "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
          "--service-account-key-file=" + serviceAccountKey.resolveSibling("sa.pub"),
          "--service-account-signing-key-file=" + serviceAccountKey,
          "--service-cluster-ip-range=10.96.0.0/16",
          "--allow-privileged=true",
          "--enable-admission-plugins=PodSecurity,OwnerReferencesPermissionEnforcement",
          "--audit-policy-file=" + dir.resolve("audit-policy.yaml"),
          "--audit-log-path=" + auditLog,
          "--audit-log-format=json",
          "--audit-log-mode=blocking",
          "--endpoint-reconciler-type=none"));
      awaitHttp("kube-apiserver", "https://127.0.0.1:" + apiserverPort + "/readyz", adminToken);

      Path kcmConfig = dir.resolve("kcm.kubeconfig");
      Files.writeString(kcmConfig, kubeconfig(adminToken + "-kcm"));
      start("kube-controller-manager", List.of(bin.resolve("kube-controller-manager").toString(),
          "--kubeconfig=" + kcmConfig,
          "--controllers=garbagecollector,job,daemonset,replicaset,namespace,serviceaccount,ttl-after-finished,podgc,nodelifecycle",
          "--node-monitor-grace-period=60s",
          "--leader-elect=false",
          "--secure-port=0",
          "--concurrent-gc-syncs=5",
          "--service-cluster-ip-range=10.96.0.0/16"));

      Path schedulerConfig = dir.resolve("scheduler.kubeconfig");
      Files.writeString(schedulerConfig, kubeconfig(adminToken + "-scheduler"));
      start("kube-scheduler", List.of(bin.resolve("kube-scheduler").toString(),
          "--kubeconfig=" + schedulerConfig,
          "--leader-elect=false",
          "--secure-port=0"));

      Path kwokConfig = dir.resolve("kwok.kubeconfig");
      Files.writeString(kwokConfig, kubeconfig(adminToken + "-kwok"));
      start("kwok", List.of(bin.resolve("kwok").toString(),
          "--kubeconfig=" + kwokConfig,
          "--config=" + projectRoot.resolve("e2e/kwok/stages.yaml"),
          "--manage-all-nodes=false",
          "--manage-nodes-with-label-selector=" + KWOK_NODE_LABEL + "=true",
          "--node-ip=10.0.0.1",
          "--cidr=10.0.0.1/16",
          "--server-address=",
          "--node-lease-duration-seconds=40"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public KubernetesClient admin() {
    if (admin == null) {
      admin = new KubernetesClientBuilder().withConfig(clientConfig(adminToken)).build();
    }
    return admin;
  }

  /** A client that authenticates with this bearer token (a ServiceAccount's, for instance). */
  public KubernetesClient clientWithToken(String token) {
    return new KubernetesClientBuilder().withConfig(clientConfig(token)).build();
  }

  private Config clientConfig(String token) {
    return new ConfigBuilder(Config.empty())
        .withMasterUrl(url())
        .withOauthToken(token)
        .withTrustCerts(true)
        .withDisableHostnameVerification(true)
        .withRequestTimeout(30_000)
        .build();
  }

  public String url() {
    return "https://127.0.0.1:" + apiserverPort;
  }

  /** A kubeconfig for this bearer token (the server's certificate is self-signed). */
  public String kubeconfig(String token) {
    return """
        apiVersion: v1
        kind: Config
        clusters:
        - name: e2e
          cluster: {server: "%s", insecure-skip-tls-verify: true}
        users:
        - name: e2e
          user: {token: "%s"}
        contexts:
        - name: e2e
          context: {cluster: e2e, user: e2e}
        current-context: e2e
        """.formatted(url(), token);
  }

  public Path adminKubeconfig() {
    return adminKubeconfig;
  }

  public Path auditLog() {
    return auditLog;
  }

  public Path dir() {
    return dir;
  }

  public Path bin() {
    return bin;
  }

  public Path projectRoot() {
    return projectRoot;
  }

  /** What a kubectl run printed (standard output and error) and its exit code. */
  public record KubectlResult(int exitCode, String output) {}

  /** Runs the control plane's kubectl as the admin. */
  public KubectlResult kubectl(String... args) {
    List<String> command = new ArrayList<>(List.of(bin.resolve("kubectl").toString(), "--kubeconfig=" + adminKubeconfig));
    command.addAll(List.of(args));
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      return new KubectlResult(process.waitFor(), out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private void start(String name, List<String> command) throws IOException {
    Path log = dir.resolve(name + ".log");
    Process process = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .start();
    processes.add(process);
    // a component that dies at start-up fails fast, with its log
    try {
      if (process.waitFor(300, TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException(name + " exited with " + process.exitValue() + ":\n" + tail(log));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void awaitHttp(String name, String url, String token) {
    HttpClient http = HttpClient.newBuilder().sslContext(trustAll()).connectTimeout(Duration.ofSeconds(2)).build();
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      Process process = processes.get(processes.size() - 1);
      if (!process.isAlive()) {
        throw new IllegalStateException(name + " exited with " + process.exitValue() + ":\n" + tail(dir.resolve(name + ".log")));
      }
      try {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5));
        if (token != null) {
          request.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 200) {
          return;
        }
        last = response.statusCode() + " " + response.body();
      } catch (IOException e) {
        last = e.toString();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      sleep(100);
    }
    throw new IllegalStateException(name + " not ready within " + START_TIMEOUT + " (" + last + "):\n"
        + tail(dir.resolve(name + ".log")));
  }

  /** The ServiceAccount signing key (PKCS#8) and its public key (X.509), as PEM files. */
  private Path writeServiceAccountKeys() throws IOException {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(2048);
      KeyPair pair = generator.generateKeyPair();
      Path key = dir.resolve("sa.key");
      Files.writeString(key, pem("PRIVATE KEY", pair.getPrivate().getEncoded()));
      Files.writeString(dir.resolve("sa.pub"), pem("PUBLIC KEY", pair.getPublic().getEncoded()));
      return key;
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
        .encodeToString(der) + "\n-----END " + type + "-----\n";
  }

  static SSLContext trustAll() {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, new TrustManager[] {new X509TrustManager() {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public X509Certificate[] getAcceptedIssuers() {
          return new X509Certificate[0];
        }
      }}, new SecureRandom());
      return context;
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Processes in reverse start order: kwok first, etcd last. */
  @Override
  public synchronized void close() {
    if (admin != null) {
      admin.close();
    }
    for (int i = processes.size() - 1; i >= 0; i--) {
      Process process = processes.get(i);
      process.destroy();
      try {
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
    processes.clear();
  }

  /** Labels of a kwok node; values as kata-deploy and the NVIDIA GPU operator leave them. */
  public static Map<String, String> kwokLabels(Map<String, String> extra) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(KWOK_NODE_LABEL, "true");
    labels.put("type", "kwok");
    labels.putAll(extra);
    return labels;
  }
}
