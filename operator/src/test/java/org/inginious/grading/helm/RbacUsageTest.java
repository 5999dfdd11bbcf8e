package org.inginious.grading.helm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodTemplate;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.ResourceRuleBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReviewBuilder;
import io.fabric8.kubernetes.api.model.node.v1.RuntimeClassBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.inginious.grading.api.GradingEnvironment;
import org.inginious.grading.api.Phase;
import org.inginious.grading.config.OperatorConfig;
import org.inginious.grading.ops.LeaderElection;
import org.inginious.grading.reconciler.GradingOperator;
import org.inginious.grading.testing.Environments;
import org.inginious.grading.testing.LocalRegistry;
import org.inginious.grading.testing.MockCluster;
import org.inginious.grading.testing.TestImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chart's RBAC is exactly what the operator uses: the operator's scenarios run against the
 * mock API server with every request recorded (verb, group, resource, namespace); each must be
 * allowed by the rendered rules, and each rule must have been used or be allow-listed with a reason.
 */
class RbacUsageTest {
  static final String USER_AGENT = "grading-environment-operator-rbac-test";
  static final String NS = "grading";
  static final Path ALLOW_LIST = Path.of(System.getProperty("project.root", ".."),
      "operator/src/test/resources/rbac-unused-allowlist.txt");

  /** One API request, as RBAC sees it. */
  record Access(String verb, String group, String resource, String namespace) {
    String permission() {
      return verb + " " + (group.isEmpty() ? "core" : group) + "/" + resource;
    }
  }

  @Test
  void everyRequestIsAllowedAndEveryRuleIsUsed(@TempDir Path cache) throws Exception {
    List<Access> used = runScenarios(cache);
    List<HasMetadata> chart = ChartFixture.render();
    List<PolicyRule> namespacedRules = ChartFixture.all(chart, ClusterRole.class).stream()
        .filter(r -> r.getMetadata().getName().endsWith("-namespaced")).flatMap(r -> r.getRules().stream()).toList();
    List<PolicyRule> clusterRules = ChartFixture.all(chart, ClusterRole.class).stream()
        .filter(r -> r.getMetadata().getName().endsWith("-cluster")).flatMap(r -> r.getRules().stream()).toList();
    List<PolicyRule> leaseRules = ChartFixture.all(chart, Role.class).stream()
        .filter(r -> r.getMetadata().getName().endsWith("-leader-election")).flatMap(r -> r.getRules().stream()).toList();
    Map<String, String> allowList = allowList();

    Set<String> denied = new TreeSet<>();
    for (Access access : used) {
      boolean allowed = allows(namespacedRules, access) || allows(clusterRules, access)
          || (ChartFixture.NAMESPACE.equals(access.namespace()) && allows(leaseRules, access))
          || allowList.containsKey("request " + access.permission());
      if (!allowed) {
        denied.add(access.permission() + (access.namespace().isEmpty() ? "" : " in " + access.namespace()));
      }
    }
    assertThat(denied).as("requests the chart's RBAC would deny").isEmpty();

    Set<String> usedPermissions = used.stream().map(Access::permission).collect(Collectors.toSet());
    Set<String> unused = new TreeSet<>();
    for (PolicyRule rule : concat(namespacedRules, clusterRules, leaseRules)) {
      for (String group : rule.getApiGroups()) {
        for (String resource : rule.getResources()) {
          for (String verb : rule.getVerbs()) {
            String permission = verb + " " + (group.isEmpty() ? "core" : group) + "/" + resource;
            if (!usedPermissions.contains(permission) && !allowList.containsKey("grant " + permission)) {
              unused.add(permission);
            }
          }
        }
      }
    }
    assertThat(unused).as("permissions the chart grants that the operator never used (remove them, or add"
        + " 'grant <permission>: <reason>' to " + ALLOW_LIST + ")").isEmpty();
  }

