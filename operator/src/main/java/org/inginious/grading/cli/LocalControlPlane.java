package org.inginious.grading.cli;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
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
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * A real Kubernetes control plane on 127.0.0.1 and free ports, from the binaries that {@code
 * e2e/control-plane/build.sh} builds from Go modules: etcd, kube-apiserver (token authentication,
 * RBAC, ServiceAccount tokens, PodSecurity and OwnerReferencesPermissionEnforcement admission,
 * optionally an audit log), kube-controller-manager and, optionally, kube-scheduler and kwok. The
 * end-to-end tests and {@code demo} run on it. Logs go to the work directory.
 */
public final class LocalControlPlane implements AutoCloseable {
  /** Where build.sh caches the binaries, one folder per version set. */
  public static final Path DEFAULT_CACHE =
      Path.of(
          System.getProperty("user.home"),
          ".cache",
          "grading-environment-operator",
          "control-plane");

  /** Overrides the binary folder. */
  public static final String BIN_ENV = "GRADING_CONTROL_PLANE_BIN";

  static final List<String> BINARIES = List.of("etcd", "kube-apiserver", "kube-controller-manager");
  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
  private static final String CONTROLLERS =
      "garbagecollector,job,daemonset,replicaset,namespace,serviceaccount,ttl-after-finished,podgc,nodelifecycle";

  /**
   * What to start besides etcd, kube-apiserver and kube-controller-manager.
   *
   * @param auditPolicy an audit policy (YAML) for kube-apiserver's log, or null for none
   * @param scheduler whether to run kube-scheduler
   * @param kwokStages kwok's stages (it plays the kubelet of nodes labelled {@code
   *     kwokNodeLabel=true}), or null
   */
  public record Options(
      Path bin,
      Path dir,
      String auditPolicy,
      boolean scheduler,
      Path kwokStages,
      String kwokNodeLabel) {}

  private final Options options;
  private final String adminToken = UUID.randomUUID().toString();
  private final List<Process> processes = new ArrayList<>();
  private final int port = freePort();
  private KubernetesClient admin;

  private LocalControlPlane(Options options) {
    this.options = options;
  }

