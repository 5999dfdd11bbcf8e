package org.inginious.grading.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplate;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.inginious.grading.GradingOperator;
import org.inginious.grading.api.ConditionReasons;
import org.inginious.grading.api.GradingEnvironment;
import org.inginious.grading.api.Phase;
import org.inginious.grading.config.OperatorConfig;
import org.inginious.grading.image.dockerfile.KanikoJobs;
import org.inginious.grading.placement.Labels;
import org.inginious.grading.testing.Environments;
import org.inginious.grading.testing.LocalRegistry;
import org.inginious.grading.testing.MockCluster;
import org.inginious.grading.testing.TestImages;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `dockerfile` environments built by Kaniko Jobs: the real operator against the CRUD mock API
 * server. No Job controller or kubelet runs there: the test plays them, writing the build Pod and
 * the Job status as they would (termination message, container states, Job conditions).
 */
class DockerfileBuildOperatorTest {
  static final Duration TIMEOUT = Duration.ofSeconds(15);
  static final String NS = "grading";
  static final String REGISTRY = "registry.test:5000";
  static final String KANIKO = "registry.test:5000/kaniko/executor:v1.28.3";

  @TempDir static Path cache;
  static LocalRegistry registry;
  static MockCluster cluster;
  static KubernetesClient client;
  static OperatorConfig config;
  static GradingOperator operator;
  static final org.inginious.grading.testing.Reconciles reconciles =
      new org.inginious.grading.testing.Reconciles();
  static final AtomicInteger digests = new AtomicInteger();
  static final AtomicInteger clock = new AtomicInteger();

  @BeforeAll
  static void start() {
    registry = LocalRegistry.open();
    cluster = new MockCluster();
    client = cluster.client();
    config =
        OperatorConfig.parse(
            "builds: {kanikoImage: \""
                + KANIKO
                + "\", successfulHistory: 2, failedHistory: 1,"
                + " jib: {cacheDir: "
                + cache
                + "}}",
            "test");
    operator = startOperator();
  }

  static GradingOperator startOperator() {
    return new GradingOperator(
            client,
            config,
            Set.of(),
            PrebuiltEnvironmentOperatorTest.FAST,
            reconciles,
            null,
            org.inginious.grading.image.common.BuildListener.NONE)
        .start();
  }

  @AfterAll
  static void stop() {
    operator.close();
    cluster.close();
    registry.close();
  }

  // ---------------------------------------------------------------------------------------------
  // the user: environments and ConfigMaps as YAML
  // ---------------------------------------------------------------------------------------------

  static GradingEnvironment dockerfile(String name, String buildYaml) {
    return dockerfile(
        name, "{repository: \"" + REGISTRY + "/inginious/env-" + name + "\"}", buildYaml);
  }

  static GradingEnvironment dockerfile(String name, String imageYaml, String buildYaml) {
    GradingEnvironment env =
        Environments.fromYaml(
            """
        apiVersion: grading.inginious.org/v1alpha1
        kind: GradingEnvironment
        metadata: {name: %s, namespace: %s}
        spec:
          image: %s
          build:
        %s
          grading: {}
        """
                .formatted(name, NS, imageYaml, buildYaml.indent(4).stripTrailing()));
    return client.resource(env).create();
  }

  static String inline(String dockerfile) {
    return "dockerfile:\n  inline: |\n" + dockerfile.indent(4);
  }

  static void configMap(String name, Map<String, String> data) {
    ConfigMap cm =
        new ConfigMapBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(NS)
            .endMetadata()
            .withData(data)
            .build();
    client.resource(cm).createOr(existing -> existing.update());
  }

  /**
   * As `kubectl edit`: the operator may write the status meanwhile (409), then it is tried again.
   */
  static void edit(String name, java.util.function.Consumer<GradingEnvironment> change) {
    await()
        .atMost(TIMEOUT)
        .ignoreException(io.fabric8.kubernetes.client.KubernetesClientException.class)
        .until(
            () -> {
              client
                  .resources(GradingEnvironment.class)
                  .inNamespace(NS)
                  .withName(name)
                  .edit(
                      e -> {
                        change.accept(e);
                        return e;
                      });
              return true;
            });
  }

  static GradingEnvironment get(String name) {
    return client.resources(GradingEnvironment.class).inNamespace(NS).withName(name).get();
  }

  static Condition condition(GradingEnvironment env, String type) {
    return Conditions.find(env.getStatus().conditions, type)
        .orElseThrow(() -> new AssertionError("no condition " + type));
  }

