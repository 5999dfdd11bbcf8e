package org.inginious.grading.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeStatusBuilder;
import io.fabric8.kubernetes.api.model.PodTemplate;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.node.v1.RuntimeClass;
import io.fabric8.kubernetes.api.model.node.v1.RuntimeClassBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.inginious.grading.GradingOperator;
import org.inginious.grading.api.ConditionReasons;
import org.inginious.grading.api.GpuSpec;
import org.inginious.grading.api.GradingEnvironment;
import org.inginious.grading.api.Phase;
import org.inginious.grading.config.OperatorConfig;
import org.inginious.grading.placement.prepull.PrePullMember;
import org.inginious.grading.placement.prepull.PrePullMembership;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "demo",
    description = {
      "Start a Kubernetes API server (the local control plane when e2e/setup.sh has built it, else an",
      "embedded mock), run the real operator against it, apply the examples, build the layers examples",
      "for real with jib and print what happened."
    })
public class DemoCommand implements Callable<Integer> {
  static final String NAMESPACE = "grading";

  /** Which API server the demo runs on. */
  enum ApiServer {
    auto,
    local,
    embedded
  }

  @Option(
      names = {"-f", "--filename"},
      paramLabel = "DIR",
      description = "Manifests to apply (default: ${DEFAULT-VALUE}).",
      defaultValue = "examples")
  Path examples;

  @Option(
      names = "--registry",
      paramLabel = "HOST:PORT",
      description =
          "Push built images to this registry (plain HTTP) instead of writing image tarballs.")
  String registry;

  @Option(
      names = "--output",
      paramLabel = "DIR",
      description = "Where image tarballs and caches go (default: a new temporary directory).")
  Path output;

  @Option(
      names = "--timeout",
      paramLabel = "SECONDS",
      defaultValue = "120",
      description = "How long to wait for the environments to settle.")
  long timeoutSeconds;

  @Option(
      names = "--keep-running",
      description =
          "Keep the API server and the operator running, and print a kubeconfig for kubectl.")
  boolean keepRunning;

  @Option(
      names = "--api-server",
      paramLabel = "KIND",
      defaultValue = "auto",
      description = {
        "local: etcd and kube-apiserver from the binaries e2e/setup.sh builds ($"
            + LocalControlPlane.BIN_ENV
            + " or its cache); embedded: fabric8's mock server (no discovery: kubectl cannot talk to it);",
        "auto (default): local when its binaries are there."
      })
  ApiServer apiServer;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    if (!Files.isDirectory(examples)) {
      spec.commandLine()
          .getErr()
          .println("no examples directory at " + examples.toAbsolutePath() + " (use -f DIR)");
      return 2;
    }
    Path work =
        output != null
            ? Files.createDirectories(output)
            : Files.createTempDirectory("grading-demo-");
    Path images = Files.createDirectories(work.resolve("images"));
    OperatorConfig config =
        OperatorConfig.parse(
            "builds: {jib: {cacheDir: " + work.resolve("jib-cache") + "}}", "demo");
    GradingOperator.Settings settings =
        GradingOperator.Settings.defaults().withTarOutput(registry == null ? images : null);