  /**
   * The binary folder: $GRADING_CONTROL_PLANE_BIN, else the newest complete one of build.sh's
   * cache.
   */
  public static Optional<Path> findBinaries() {
    String explicit = System.getenv(BIN_ENV);
    if (explicit != null && !explicit.isBlank()) {
      return Optional.of(Path.of(explicit)).filter(LocalControlPlane::complete);
    }
    if (!Files.isDirectory(DEFAULT_CACHE)) {
      return Optional.empty();
    }
    try (Stream<Path> folders = Files.list(DEFAULT_CACHE)) {
      return folders
          .filter(LocalControlPlane::complete)
          .max(Comparator.comparing(Path::getFileName));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private static boolean complete(Path bin) {
    return BINARIES.stream().allMatch(name -> Files.isExecutable(bin.resolve(name)));
  }

  /**
   * Starts every component and returns once the API server is ready; stops what started on failure.
   */
  public static LocalControlPlane start(Options options) {
    LocalControlPlane plane = new LocalControlPlane(options);
    try {
      plane.startComponents();
      return plane;
    } catch (IOException e) {
      plane.close();
      throw new UncheckedIOException(e);
    } catch (RuntimeException e) {
      plane.close();
      throw e;
    }
  }

  private void startComponents() throws IOException {
    Path dir = Files.createDirectories(options.dir());
    Path serviceAccountKey = writeServiceAccountKeys(dir);
    Files.writeString(
        dir.resolve("tokens.csv"),
        String.join(
                "\n",
                adminToken + ",admin,admin,system:masters",
                adminToken + "-kcm,system:kube-controller-manager,kcm,system:masters",
                adminToken + "-scheduler,system:kube-scheduler,scheduler,system:masters",
                adminToken + "-kwok,kwok,kwok,system:masters")
            + "\n");
    Files.writeString(adminKubeconfig(), kubeconfig(adminToken));

    int etcdPort = freePort();
    start(
        "etcd",
        List.of(
            bin("etcd"),
            "--data-dir=" + dir.resolve("etcd-data"),
            "--listen-client-urls=http://127.0.0.1:" + etcdPort,
            "--advertise-client-urls=http://127.0.0.1:" + etcdPort,
            "--listen-peer-urls=http://127.0.0.1:" + freePort(),
            "--unsafe-no-fsync=true",
            "--log-level=warn"));
    awaitHttp("etcd", "http://127.0.0.1:" + etcdPort + "/health", null);

    List<String> apiserver =
        new ArrayList<>(
            List.of(
                bin("kube-apiserver"),
                "--etcd-servers=http://127.0.0.1:" + etcdPort,
                "--bind-address=127.0.0.1",
                "--advertise-address=127.0.0.1",
                "--secure-port=" + port,
                "--cert-dir=" + dir.resolve("apiserver-certs"),
                "--token-auth-file=" + dir.resolve("tokens.csv"),
                "--authorization-mode=RBAC",
                "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
                "--service-account-key-file=" + dir.resolve("sa.pub"),
                "--service-account-signing-key-file=" + serviceAccountKey,
                "--service-cluster-ip-range=10.96.0.0/16",
                "--allow-privileged=true",
                "--enable-admission-plugins=PodSecurity,OwnerReferencesPermissionEnforcement",
                "--endpoint-reconciler-type=none"));
    if (options.auditPolicy() != null) {
      Files.writeString(dir.resolve("audit-policy.yaml"), options.auditPolicy());
      apiserver.addAll(
          List.of(
              "--audit-policy-file=" + dir.resolve("audit-policy.yaml"),
              "--audit-log-path=" + auditLog(),
              "--audit-log-format=json",
              "--audit-log-mode=blocking"));
    }
    start("kube-apiserver", apiserver);
    awaitHttp("kube-apiserver", url() + "/readyz", adminToken);

    start(
        "kube-controller-manager",
        List.of(
            bin("kube-controller-manager"),
            "--kubeconfig=" + writeKubeconfig("kcm", adminToken + "-kcm"),
            "--controllers=" + CONTROLLERS,
            "--node-monitor-grace-period=60s",
            "--leader-elect=false",
            "--secure-port=0",
            "--concurrent-gc-syncs=5",
            "--service-cluster-ip-range=10.96.0.0/16"));
    if (options.scheduler()) {
      start(
          "kube-scheduler",
          List.of(
              bin("kube-scheduler"),
              "--kubeconfig=" + writeKubeconfig("scheduler", adminToken + "-scheduler"),
              "--leader-elect=false",
              "--secure-port=0"));
    }
    if (options.kwokStages() != null) {
      start(
          "kwok",
          List.of(
              bin("kwok"),
              "--kubeconfig=" + writeKubeconfig("kwok", adminToken + "-kwok"),
              "--config=" + options.kwokStages(),
              "--manage-all-nodes=false",
              "--manage-nodes-with-label-selector=" + options.kwokNodeLabel() + "=true",
              "--node-ip=10.0.0.1",
              "--cidr=10.0.0.1/16",
              "--server-address=",
              "--node-lease-duration-seconds=40"));
    }
  }

  /** Creates a CRD and waits until the API server serves it (condition Established). */
  public static void install(KubernetesClient client, CustomResourceDefinition crd) {
    client.resource(crd).create();
    client
        .apiextensions()
        .v1()
        .customResourceDefinitions()
        .withName(crd.getMetadata().getName())
        // status and its conditions appear a moment after the create
        .waitUntilCondition(
            c ->
                c != null
                    && c.getStatus() != null
                    && c.getStatus().getConditions() != null
                    && c.getStatus().getConditions().stream()
                        .anyMatch(
                            cond ->
                                "Established".equals(cond.getType())
                                    && "True".equals(cond.getStatus())),
            30,
            TimeUnit.SECONDS);
  }

  public KubernetesClient admin() {
    if (admin == null) {
      admin = clientWithToken(adminToken);
    }
    return admin;
  }

  /** A client that authenticates with this bearer token (a ServiceAccount's, for instance). */
  public KubernetesClient clientWithToken(String token) {
    Config config =
        new ConfigBuilder(Config.empty())
            .withMasterUrl(url())
            .withOauthToken(token)
            .withTrustCerts(true) // the API server's certificate is self-signed, for 127.0.0.1
            .withDisableHostnameVerification(true)
            .withRequestTimeout(30_000)
            .build();
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  public String url() {
    return "https://127.0.0.1:" + port;
  }

  /** The bearer token of the admin (group system:masters). */
  public String adminToken() {
    return adminToken;
  }

  /** A kubeconfig for this bearer token (the server's certificate is self-signed). */
  public String kubeconfig(String token) {
    return """
        apiVersion: v1
        kind: Config
        clusters:
        - name: local
          cluster: {server: "%s", insecure-skip-tls-verify: true}
        users:
        - name: local
          user: {token: "%s"}
        contexts:
        - name: local
          context: {cluster: local, user: local}
        current-context: local
        """
        .formatted(url(), token);
  }

  public Path adminKubeconfig() {
    return options.dir().resolve("admin.kubeconfig");
  }

  public Path auditLog() {
    return options.dir().resolve("audit.log");
  }

  public Path dir() {
    return options.dir();
  }

  public Path bin() {
    return options.bin();
  }

  private String bin(String name) {
    return options.bin().resolve(name).toString();
  }

  private Path writeKubeconfig(String name, String token) throws IOException {
    return Files.writeString(options.dir().resolve(name + ".kubeconfig"), kubeconfig(token));
  }

  private void start(String name, List<String> command) throws IOException {
    Path log = options.dir().resolve(name + ".log");
    Process process =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
    processes.add(process);
    try {
      // a component that dies at start-up (a bad flag) fails fast, with its log
      if (process.waitFor(300, TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException(
            name + " exited with " + process.exitValue() + ":\n" + tail(log));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private void awaitHttp(String name, String url, String token) {
    HttpClient http =
        HttpClient.newBuilder()
            .sslContext(trustAll())
            .connectTimeout(Duration.ofSeconds(2))
            .build();
    Process process = processes.get(processes.size() - 1);
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            name
                + " exited with "
                + process.exitValue()
                + ":\n"
                + tail(options.dir().resolve(name + ".log")));
      }
      try {
        HttpRequest.Builder request =
            HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5));
        if (token != null) {
          request.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> response =
            http.send(request.build(), HttpResponse.BodyHandlers.ofString());
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
    throw new IllegalStateException(
        name
            + " not ready within "
            + START_TIMEOUT
            + " ("
            + last
            + "):\n"
            + tail(options.dir().resolve(name + ".log")));
  }

  /** The ServiceAccount token signing key (PKCS#8) and its public key (X.509), as PEM files. */
  private static Path writeServiceAccountKeys(Path dir) throws IOException {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(2048);
      KeyPair pair = generator.generateKeyPair();
      Files.writeString(dir.resolve("sa.pub"), pem("PUBLIC KEY", pair.getPublic().getEncoded()));
      return Files.writeString(
          dir.resolve("sa.key"), pem("PRIVATE KEY", pair.getPrivate().getEncoded()));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }

  /** Trusts any certificate: only ever used for the local API server's self-signed one. */
  private static SSLContext trustAll() {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(
          null,
          new TrustManager[] {
            new X509TrustManager() {
              @Override
              public void checkClientTrusted(X509Certificate[] chain, String authType) {}

              @Override
              public void checkServerTrusted(X509Certificate[] chain, String authType) {}

              @Override
              public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
              }
            }
          },
          new SecureRandom());
      return context;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  public static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The last lines of a log, for error messages. */
  public static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  private static void sleep(long millis) {
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
}