  private List<Access> runScenarios(Path cache) throws Exception {
    try (MockCluster cluster = new MockCluster(); LocalRegistry registry = LocalRegistry.open()) {
      cluster.server().expect().post().withPath("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews")
          .andReturn(201, new SelfSubjectRulesReviewBuilder().withNewStatus().withIncomplete(false)
              .addToResourceRules(new ResourceRuleBuilder().withApiGroups("coordination.k8s.io").withResources("leases")
                  .withVerbs("get", "create", "update", "patch").build()).endStatus().build()).always();
      KubernetesClient setup = cluster.client();
      KubernetesClient operatorClient = cluster.server().createClient(b -> b.withConfig(
          new io.fabric8.kubernetes.client.ConfigBuilder(setup.getConfiguration()).withUserAgent(USER_AGENT).build()));
      // A RuntimeClass to correct: the operator recreates it (handler) at start-up.
      setup.resource(new RuntimeClassBuilder().withNewMetadata().withName("crun").endMetadata().withHandler("runc").build()).create();
      setup.resource(new RuntimeClassBuilder().withNewMetadata().withName("runc").endMetadata().withHandler("runc")
          .withNewScheduling().withNodeSelector(Map.of("stale", "selector")).endScheduling().build()).create();

      String digest = TestImages.push(registry.host(), "inginious/env-php", "v1", Map.of("org.inginious.grading.name", "php"));
      OperatorConfig config = OperatorConfig.parse("builds: {jib: {cacheDir: " + cache + "}}", "test");
      LeaderElection election = LeaderElection.of(ChartFixture.NAMESPACE, "rbac-test",
          new LeaderElection.Timings(Duration.ofSeconds(2), Duration.ofSeconds(1), Duration.ofMillis(250)), false);
      try (GradingOperator operator = new GradingOperator(operatorClient, config, Set.of(),
          GradingOperator.Settings.defaults(), null, election.configuration(), (s, o, d) -> {})) {
        operator.start();
        setup.resource(new SecretBuilder().withNewMetadata().withName("regcred").withNamespace(NS).endMetadata()
            .withType("kubernetes.io/dockerconfigjson").withData(Map.of(".dockerconfigjson",
                Base64.getEncoder().encodeToString("{\"auths\":{}}".getBytes(StandardCharsets.UTF_8)))).build()).create();
        GradingEnvironment php = Environments.fromYaml("""
            apiVersion: grading.inginious.org/v1alpha1
            kind: GradingEnvironment
            metadata: {name: php, namespace: grading}
            spec:
              image: {insecure: true, pullSecretRef: {name: regcred}}
              build: {prebuilt: {image: "%s/inginious/env-php:v1"}}
            """.formatted(registry.host()));
        setup.resource(php).create();
        setup.resource(new ConfigMapBuilder().withNewMetadata().withName("files").withNamespace(NS).endMetadata()
            .withData(Map.of("run.sh", "echo")).build()).create();
        GradingEnvironment runner = Environments.fromYaml("""
            apiVersion: grading.inginious.org/v1alpha1
            kind: GradingEnvironment
            metadata: {name: runner, namespace: grading}
            spec:
              image: {insecure: true, repository: "%s/inginious/env-runner"}
              build: {layers: {files: [{configMapRef: {name: files}, path: /task}]}}
            """.formatted(registry.host()));
        setup.resource(runner).create();
        awaitReady(setup, "php");
        awaitReady(setup, "runner");
        // a dockerfile build: the test plays the Job controller and the kubelet; then a spec change supersedes it
        GradingEnvironment docker = Environments.fromYaml("""
            apiVersion: grading.inginious.org/v1alpha1
            kind: GradingEnvironment
            metadata: {name: docker, namespace: grading}
            spec:
              image: {repository: "registry.test/inginious/env-docker", pushSecretRef: {name: regcred}}
              build: {dockerfile: {inline: "FROM registry.test/busybox", contextConfigMapRef: {name: files}}}
            """);
        setup.resource(docker).create();
        await().atMost(Duration.ofSeconds(20)).until(() -> !setup.batch().v1().jobs().inNamespace(NS).list().getItems().isEmpty());
        var job = setup.batch().v1().jobs().inNamespace(NS).list().getItems().get(0);
        setup.resource(new io.fabric8.kubernetes.api.model.PodBuilder().withNewMetadata().withName(job.getMetadata().getName() + "-x")
            .withNamespace(NS).withLabels(job.getSpec().getTemplate().getMetadata().getLabels())
            .addNewOwnerReference().withApiVersion("batch/v1").withKind("Job").withName(job.getMetadata().getName())
            .withUid(job.getMetadata().getUid()).withController(true).endOwnerReference().endMetadata()
            .withSpec(job.getSpec().getTemplate().getSpec()).build()).create();
        setup.pods().inNamespace(NS).withName(job.getMetadata().getName() + "-x").editStatus(p -> {
          p.setStatus(new io.fabric8.kubernetes.api.model.PodStatusBuilder().withPhase("Succeeded").addNewContainerStatus()
              .withName("executor").withNewState().withNewTerminated().withExitCode(0)
              .withMessage("registry.test/inginious/env-docker@sha256:" + "a".repeat(64)).endTerminated().endState()
              .endContainerStatus().build());
          return p;
        });
        setup.batch().v1().jobs().inNamespace(NS).withName(job.getMetadata().getName()).editStatus(j -> {
          j.setStatus(new io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder().withSucceeded(1)
              .withCompletionTime("2026-01-01T00:00:00Z").withStartTime("2026-01-01T00:00:00Z")
              .addNewCondition().withType("Complete").withStatus("True").endCondition().build());
          return j;
        });
        awaitReady(setup, "docker");
        setup.resources(GradingEnvironment.class).inNamespace(NS).withName("docker").edit(e -> {
          e.getSpec().build.dockerfile.inline = "FROM registry.test/busybox:2";
          return e;
        });
        await().atMost(Duration.ofSeconds(20)).until(() -> setup.batch().v1().jobs().inNamespace(NS).list().getItems().size() == 2);
        setup.resources(GradingEnvironment.class).inNamespace(NS).withName("docker").delete();
        await().atMost(Duration.ofSeconds(20)).until(() -> setup.batch().v1().jobs().inNamespace(NS).list().getItems().isEmpty());
        assertThat(setup.resources(GradingEnvironment.class).inNamespace(NS).withName("php").get().getStatus().image).endsWith(digest);

        // hand edits and deletions are undone; a deleted environment's objects go
        PodTemplate template = setup.resources(PodTemplate.class).inNamespace(NS).withName("php-grading").get();
        template.getTemplate().getSpec().setActiveDeadlineSeconds(1L);
        setup.resource(template).update();
        setup.resources(PodTemplate.class).inNamespace(NS).withName("runner-grading").delete();
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
          assertThat(setup.resources(PodTemplate.class).inNamespace(NS).withName("runner-grading").get()).isNotNull();
          assertThat(setup.resources(PodTemplate.class).inNamespace(NS).withName("php-grading").get()
              .getTemplate().getSpec().getActiveDeadlineSeconds()).isEqualTo(300L);
        });
        setup.resources(GradingEnvironment.class).inNamespace(NS).withName("php").delete();
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(setup.resources(
            io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy.class).inNamespace(NS).withName("grading-deny-all").get()
            .getMetadata().getOwnerReferences()).extracting(r -> r.getName()).containsExactly("runner"));
        setup.resources(GradingEnvironment.class).inNamespace(NS).withName("runner").delete();
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
            assertThat(setup.resources(PodTemplate.class).inNamespace(NS).list().getItems()).isEmpty());
        Thread.sleep(1500); // quiet watches before stopping (see LayersBuildOperatorTest)
      }
      return recorded(cluster);
    }
  }

  private static void awaitReady(KubernetesClient client, String name) {
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      GradingEnvironment env = client.resources(GradingEnvironment.class).inNamespace(NS).withName(name).get();
      assertThat(env.getStatus()).isNotNull();
      assertThat(env.getStatus().phase).isEqualTo(Phase.Ready);
    });
  }

  private static List<Access> recorded(MockCluster cluster) throws InterruptedException {
    List<Access> accesses = new ArrayList<>();
    RecordedRequest request;
    while ((request = cluster.server().takeRequest(10, TimeUnit.MILLISECONDS)) != null) {
      String agent = request.getHeader("User-Agent");
      if (agent != null && agent.contains(USER_AGENT)) {
        accesses.add(access(request.getMethod(), request.getPath()));
      }
    }
    assertThat(accesses).as("recorded operator requests").isNotEmpty();
    return accesses;
  }

  /** How the API server's authorizer names a request: /api/v1/namespaces/ns/pods/name/log -> get core/pods/log. */
  static Access access(String method, String pathAndQuery) {
    URI uri = URI.create(pathAndQuery);
    List<String> parts = new ArrayList<>(List.of(uri.getPath().replaceFirst("^/", "").split("/")));
    String group;
    if (parts.get(0).equals("api")) {
      group = "";
      parts = parts.subList(2, parts.size());
    } else {
      group = parts.get(1);
      parts = parts.subList(3, parts.size());
    }
    String namespace = "";
    if (parts.size() >= 2 && parts.get(0).equals("namespaces") && parts.size() > 2) {
      namespace = parts.get(1);
      parts = parts.subList(2, parts.size());
    }
    String resource = parts.get(0);
    boolean named = parts.size() >= 2;
    if (parts.size() >= 3) {
      resource += "/" + parts.get(2);
    }
    String query = uri.getQuery() == null ? "" : uri.getQuery();
    String verb = switch (method) {
      case "GET" -> query.contains("watch=true") ? "watch" : named ? "get" : "list";
      case "POST" -> "create";
      case "PUT" -> "update";
      case "PATCH" -> "patch";
      case "DELETE" -> named ? "delete" : "deletecollection";
      default -> method.toLowerCase();
    };
    return new Access(verb, group, resource, namespace);
  }

  private static boolean allows(List<PolicyRule> rules, Access access) {
    return rules.stream().anyMatch(rule -> rule.getApiGroups().contains(access.group())
        && rule.getResources().contains(access.resource()) && rule.getVerbs().contains(access.verb()));
  }

  /** Lines "grant <verb> <group>/<resource>: reason" or "request <verb> <group>/<resource>: reason". */
  private static Map<String, String> allowList() throws java.io.IOException {
    Map<String, String> entries = new java.util.LinkedHashMap<>();
    for (String line : Files.readAllLines(ALLOW_LIST)) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int colon = line.indexOf(':');
      assertThat(colon).as("allow-list line needs a reason after ':': " + line).isPositive();
      assertThat(line.substring(colon + 1).strip()).as("reason of " + line).isNotEmpty();
      entries.put(line.substring(0, colon).strip(), line.substring(colon + 1).strip());
    }
    return entries;
  }

  @SafeVarargs
  private static List<PolicyRule> concat(List<PolicyRule>... lists) {
    Set<PolicyRule> all = new LinkedHashSet<>();
    for (List<PolicyRule> list : lists) {
      all.addAll(list);
    }
    return new ArrayList<>(all);
  }

  @Test
  void requestsAreNamedAsTheAuthorizerNamesThem() {
    assertThat(access("GET", "/api/v1/namespaces/grading/secrets/regcred")).isEqualTo(new Access("get", "", "secrets", "grading"));
    assertThat(access("GET", "/api/v1/podtemplates?labelSelector=x&watch=true")).isEqualTo(new Access("watch", "", "podtemplates", ""));
    assertThat(access("PATCH", "/apis/grading.inginious.org/v1alpha1/namespaces/grading/gradingenvironments/php/status"))
        .isEqualTo(new Access("patch", "grading.inginious.org", "gradingenvironments/status", "grading"));
    assertThat(access("DELETE", "/apis/node.k8s.io/v1/runtimeclasses/crun")).isEqualTo(new Access("delete", "node.k8s.io", "runtimeclasses", ""));
    assertThat(access("GET", "/apis/batch/v1/namespaces/grading/jobs")).isEqualTo(new Access("list", "batch", "jobs", "grading"));
  }
}