    Optional<Path> binaries =
        apiServer == ApiServer.embedded ? Optional.empty() : LocalControlPlane.findBinaries();
    if (apiServer == ApiServer.local && binaries.isEmpty()) {
      spec.commandLine()
          .getErr()
          .println(
              "no control-plane binaries in $"
                  + LocalControlPlane.BIN_ENV
                  + " or "
                  + LocalControlPlane.DEFAULT_CACHE
                  + ": run e2e/setup.sh, or use --api-server embedded");
      return 2;
    }
    try (DemoApiServer cluster =
            binaries.isPresent()
                ? DemoApiServer.local(binaries.get(), work, out)
                : DemoApiServer.embedded(out);
        GradingOperator operator =
            new GradingOperator(cluster.client(), config, java.util.Set.of(), settings)) {
      KubernetesClient client = cluster.client();
      standInForClusterAddOns(client, out);
      operator.start();
      int applied = apply(client, out);
      out.printf(
          "Applied %d GradingEnvironments from %s; builds go to %s%n%n",
          applied, examples, registry != null ? "registry " + registry : images);
      out.flush();

      List<GradingEnvironment> settled = awaitSettled(client, Duration.ofSeconds(timeoutSeconds));
      printTable(out, settled);
      printObjects(out, client, images);
      out.flush();

      if (keepRunning) {
        Path kubeconfig = Files.writeString(work.resolve("kubeconfig"), cluster.kubeconfig());
        out.println(
            "\nStill running. Try: KUBECONFIG="
                + kubeconfig
                + " kubectl get genv -n "
                + NAMESPACE
                + (cluster.servesKubectl()
                    ? ""
                    : "  (the embedded mock has no discovery: kubectl cannot use it; run e2e/setup.sh"
                        + " for a real API server)")
                + "  (Ctrl-C stops)");
        out.flush();
        new CountDownLatch(1).await();
      }
      boolean layersReady =
          settled.stream()
              .filter(e -> e.getSpec().build.layers != null)
              .allMatch(e -> e.getStatus() != null && e.getStatus().phase == Phase.Ready);
      return layersReady ? 0 : 1;
    }
  }

  /**
   * kata-deploy and the NVIDIA GPU operator install these in a real cluster; the demo has neither.
   */
  private static void standInForClusterAddOns(KubernetesClient client, PrintWriter out) {
    for (String name : List.of("kata-qemu", "nvidia")) {
      client
          .resource(
              new RuntimeClassBuilder()
                  .withNewMetadata()
                  .withName(name)
                  .endMetadata()
                  .withHandler(name)
                  .build())
          .create();
    }
    out.println(
        "Created RuntimeClasses kata-qemu and nvidia, standing in for kata-deploy and the NVIDIA GPU operator");
    // nodes as kubelets would register them: one plain, one with two GPUs (no MIG slices)
    standInNode(client, "node-1", Map.of());
    standInNode(client, "gpu-1", Map.of(GpuSpec.DEFAULT_RESOURCE_NAME, new Quantity("2")));
    out.println("Registered nodes node-1 and gpu-1 (nvidia.com/gpu: 2), standing in for kubelets");
  }

  private static void standInNode(
      KubernetesClient client, String name, Map<String, Quantity> extended) {
    Map<String, Quantity> allocatable =
        new TreeMap<>(
            Map.of(
                "cpu",
                new Quantity("8"),
                "memory",
                new Quantity("32Gi"),
                "pods",
                new Quantity("110")));
    allocatable.putAll(extended);
    client
        .resource(
            new NodeBuilder()
                .withNewMetadata()
                .withName(name)
                .withLabels(Map.of("kubernetes.io/hostname", name, "kubernetes.io/os", "linux"))
                .endMetadata()
                .build())
        .create();
    // a merge patch without a resourceVersion: the node controller may have written the node since
    var status =
        new NodeStatusBuilder()
            .withAllocatable(allocatable)
            .withCapacity(allocatable)
            .addNewCondition()
            .withType("Ready")
            .withStatus("True")
            .withReason("KubeletReady")
            .endCondition()
            .build();
    client
        .nodes()
        .withName(name)
        .subresource("status")
        .patch(
            PatchContext.of(PatchType.JSON_MERGE),
            client.getKubernetesSerialization().asJson(Map.of("status", status)));
  }

  private int apply(KubernetesClient client, PrintWriter out) throws IOException {
    ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
    ManifestReader.Result read = ManifestReader.read(List.of(examples));
    read.problems().forEach(p -> out.println("skipped: " + p));
    // The demo's credentials are placeholders: tarballs need none, the --registry is anonymous.
    client
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("regcred")
                .withNamespace(NAMESPACE)
                .endMetadata()
                .withType("kubernetes.io/dockerconfigjson")
                .withData(
                    Map.of(
                        ".dockerconfigjson",
                        Base64.getEncoder()
                            .encodeToString("{\"auths\":{}}".getBytes(StandardCharsets.UTF_8))))
                .build())
        .create();
    try (var files = Files.list(examples)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
        for (JsonNode document :
            yaml.readValues(yaml.getFactory().createParser(file.toFile()), JsonNode.class)
                .readAll()) {
          if (document != null
              && !document.isEmpty()
              && !"GradingEnvironment".equals(document.path("kind").asText())) {
            GenericKubernetesResource object =
                Serialization.unmarshal(document.toString(), GenericKubernetesResource.class);
            object.getMetadata().setNamespace(NAMESPACE);
            client.resource(object).create();
          }
        }
      }
    }
    for (GradingEnvironment environment : read.environments()) {
      environment.getMetadata().setNamespace(NAMESPACE);
      if (registry != null
          && environment.getSpec().image != null
          && environment.getSpec().image.repository != null) {
        String name =
            environment
                .getSpec()
                .image
                .repository
                .substring(environment.getSpec().image.repository.lastIndexOf('/') + 1);
        environment.getSpec().image.repository = registry + "/inginious/" + name;
        environment.getSpec().image.insecure = true;
      }
      client.resource(environment).create();
    }
    return read.environments().size();
  }

  /** Until every environment is Ready, stalled, or waiting on something the demo cannot provide. */
  private static List<GradingEnvironment> awaitSettled(KubernetesClient client, Duration timeout)
      throws InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    List<GradingEnvironment> all;
    do {
      Thread.sleep(500);
      all = client.resources(GradingEnvironment.class).inNamespace(NAMESPACE).list().getItems();
    } while (!allSettled(all) && Instant.now().isBefore(deadline));
    return all;
  }

  private static boolean allSettled(List<GradingEnvironment> all) {
    Map<String, GradingEnvironment> byName = new java.util.HashMap<>();
    all.forEach(e -> byName.put(e.getMetadata().getName(), e));
    return all.stream().allMatch(e -> settled(e, byName, 0));
  }

  private static boolean settled(
      GradingEnvironment environment, Map<String, GradingEnvironment> all, int depth) {
    var status = environment.getStatus();
    if (status == null || status.phase == null) {
      return false;
    }
    if (status.phase == Phase.Ready || status.phase == Phase.Failed) {
      return true;
    }
    // A Kaniko Job needs a kubelet, which the embedded API server does not have: a started
    // dockerfile build is as far as the demo gets.
    if (status.phase == Phase.Building && environment.getSpec().build.dockerfile != null) {
      return true;
    }
    // Waiting for a base environment that has settled without becoming Ready (a registry out of
    // reach, a build that cannot finish here) is as far as the demo gets too.
    var base = environment.getSpec().build.base;
    if (status.phase == Phase.Pending
        && base != null
        && base.environment != null
        && depth < 32
        && ready(environment).map(c -> c.getReason().equals("WaitingForBase")).orElse(false)) {
      GradingEnvironment parent = all.get(base.environment);
      return parent != null
          && parent.getStatus() != null
          && parent.getStatus().phase != Phase.Ready
          && settled(parent, all, depth + 1);
    }
    // Pending on a registry we cannot reach from here is as far as the demo gets.
    return status.phase == Phase.Pending
        && ready(environment)
            .map(
                c ->
                    c.getReason().startsWith("Registry")
                        || c.getReason().equals(ConditionReasons.IMAGE_NOT_FOUND)
                        || c.getReason().equals(ConditionReasons.RUNTIME_CLASS_MISSING))
            .orElse(false);
  }

  private static Optional<Condition> ready(GradingEnvironment environment) {
    return condition(environment, "Ready");
  }

  private static Optional<Condition> condition(GradingEnvironment environment, String type) {
    return environment.getStatus() == null
        ? Optional.empty()
        : environment.getStatus().conditions.stream()
            .filter(c -> type.equals(c.getType()))
            .findFirst();
  }

  private static void printTable(PrintWriter out, List<GradingEnvironment> environments) {
    String format = "%-18s %-18s %-10s %-8s %-10s %-22s %-6s %s%n";
    out.printf(
        format,
        "NAME",
        "ENVIRONMENT",
        "SOURCE",
        "PHASE",
        "RUNTIME",
        "IMAGE DIGEST",
        "NODES",
        "REASON: MESSAGE");
    for (GradingEnvironment e : environments) {
      var build = e.getSpec().build;
      String source =
          build.prebuilt != null ? "prebuilt" : build.layers != null ? "layers" : "dockerfile";
      var status = e.getStatus();
      String image =
          status == null || status.image == null
              ? "-"
              : status.image.substring(status.image.indexOf('@') + 1);
      String digest =
          image.startsWith("sha256:")
              ? image.substring(0, Math.min(image.length(), 19)) + "…"
              : image;
      String reason = ready(e).map(c -> c.getReason() + ": " + c.getMessage()).orElse("-");
      out.printf(
          format,
          e.getMetadata().getName(),
          e.environmentName(),
          source,
          status == null || status.phase == null ? "-" : status.phase,
          status == null || status.runtimeClassName == null ? "-" : status.runtimeClassName,
          digest,
          status == null || status.nodes == null
              ? "-"
              : status.nodes.ready + "/" + status.nodes.eligible,
          reason.length() > 160 ? reason.substring(0, 157) + "…" : reason);
    }
    out.println();
    out.println("Can a node run them? (condition Schedulable; NODES above is Ready/eligible)");
    for (GradingEnvironment e : environments) {
      condition(e, "Schedulable")
          .ifPresent(
              c ->
                  out.printf(
                      "  %-18s %-5s %s: %s%n",
                      e.getMetadata().getName(), c.getStatus(), c.getReason(), c.getMessage()));
    }
  }

  private static void printObjects(PrintWriter out, KubernetesClient client, Path images)
      throws IOException {
    out.println();
    out.println("PodTemplates (what the grading backend starts submissions from):");
    for (PodTemplate t :
        client.resources(PodTemplate.class).inNamespace(NAMESPACE).list().getItems()) {
      var pod = t.getTemplate().getSpec();
      out.printf(
          "  %-24s runtimeClassName=%-10s image=%s%n",
          t.getMetadata().getName(),
          pod.getRuntimeClassName(),
          pod.getContainers().get(0).getImage());
    }
    for (var job :
        client
            .resources(io.fabric8.kubernetes.api.model.batch.v1.Job.class)
            .inNamespace(NAMESPACE)
            .list()
            .getItems()) {
      out.printf(
          "Build Job %s (Kaniko %s): waiting for a kubelet to run it; the demo has none%n",
          job.getMetadata().getName(),
          job.getSpec().getTemplate().getSpec().getContainers().get(0).getImage());
    }
    out.println(
        "NetworkPolicies: "
            + client
                .resources(NetworkPolicy.class)
                .inNamespace(NAMESPACE)
                .list()
                .getItems()
                .stream()
                .map(p -> p.getMetadata().getName())
                .toList());
    out.println(
        "Pre-pull DaemonSets (one per placement, an init container per environment image): "
            + client.resources(DaemonSet.class).inNamespace(NAMESPACE).list().getItems().stream()
                .map(
                    d ->
                        d.getMetadata().getName()
                            + PrePullMembership.members(d).stream()
                                .map(PrePullMember::name)
                                .toList())
                .toList());
    out.println(
        "RuntimeClasses: "
            + client.resources(RuntimeClass.class).list().getItems().stream()
                .map(r -> r.getMetadata().getName() + "(" + r.getHandler() + ")")
                .toList());
    try (var files = Files.list(images)) {
      List<String> tarballs = files.map(p -> p.getFileName().toString()).sorted().toList();
      if (!tarballs.isEmpty()) {
        out.println("Image tarballs in " + images + ": " + tarballs);
      }
    }
  }
}