  static GradingEnvironment awaitReason(String name, String reason) {
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () -> {
              GradingEnvironment env = get(name);
              assertThat(env.getStatus()).isNotNull();
              Condition ready = condition(env, Conditions.READY);
              assertThat(ready.getReason()).as(ready::getMessage).isEqualTo(reason);
            });
    return get(name);
  }

  static PodTemplate podTemplate(String name) {
    return client.resources(PodTemplate.class).inNamespace(NS).withName(name + "-grading").get();
  }

  // ---------------------------------------------------------------------------------------------
  // the Job controller and the kubelet
  // ---------------------------------------------------------------------------------------------

  static List<Job> jobsOf(String env) {
    return client
        .batch()
        .v1()
        .jobs()
        .inNamespace(NS)
        .withLabel(KanikoJobs.BUILD_OF, env)
        .list()
        .getItems();
  }

  static List<ConfigMap> buildConfigMapsOf(String env) {
    return client
        .configMaps()
        .inNamespace(NS)
        .withLabel(KanikoJobs.BUILD_OF, env)
        .list()
        .getItems();
  }

  /**
   * The one Job of {@code env} not among {@code seen}, once the operator created it; added to seen.
   */
  static Job awaitNewJob(String env, Set<String> seen) {
    List<Job> found = new ArrayList<>();
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () -> {
              List<Job> fresh =
                  jobsOf(env).stream()
                      .filter(j -> !seen.contains(j.getMetadata().getName()))
                      .toList();
              assertThat(fresh).hasSize(1);
              found.clear();
              found.addAll(fresh);
            });
    seen.add(found.get(0).getMetadata().getName());
    return found.get(0);
  }

  static Job awaitNewJob(String env) {
    return awaitNewJob(env, new HashSet<>());
  }

  /**
   * Distinct, increasing times for the objects the test writes (seconds, as the API server keeps
   * them).
   */
  static String later() {
    return Instant.now()
        .truncatedTo(ChronoUnit.SECONDS)
        .plusSeconds(clock.incrementAndGet())
        .toString();
  }

  static String digest() {
    return "sha256:" + "%064x".formatted(digests.incrementAndGet() + 0xabcdefL);
  }

  /** As the Job controller: a Pod from the Job's template, owned by the Job, and the Job active. */
  static Pod startPod(Job job) {
    Map<String, String> labels =
        new LinkedHashMap<>(job.getSpec().getTemplate().getMetadata().getLabels());
    labels.put("batch.kubernetes.io/job-name", job.getMetadata().getName());
    labels.put("job-name", job.getMetadata().getName());
    labels.put("batch.kubernetes.io/controller-uid", job.getMetadata().getUid());
    PodSpec spec = Serialization.clone(job.getSpec().getTemplate().getSpec());
    Pod pod =
        client
            .resource(
                new PodBuilder()
                    .withNewMetadata()
                    .withName(
                        job.getMetadata().getName()
                            + "-"
                            + Integer.toString(clock.incrementAndGet() + 10000, 36))
                    .withNamespace(NS)
                    .withLabels(labels)
                    .withOwnerReferences(
                        new OwnerReferenceBuilder()
                            .withApiVersion("batch/v1")
                            .withKind("Job")
                            .withName(job.getMetadata().getName())
                            .withUid(job.getMetadata().getUid())
                            .withController(true)
                            .withBlockOwnerDeletion(true)
                            .build())
                    .endMetadata()
                    .withSpec(spec)
                    .build())
            .create();
    client
        .batch()
        .v1()
        .jobs()
        .inNamespace(NS)
        .withName(job.getMetadata().getName())
        .editStatus(
            j -> {
              if (j.getStatus() == null) {
                j.setStatus(new io.fabric8.kubernetes.api.model.batch.v1.JobStatus());
              }
              j.getStatus().setStartTime(later());
              j.getStatus().setActive(1);
              return j;
            });
    return pod;
  }

  /** As the kubelet: the executor container's state. */
  static void podStatus(
      Pod pod,
      String phase,
      String podReason,
      io.fabric8.kubernetes.api.model.ContainerState state) {
    client
        .pods()
        .inNamespace(NS)
        .withName(pod.getMetadata().getName())
        .editStatus(
            p -> {
              if (p.getStatus() == null) {
                p.setStatus(new io.fabric8.kubernetes.api.model.PodStatus());
              }
              p.getStatus().setPhase(phase);
              p.getStatus().setReason(podReason);
              p.getStatus()
                  .setMessage(podReason == null ? null : "The node was low on resource: memory.");
              p.getStatus().setStartTime(later());
              p.getStatus()
                  .setContainerStatuses(
                      List.of(
                          new ContainerStatusBuilder()
                              .withName(KanikoJobs.CONTAINER)
                              .withImage(KANIKO)
                              .withImageID("")
                              .withReady(false)
                              .withRestartCount(0)
                              .withStarted(false)
                              .withState(state)
                              .build()));
              return p;
            });
  }

  static io.fabric8.kubernetes.api.model.ContainerState terminated(
      int exitCode, String reason, String message) {
    return new ContainerStateBuilder()
        .withNewTerminated()
        .withExitCode(exitCode)
        .withReason(reason)
        .withMessage(message)
        .withStartedAt(later())
        .withFinishedAt(later())
        .endTerminated()
        .build();
  }

  /** As the Job controller once the Pod is done. */
  static void finishJob(Job job, boolean succeeded, String failedReason) {
    String now = later();
    client
        .batch()
        .v1()
        .jobs()
        .inNamespace(NS)
        .withName(job.getMetadata().getName())
        .editStatus(
            j -> {
              List<JobCondition> conditions = new ArrayList<>();
              if (succeeded) {
                conditions.add(
                    jobCondition(
                        "SuccessCriteriaMet",
                        "CompletionsReached",
                        "Reached expected number of succeeded pods",
                        now));
                conditions.add(
                    jobCondition(
                        "Complete",
                        "CompletionsReached",
                        "Reached expected number of succeeded pods",
                        now));
                j.getStatus().setSucceeded(1);
                j.getStatus().setCompletionTime(now);
              } else {
                String message =
                    switch (failedReason) {
                      case "DeadlineExceeded" -> "Job was active longer than specified deadline";
                      case "PodFailurePolicy" ->
                          "Container executor for pod grading/x failed with exit code 1 matching FailJob rule at index 1";
                      default -> "Job has reached the specified backoff limit";
                    };
                conditions.add(jobCondition("FailureTarget", failedReason, message, now));
                conditions.add(jobCondition("Failed", failedReason, message, now));
                j.getStatus().setFailed(1);
              }
              j.getStatus().setActive(0);
              j.getStatus().setReady(0);
              j.getStatus().setConditions(conditions);
              return j;
            });
  }

  static JobCondition jobCondition(String type, String reason, String message, String now) {
    return new JobConditionBuilder()
        .withType(type)
        .withStatus("True")
        .withReason(reason)
        .withMessage(message)
        .withLastProbeTime(now)
        .withLastTransitionTime(now)
        .build();
  }

  /** The executor pushed: it writes `repository@digest` to /dev/termination-log and exits 0. */
  static String succeed(Job job) {
    String repository =
        job.getMetadata()
            .getAnnotations()
            .get(KanikoJobs.DESTINATION_ANNOTATION)
            .replaceFirst(":[^:/]+$", "");
    String image = repository + "@" + digest();
    succeed(job, image + "\n");
    return image;
  }

  static void succeed(Job job, String terminationMessage) {
    Pod pod = startPod(job);
    podStatus(pod, "Succeeded", null, terminated(0, "Completed", terminationMessage));
    finishJob(job, true, null);
  }

  static void failWithExitCode(Job job, String log) {
    Pod pod = startPod(job);
    podStatus(pod, "Failed", null, terminated(1, "Error", log));
    finishJob(job, false, "PodFailurePolicy");
  }

  static GradingEnvironment awaitReady(String name, String image) {
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () -> {
              GradingEnvironment env = get(name);
              assertThat(env.getStatus()).isNotNull();
              assertThat(env.getStatus().phase)
                  .as(() -> condition(env, Conditions.READY).getMessage())
                  .isEqualTo(Phase.Ready);
              assertThat(env.getStatus().image).isEqualTo(image);
            });
    return get(name);
  }

  static String arg(Job job, String flag) {
    return job.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs().stream()
        .filter(a -> a.startsWith(flag + "="))
        .map(a -> a.substring(flag.length() + 1))
        .findFirst()
        .orElse(null);
  }

  static void quietly(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  // ---------------------------------------------------------------------------------------------

  @Test
  void theJobAndItsConfigMapMatchTheSpecAndASuccessPlacesTheDigest() {
    String baseDigest = TestImages.push(registry.host(), "inginious/base", "v1", Map.of());
    String auth =
        Base64.getEncoder().encodeToString("builder:s3cret".getBytes(StandardCharsets.UTF_8));
    client
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("regcred")
                .withNamespace(NS)
                .endMetadata()
                .withType("kubernetes.io/dockerconfigjson")
                .withData(
                    Map.of(
                        ".dockerconfigjson",
                        Base64.getEncoder()
                            .encodeToString(
                                ("{\"auths\":{\""
                                        + registry.host()
                                        + "\":{\"auth\":\""
                                        + auth
                                        + "\"}}}")
                                    .getBytes(StandardCharsets.UTF_8))))
                .build())
        .create();
    configMap(
        "php-files",
        Map.of("php.ini", "memory_limit = 256M\n", "Dockerfile", "# not the one built\n"));
    String dockerfileText =
        """
        ARG BASE_IMAGE
        FROM ${BASE_IMAGE} AS runtime
        COPY php.ini /etc/php.ini
        RUN dnf install -y php-cli
        """;
    String repository = registry.host() + "/inginious/env-php";
    GradingEnvironment env =
        dockerfile(
            "php",
            "{repository: \"" + repository + "\", pushSecretRef: {name: regcred}, insecure: true}",
            """
        base: {image: "%s/inginious/base:v1"}
        %s
          contextConfigMapRef: {name: php-files}
          buildArgs: {PHP_VERSION: "8.3", A_TOKEN: "tok-1234567"}
          target: runtime
        timeout: 20m
        resources: {limits: {memory: 2Gi, cpu: "2"}}
        """
                .formatted(registry.host(), inline(dockerfileText).stripTrailing()));

    Job job = awaitNewJob("php");
    String name = job.getMetadata().getName();
    assertThat(name).matches("php-build-[0-9a-f]{8}");
    String hash = job.getMetadata().getAnnotations().get(KanikoJobs.HASH_ANNOTATION);
    assertThat(hash)
        .matches("sha256:[0-9a-f]{64}")
        .startsWith("sha256:" + name.substring("php-build-".length()));
    String tag = hash.substring(7, 23);
    Map<String, String> labels =
        Map.of(
            Labels.MANAGED_BY,
            Labels.OPERATOR,
            KanikoJobs.COMPONENT,
            KanikoJobs.COMPONENT_VALUE,
            KanikoJobs.BUILD_OF,
            "php");

    // the ConfigMap: the Dockerfile (under another key: the context has its own "Dockerfile") and
    // the context files
    ConfigMap cm = client.configMaps().inNamespace(NS).withName(name).get();
    assertThat(cm.getData())
        .containsOnly(
            Map.entry("php.ini", "memory_limit = 256M\n"),
            Map.entry("Dockerfile", "# not the one built\n"),
            Map.entry("_Dockerfile", dockerfileText));
    assertThat(cm.getImmutable()).isTrue();
    assertThat(cm.getMetadata().getLabels()).isEqualTo(labels);
    assertThat(cm.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(
            ref -> {
              assertThat(ref.getKind()).isEqualTo("GradingEnvironment");
              assertThat(ref.getApiVersion()).isEqualTo("grading.inginious.org/v1alpha1");
              assertThat(ref.getName()).isEqualTo("php");
              assertThat(ref.getUid()).isEqualTo(env.getMetadata().getUid());
              assertThat(ref.getController()).isTrue();
              assertThat(ref.getBlockOwnerDeletion()).isTrue();
            });

    // the Job, field by field
    assertThat(job.getMetadata().getLabels()).isEqualTo(labels);
    assertThat(job.getMetadata().getOwnerReferences())
        .isEqualTo(cm.getMetadata().getOwnerReferences());
    assertThat(job.getMetadata().getAnnotations())
        .containsEntry(KanikoJobs.DESTINATION_ANNOTATION, repository + ":" + tag);
    assertThat(job.getSpec().getBackoffLimit()).isEqualTo(1);
    assertThat(job.getSpec().getActiveDeadlineSeconds()).isEqualTo(20 * 60L);
    assertThat(job.getSpec().getPodFailurePolicy().getRules())
        .extracting(r -> r.getAction())
        .containsExactly("Count", "FailJob");
    assertThat(job.getSpec().getTemplate().getMetadata().getLabels()).isEqualTo(labels);
    PodSpec pod = job.getSpec().getTemplate().getSpec();
    assertThat(pod.getRestartPolicy()).isEqualTo("Never");
    assertThat(pod.getAutomountServiceAccountToken()).isFalse();
    assertThat(pod.getEnableServiceLinks()).isFalse();
    assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    assertThat(pod.getContainers())
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.getName()).isEqualTo("executor");
              assertThat(c.getImage()).isEqualTo(KANIKO);
              assertThat(c.getCommand()).isEmpty();
              assertThat(c.getArgs())
                  .containsExactly(
                      "--dockerfile=/workspace/_Dockerfile",
                      "--context=dir:///workspace",
                      "--destination=" + repository + ":" + tag,
                      "--label=org.inginious.grading.name=php",
                      "--build-arg=A_TOKEN=tok-1234567",
                      "--build-arg=BASE_IMAGE=" + registry.host() + "/inginious/base@" + baseDigest,
                      "--build-arg=PHP_VERSION=8.3",
                      "--target=runtime",
                      "--reproducible",
                      "--image-name-with-digest-file=/dev/termination-log",
                      "--cache=true",
                      "--cache-repo=" + repository + "-cache",
                      "--insecure",
                      "--insecure-pull",
                      "--log-format=text");
              assertThat(c.getResources().getLimits())
                  .containsEntry("memory", new Quantity("2Gi"))
                  .containsEntry("cpu", new Quantity("2"));
              assertThat(c.getTerminationMessagePath()).isEqualTo("/dev/termination-log");
              assertThat(c.getTerminationMessagePolicy()).isEqualTo("FallbackToLogsOnError");
              assertThat(c.getVolumeMounts())
                  .extracting(
                      VolumeMount::getName,
                      VolumeMount::getMountPath,
                      VolumeMount::getSubPath,
                      VolumeMount::getReadOnly)
                  .containsExactly(
                      org.assertj.core.groups.Tuple.tuple(
                          "context", "/workspace/Dockerfile", "Dockerfile", true),
                      org.assertj.core.groups.Tuple.tuple(
                          "context", "/workspace/_Dockerfile", "_Dockerfile", true),
                      org.assertj.core.groups.Tuple.tuple(
                          "context", "/workspace/php.ini", "php.ini", true),
                      org.assertj.core.groups.Tuple.tuple(
                          "docker-config", "/kaniko/.docker", null, true));
              var security = c.getSecurityContext();
              assertThat(security.getRunAsUser())
                  .as("Kaniko unpacks the base over its own root: it runs as root")
                  .isZero();
              assertThat(security.getRunAsNonRoot()).isFalse();
              assertThat(security.getPrivileged()).isFalse();
              assertThat(security.getAllowPrivilegeEscalation()).isFalse();
              assertThat(security.getCapabilities().getDrop()).containsExactly("ALL");
              assertThat(security.getCapabilities().getAdd())
                  .containsExactlyInAnyOrder(
                      "CHOWN",
                      "DAC_OVERRIDE",
                      "FOWNER",
                      "FSETID",
                      "KILL",
                      "SETGID",
                      "SETUID",
                      "SETFCAP",
                      "SYS_CHROOT");
              assertThat(security.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
            });
    assertThat(pod.getVolumes())
        .extracting(Volume::getName)
        .containsExactly("context", "docker-config");
    assertThat(pod.getVolumes().get(0).getConfigMap().getName()).isEqualTo(name);
    var secret = pod.getVolumes().get(1).getSecret();
    assertThat(secret.getSecretName()).isEqualTo("regcred");
    assertThat(secret.getItems())
        .singleElement()
        .satisfies(
            item -> {
              assertThat(item.getKey()).isEqualTo(".dockerconfigjson");
              assertThat(item.getPath()).isEqualTo("config.json");
            });
    assertThat(secret.getDefaultMode()).isEqualTo(0400);

    GradingEnvironment building = awaitReason("php", "Building");
    assertThat(building.getStatus().phase).isEqualTo(Phase.Building);
    assertThat(building.getStatus().build.name).isEqualTo(name);

    String image = succeed(job);
    assertThat(image).startsWith(repository + "@sha256:");
    GradingEnvironment ready = awaitReady("php", image);
    assertThat(condition(ready, Conditions.READY).getReason()).isEqualTo(ConditionReasons.PLACED);
    assertThat(condition(ready, Conditions.BUILT).getStatus()).isEqualTo("True");
    assertThat(ready.getStatus().buildHash).isEqualTo(hash);
    assertThat(ready.getStatus().build.name).isEqualTo(name);
    assertThat(ready.getStatus().build.reason).isEqualTo("Succeeded");
    assertThat(ready.getStatus().build.completionTime).isNotNull();
    assertThat(podTemplate("php").getTemplate().getSpec().getContainers().get(0).getImage())
        .isEqualTo(image);
    reconciles.awaitReconciledAgain(client, "runc", "php");
    assertThat(jobsOf("php")).hasSize(1).as("an unchanged hash never rebuilds");
  }

  @Test
  void eachFailureGetsItsReasonAndABoundedRedactedLogTail() {
    String plain = inline("FROM " + REGISTRY + "/library/busybox:1\nRUN false");
    for (String name :
        List.of("f-build", "f-timeout", "f-oom", "f-pull", "f-evicted", "f-digest")) {
      dockerfile(name, plain);
    }

    StringBuilder log = new StringBuilder();
    for (int i = 0; i < 200; i++) {
      log.append("INFO[0001] RUN step ").append(i).append(" of a long build that prints a lot\n");
    }
    log.append("+ curl -u builder:hunter2 https://builder:hunter2@files.example.edu/x\n");
    log.append("Authorization: Bearer abc.def.ghi\n");
    log.append("DB_PASSWORD=hunter2 npm install\n");
    log.append(
        "error building image: error building stage: failed to execute command: waiting for process to exit: exit status 1\n");
    failWithExitCode(awaitNewJob("f-build"), log.toString());

    Job timeout = awaitNewJob("f-timeout");
    Pod slow = startPod(timeout);
    podStatus(
        slow,
        "Failed",
        "DeadlineExceeded",
        terminated(137, "Error", "INFO[0900] RUN dnf install -y texlive-full\n"));
    finishJob(timeout, false, "DeadlineExceeded");

    Job oom = awaitNewJob("f-oom");
    podStatus(
        startPod(oom),
        "Failed",
        null,
        terminated(137, "OOMKilled", "INFO[0042] Unpacking rootfs as cmd RUN pip install torch\n"));
    finishJob(oom, false, "PodFailurePolicy");

    Job pull = awaitNewJob("f-pull");
    podStatus(
        startPod(pull),
        "Pending",
        null,
        new ContainerStateBuilder()
            .withNewWaiting()
            .withReason("ImagePullBackOff")
            .withMessage("Back-off pulling image \"" + KANIKO + "\"")
            .endWaiting()
            .build());

    Job evicted = awaitNewJob("f-evicted");
    for (int attempt = 0; attempt < 2; attempt++) { // backoffLimit 1: a second pod, evicted as well
      podStatus(startPod(evicted), "Failed", "Evicted", terminated(137, "Error", null));
    }
    finishJob(evicted, false, "BackoffLimitExceeded");

    Job digest = awaitNewJob("f-digest");
    succeed(digest, REGISTRY + "/inginious/someone-else@" + digest() + "\n");

    GradingEnvironment build = awaitReason("f-build", "BuildFailed");
    assertThat(build.getStatus().phase).isEqualTo(Phase.Failed);
    assertThat(condition(build, Conditions.BUILT).getReason()).isEqualTo("BuildFailed");
    assertThat(condition(build, Conditions.STALLED).getStatus()).isEqualTo("True");
    assertThat(condition(build, Conditions.READY).getMessage())
        .contains("exited with code 1")
        .contains("delete the Job");
    String tail = build.getStatus().build.logTail;
    assertThat(tail.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(2048);
    assertThat(tail)
        .contains("exit status 1")
        .contains("[REDACTED]")
        .doesNotContain("hunter2")
        .doesNotContain("abc.def.ghi");
    assertThat(build.getStatus().build.reason).isEqualTo("BuildFailed");
    assertThat(build.getStatus().build.completionTime).isNotNull();
    assertThat(build.toString()).doesNotContain("hunter2");

    assertThat(condition(awaitReason("f-timeout", "BuildTimeout"), Conditions.READY).getMessage())
        .contains("1800s");
    GradingEnvironment outOfMemory = awaitReason("f-oom", "OOMKilled");
    assertThat(condition(outOfMemory, Conditions.READY).getMessage())
        .contains("spec.build.resources.limits.memory");
    assertThat(outOfMemory.getStatus().build.logTail).contains("pip install torch");
    GradingEnvironment pulling = awaitReason("f-pull", "ImagePullBackOff");
    assertThat(condition(pulling, Conditions.READY).getMessage())
        .contains(KANIKO)
        .contains("builds.kanikoImage");
    assertThat(condition(awaitReason("f-evicted", "Evicted"), Conditions.READY).getMessage())
        .contains("evicted");
    GradingEnvironment missing = awaitReason("f-digest", "DigestMissing");
    assertThat(condition(missing, Conditions.BUILT).getStatus()).isEqualTo("False");
    assertThat(condition(missing, Conditions.BUILT).getReason()).isEqualTo("DigestMissing");
    assertThat(condition(missing, Conditions.READY).getMessage())
        .contains(REGISTRY + "/inginious/env-f-digest")
        .contains("someone-else");
    assertThat(missing.getStatus().image).isNull();
    assertThat(podTemplate("f-digest")).isNull();

    reconciles.awaitReconciledAgain(
        client, "runc", "f-build", "f-timeout", "f-oom", "f-pull", "f-evicted", "f-digest");
    for (String name :
        List.of("f-build", "f-timeout", "f-oom", "f-pull", "f-evicted", "f-digest")) {
      assertThat(jobsOf(name)).as("a failed build is not retried on its own: " + name).hasSize(1);
    }
    // deleting the failed Job runs the build again
    client.resource(jobsOf("f-build").get(0)).delete();
    Job again = awaitNewJob("f-build", new HashSet<>());
    String image = succeed(again);
    awaitReady("f-build", image);
  }

  @Test
  void aRestartedOperatorAdoptsTheRunningJob() {
    dockerfile("restart", inline("FROM " + REGISTRY + "/library/busybox:1\nRUN echo hi"));
    Job job = awaitNewJob("restart");
    awaitReason("restart", "Building");
    startPod(job);

    // Let the watches go quiet first (see LayersBuildOperatorTest: the mock server blocks a minute
    // when a watch closes while an event is being sent).
    quietly(1500);
    operator.close();
    operator = startOperator();
    edit(
        "restart",
        e -> e.getSpec().grading.activeDeadlineSeconds = 77L); // a reconcile by the new operator
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () -> assertThat(get("restart").getStatus().observedGeneration).isEqualTo(2L));
    assertThat(jobsOf("restart"))
        .singleElement()
        .satisfies(j -> assertThat(j.getMetadata().getUid()).isEqualTo(job.getMetadata().getUid()));

    String image = succeed(job);
    awaitReady("restart", image);
    assertThat(podTemplate("restart").getTemplate().getSpec().getActiveDeadlineSeconds())
        .isEqualTo(77L);
    assertThat(jobsOf("restart")).hasSize(1);
  }

  @Test
  void aBuildJobSuspendedByHandIsStartedAgain() {
    dockerfile("suspended", inline("FROM " + REGISTRY + "/library/busybox:1\nRUN echo suspended"));
    Job job = awaitNewJob("suspended");
    client
        .batch()
        .v1()
        .jobs()
        .inNamespace(NS)
        .withName(job.getMetadata().getName())
        .edit(
            j -> {
              j.getSpec().setSuspend(true);
              return j;
            });
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () ->
                assertThat(jobsOf("suspended"))
                    .singleElement()
                    .satisfies(
                        j -> {
                          assertThat(j.getMetadata().getUid())
                              .as("a new Job of the same build")
                              .isNotEqualTo(job.getMetadata().getUid());
                          assertThat(j.getSpec().getSuspend()).isNotEqualTo(Boolean.TRUE);
                        }));
    awaitReady("suspended", succeed(jobsOf("suspended").get(0)));
  }

  @Test
  void aSpecChangeWhileBuildingSupersedesTheRunningJob() {
    dockerfile(
        "change",
        inline("FROM " + REGISTRY + "/library/busybox:1\nARG V\nRUN echo $V")
            + "  buildArgs: {V: \"1\"}\n");
    Set<String> seen = new HashSet<>();
    Job first = awaitNewJob("change", seen);
    startPod(first);
    edit("change", e -> e.getSpec().build.dockerfile.buildArgs = Map.of("V", "2"));
    Job second = awaitNewJob("change", seen);
    assertThat(arg(second, "--build-arg")).isEqualTo("V=2");
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () -> {
              assertThat(jobsOf("change"))
                  .extracting(j -> j.getMetadata().getName())
                  .containsExactly(second.getMetadata().getName());
              assertThat(buildConfigMapsOf("change"))
                  .extracting(c -> c.getMetadata().getName())
                  .containsExactly(second.getMetadata().getName());
            });
    String image = succeed(second);
    awaitReady("change", image);
  }

  @Test
  void editingAReferencedConfigMapStartsANewBuild() {
    configMap(
        "cm-dockerfile",
        Map.of("Dockerfile", "FROM " + REGISTRY + "/library/busybox:1\nCOPY run.sh /run.sh\n"));
    configMap("cm-context", Map.of("run.sh", "echo 1\n"));
    dockerfile(
        "from-cm",
        "dockerfile: {configMapRef: {name: cm-dockerfile}, contextConfigMapRef: {name: cm-context}}");
    Set<String> seen = new HashSet<>();
    Job first = awaitNewJob("from-cm", seen);
    assertThat(arg(first, "--dockerfile")).isEqualTo("/workspace/Dockerfile");
    awaitReady("from-cm", succeed(first));

    configMap("cm-context", Map.of("run.sh", "echo 2\n"));
    Job second = awaitNewJob("from-cm", seen);
    assertThat(
            client
                .configMaps()
                .inNamespace(NS)
                .withName(second.getMetadata().getName())
                .get()
                .getData())
        .containsEntry("run.sh", "echo 2\n");
    awaitReady("from-cm", succeed(second));
  }

  @Test
  void historyKeepsTheConfiguredNumberOfFinishedJobs() {
    dockerfile(
        "hist",
        inline("FROM " + REGISTRY + "/library/busybox:1\nARG V\nRUN echo $V")
            + "  buildArgs: {V: \"0\"}\n");
    Set<String> seen = new HashSet<>();
    List<String> succeeded = new ArrayList<>();
    List<String> failed = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      if (i > 0) {
        String v = Integer.toString(i);
        edit("hist", e -> e.getSpec().build.dockerfile.buildArgs = Map.of("V", v));
      }
      Job job = awaitNewJob("hist", seen);
      if (i < 4) {
        String image = succeed(job);
        awaitReady("hist", image);
        succeeded.add(job.getMetadata().getName());
      } else {
        failWithExitCode(job, "exit status 2");
        await()
            .atMost(TIMEOUT)
            .untilAsserted(
                () ->
                    assertThat(get("hist").getStatus().build.name)
                        .isEqualTo(job.getMetadata().getName()));
        awaitReason("hist", "BuildFailed");
        failed.add(job.getMetadata().getName());
      }
    }
    // successfulHistory 2, failedHistory 1 (the current, failed build counts as one)
    List<String> expected = List.of(succeeded.get(2), succeeded.get(3), failed.get(1));
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () -> {
              assertThat(jobsOf("hist"))
                  .extracting(j -> j.getMetadata().getName())
                  .containsExactlyInAnyOrderElementsOf(expected);
              assertThat(buildConfigMapsOf("hist"))
                  .extracting(c -> c.getMetadata().getName())
                  .containsExactlyInAnyOrderElementsOf(expected);
            });
    GradingEnvironment env = get("hist");
    assertThat(env.getStatus().image).as("the last good image stays").isNotNull();
    assertThat(podTemplate("hist").getTemplate().getSpec().getContainers().get(0).getImage())
        .isEqualTo(env.getStatus().image);
  }

  @Test
  void
      aThreeLevelChainRebuildsEachChildOnceInOrderAndAFailedParentLeavesChildrenOnTheirLastImage() {
    String child = "ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nRUN echo %s";
    dockerfile("chain-c", "base: {environment: chain-b}\n" + inline(child.formatted("c")));
    dockerfile("chain-b", "base: {environment: chain-a}\n" + inline(child.formatted("b")));
    dockerfile("chain-a", inline("FROM " + REGISTRY + "/library/rockylinux:9\nRUN echo a"));
    Set<String> seen = new HashSet<>();

    awaitReason("chain-b", "WaitingForBase");
    String a1 = succeed(awaitNewJob("chain-a", seen));
    awaitReady("chain-a", a1);
    Job b1 = awaitNewJob("chain-b", seen);
    assertThat(arg(b1, "--build-arg")).isEqualTo("BASE_IMAGE=" + a1);
    assertThat(jobsOf("chain-c")).isEmpty();
    String b1Image = succeed(b1);
    awaitReady("chain-b", b1Image);
    Job c1 = awaitNewJob("chain-c", seen);
    assertThat(arg(c1, "--build-arg")).isEqualTo("BASE_IMAGE=" + b1Image);
    String c1Image = succeed(c1);
    awaitReady("chain-c", c1Image);
    assertThat(condition(get("chain-c"), Conditions.BASE_READY).getStatus()).isEqualTo("True");

    // the root changes: the children stay on their images until their base has a new one
    edit("chain-a", e -> e.getSpec().build.dockerfile.inline += "RUN echo a2\n");
    Job a2 = awaitNewJob("chain-a", seen);
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () -> {
              Condition base = condition(get("chain-b"), Conditions.BASE_READY);
              assertThat(base.getStatus()).isEqualTo("False");
              assertThat(base.getReason()).isEqualTo("WaitingForBase");
            });
    assertThat(get("chain-b").getStatus().phase).isEqualTo(Phase.Ready);
    assertThat(jobsOf("chain-b")).hasSize(1);
    String a2Image = succeed(a2);
    awaitReady("chain-a", a2Image);
    Job b2 = awaitNewJob("chain-b", seen);
    assertThat(arg(b2, "--build-arg")).isEqualTo("BASE_IMAGE=" + a2Image);
    reconciles.awaitReconciledAgain(client, "runc", "chain-b", "chain-c");
    assertThat(jobsOf("chain-c")).as("c waits for b").hasSize(1);
    assertThat(jobsOf("chain-b")).as("b is rebuilt once").hasSize(2);
    String b2Image = succeed(b2);
    awaitReady("chain-b", b2Image);
    Job c2 = awaitNewJob("chain-c", seen);
    assertThat(arg(c2, "--build-arg")).isEqualTo("BASE_IMAGE=" + b2Image);
    String c2Image = succeed(c2);
    awaitReady("chain-c", c2Image);
    reconciles.awaitReconciledAgain(client, "runc", "chain-a", "chain-b", "chain-c");
    assertThat(jobsOf("chain-a")).hasSize(2);
    assertThat(jobsOf("chain-b")).hasSize(2);
    assertThat(jobsOf("chain-c")).hasSize(2);

    // the root fails: b stays Ready on its last good image and says why it is not rebuilt
    edit("chain-a", e -> e.getSpec().build.dockerfile.inline += "RUN exit 1\n");
    failWithExitCode(awaitNewJob("chain-a", seen), "exit status 1");
    awaitReason("chain-a", "BuildFailed");
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () -> {
              Condition base = condition(get("chain-b"), Conditions.BASE_READY);
              assertThat(base.getReason()).isEqualTo("BaseFailed");
              assertThat(base.getStatus()).isEqualTo("False");
              assertThat(base.getMessage())
                  .contains("chain-a")
                  .contains("BuildFailed")
                  .contains("keep using " + b2Image);
            });
    GradingEnvironment b = get("chain-b");
    assertThat(b.getStatus().phase).isEqualTo(Phase.Ready);
    assertThat(b.getStatus().image).isEqualTo(b2Image);
    assertThat(podTemplate("chain-b").getTemplate().getSpec().getContainers().get(0).getImage())
        .isEqualTo(b2Image);
    assertThat(condition(get("chain-c"), Conditions.BASE_READY).getStatus()).isEqualTo("True");
    reconciles.awaitReconciledAgain(client, "runc", "chain-b", "chain-c");
    assertThat(jobsOf("chain-b")).hasSize(2);
    assertThat(jobsOf("chain-c")).hasSize(2);
  }

  @Test
  void aCycleAndAMissingParentAreReportedWithoutAffectingOthers() {
    String child = inline("ARG BASE_IMAGE\nFROM ${BASE_IMAGE}");
    dockerfile("loop-x", "base: {environment: loop-y}\n" + child);
    dockerfile("loop-y", "base: {environment: loop-x}\n" + child);
    dockerfile("orphan", "base: {environment: nowhere}\n" + child);
    dockerfile("healthy", inline("FROM " + REGISTRY + "/library/busybox:1"));

    String image = succeed(awaitNewJob("healthy"));
    awaitReady("healthy", image);
    for (String name : List.of("loop-x", "loop-y")) {
      GradingEnvironment env = awaitReason(name, "BaseCycle");
      assertThat(condition(env, Conditions.READY).getMessage())
          .contains("loop-x -> loop-y")
          .contains("cycle");
      assertThat(condition(env, Conditions.BASE_READY).getReason()).isEqualTo("BaseCycle");
    }
    GradingEnvironment orphan = awaitReason("orphan", "BaseNotFound");
    assertThat(condition(orphan, Conditions.READY).getMessage()).contains("grading/nowhere");
    assertThat(orphan.getStatus().phase).isEqualTo(Phase.Failed);
    assertThat(jobsOf("loop-x")).isEmpty();
    assertThat(jobsOf("orphan")).isEmpty();
  }
}
