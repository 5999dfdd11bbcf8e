package org.inginious.grading.image.dockerfile;

import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.CapabilitiesBuilder;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PodSecurityContextBuilder;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyRuleBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.inginious.grading.api.GradingEnvironment;
import org.inginious.grading.image.common.BuildHash;
import org.inginious.grading.placement.GradingPodTemplates;
import org.inginious.grading.placement.Labels;

/**
 * The objects of one `dockerfile` build, as pure functions of the environment and its plan: a
 * ConfigMap `<env>-build-<hash8>` with the Dockerfile and the context files, and a Job of the same
 * name running the Kaniko executor. Both are owned by the environment (the garbage collector
 * removes them with it) and labelled so the operator's informers see them and nothing else.
 */
public final class KanikoJobs {
  /** `app.kubernetes.io/component` of build Jobs, their Pods and ConfigMaps. */
  public static final String COMPONENT = "app.kubernetes.io/component";

  public static final String COMPONENT_VALUE = "image-build";

  /** The GradingEnvironment (metadata.name) a build object belongs to. */
  public static final String BUILD_OF = "grading.inginious.org/build";

  /** The full build hash (labels cannot hold it). */
  public static final String HASH_ANNOTATION = "grading.inginious.org/build-hash";

  /** Where the Job pushes: repository:tag. */
  public static final String DESTINATION_ANNOTATION = "grading.inginious.org/destination";

  /** What the informers of Jobs, Pods and build ConfigMaps select. */
  public static final String SELECTOR =
      Labels.MANAGED_BY + "=" + Labels.OPERATOR + "," + COMPONENT + "=" + COMPONENT_VALUE;

  public static final String CONTAINER = "executor";
  public static final String CONTEXT_DIR = "/workspace";
  public static final String DOCKER_CONFIG_DIR = "/kaniko/.docker";
  public static final String TERMINATION_LOG = "/dev/termination-log";

  /** Job names are label values (`job-name` on the Pods): at most 63 characters. */
  public static final int MAX_NAME = 63;

  public static final int BACKOFF_LIMIT = 1;

  /**
   * What Kaniko needs of root, and no more. The executor unpacks the base image over its own root
   * filesystem and runs RUN steps there, so it must run as uid 0 with a writable root filesystem;
   * RUN steps of package managers chown files, set file capabilities and setuid bits, change users
   * and chroot (RPM scriptlets). Everything else is dropped. The set is within the Pod Security
   * Standard "baseline"; "restricted" cannot run Kaniko.
   */
  static final List<String> CAPABILITIES =
      List.of(
          "CHOWN",
          "DAC_OVERRIDE",
          "FOWNER",
          "FSETID",
          "KILL",
          "SETGID",
          "SETUID",
          "SETFCAP",
          "SYS_CHROOT");

  private KanikoJobs() {}

  public static Map<String, String> labels(GradingEnvironment environment) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(Labels.MANAGED_BY, Labels.OPERATOR);
    labels.put(COMPONENT, COMPONENT_VALUE);
    labels.put(BUILD_OF, environment.getMetadata().getName());
    return labels;
  }

  private static ObjectMeta metadata(GradingEnvironment environment, DockerfilePlan plan) {
    return new ObjectMetaBuilder()
        .withName(BuildHash.buildName(environment, plan.hash()))
        .withNamespace(environment.getMetadata().getNamespace())
        .withLabels(labels(environment))
        .withAnnotations(
            Map.of(HASH_ANNOTATION, plan.hash(), DESTINATION_ANNOTATION, plan.destination()))
        .withOwnerReferences(GradingPodTemplates.ownerReference(environment))
        .build();
  }

  /**
   * The Dockerfile and the context files, one key each; immutable (a new hash is a new ConfigMap).
   */
  public static ConfigMap configMap(GradingEnvironment environment, DockerfilePlan plan) {
    return new ConfigMapBuilder()
        .withMetadata(metadata(environment, plan))
        .withImmutable(true)
        .withData(new LinkedHashMap<>(plan.contextData()))
        .withBinaryData(
            plan.contextBinaryData().isEmpty()
                ? null
                : new LinkedHashMap<>(plan.contextBinaryData()))
        .build();
  }

  /** The executor's arguments, in a stable order. */
  public static List<String> args(DockerfilePlan plan) {
    List<String> args = new ArrayList<>();
    args.add("--dockerfile=" + CONTEXT_DIR + "/" + plan.dockerfileKey());
    args.add("--context=dir://" + CONTEXT_DIR);
    args.add("--destination=" + plan.destination());
    plan.labels().forEach((key, value) -> args.add("--label=" + key + "=" + value));
    plan.buildArgs().forEach((key, value) -> args.add("--build-arg=" + key + "=" + value));
    if (plan.target() != null) {
      args.add("--target=" + plan.target());
    }
    args.add("--reproducible");
    args.add("--image-name-with-digest-file=" + TERMINATION_LOG);
    args.add("--cache=true");
    args.add("--cache-repo=" + plan.cacheRepository());
    if (plan.insecure()) {
      // plain-HTTP registry: pushes (image and cache) and pulls of the base from it
      args.add("--insecure");
      args.add("--insecure-pull");
    }
    args.add("--log-format=text"); // no colour codes in the termination message
    return args;
  }

  public static Job job(GradingEnvironment environment, DockerfilePlan plan) {
    String name = BuildHash.buildName(environment, plan.hash());
    List<Volume> volumes = new ArrayList<>();
    List<VolumeMount> mounts = new ArrayList<>();
    volumes.add(
        new VolumeBuilder()
            .withName("context")
            .withNewConfigMap()
            .withName(name)
            .endConfigMap()
            .build());
    // One subPath mount per key: a ConfigMap volume mounted as a directory holds symlinks into
    // ..data, which Kaniko's COPY would copy as (dangling) symlinks; subPath mounts are plain
    // files.
    // Kaniko puts mount points on its snapshot ignore list, but keeps ignored paths that lie under
    // the build context when it lists COPY sources (util.RelativeFiles), so COPY sees them.
    for (String key : new TreeSet<>(keys(plan))) {
      mounts.add(
          new VolumeMountBuilder()
              .withName("context")
              .withMountPath(CONTEXT_DIR + "/" + key)
              .withSubPath(key)
              .withReadOnly(true)
              .build());
    }
    if (plan.pushSecret() != null) {
      volumes.add(
          new VolumeBuilder()
              .withName("docker-config")
              .withNewSecret()
              .withSecretName(plan.pushSecret())
              .addNewItem()
              .withKey(".dockerconfigjson")
              .withPath("config.json")
              .endItem()
              .withDefaultMode(0400)
              .endSecret()
              .build());
      mounts.add(
          new VolumeMountBuilder()
              .withName("docker-config")
              .withMountPath(DOCKER_CONFIG_DIR)
              .withReadOnly(true)
              .build());
    }
    Map<String, String> podLabels = labels(environment);
    return new JobBuilder()
        .withMetadata(metadata(environment, plan))
        .withNewSpec()
        .withBackoffLimit(BACKOFF_LIMIT)
        .withActiveDeadlineSeconds(plan.timeout().toSeconds())
        // A failing Dockerfile fails the Job at once; a disruption (eviction, preemption, node
        // drain) counts against backoffLimit, so it gets one more attempt.
        .withNewPodFailurePolicy()
        .withRules(
            new PodFailurePolicyRuleBuilder()
                .withAction("Count")
                .addNewOnPodCondition()
                .withType("DisruptionTarget")
                .withStatus("True")
                .endOnPodCondition()
                .build(),
            new PodFailurePolicyRuleBuilder()
                .withAction("FailJob")
                .withNewOnExitCodes()
                .withContainerName(CONTAINER)
                .withOperator("NotIn")
                .withValues(0)
                .endOnExitCodes()
                .build())
        .endPodFailurePolicy()
        .withNewTemplate()
        .withNewMetadata()
        .withLabels(podLabels)
        .endMetadata()
        .withNewSpec()
        .withRestartPolicy("Never")
        .withAutomountServiceAccountToken(false)
        .withEnableServiceLinks(false)
        .withSecurityContext(
            new PodSecurityContextBuilder()
                .withNewSeccompProfile()
                .withType("RuntimeDefault")
                .endSeccompProfile()
                .build())
        .withContainers(
            new ContainerBuilder()
                .withName(CONTAINER)
                .withImage(plan.executorImage())
                .withImagePullPolicy("IfNotPresent")
                .withArgs(args(plan))
                .withResources(plan.resources())
                .withVolumeMounts(mounts)
                .withTerminationMessagePath(TERMINATION_LOG)
                .withTerminationMessagePolicy("FallbackToLogsOnError")
                .withSecurityContext(securityContext())
                .build())
        .withVolumes(volumes)
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
  }

  private static List<String> keys(DockerfilePlan plan) {
    List<String> keys = new ArrayList<>(plan.contextData().keySet());
    keys.addAll(plan.contextBinaryData().keySet());
    return keys;
  }

  static SecurityContext securityContext() {
    Capabilities capabilities =
        new CapabilitiesBuilder().withDrop("ALL").withAdd(CAPABILITIES).build();
    return new SecurityContextBuilder()
        .withRunAsUser(0L)
        .withRunAsGroup(0L)
        .withRunAsNonRoot(false)
        .withPrivileged(false)
        .withAllowPrivilegeEscalation(false)
        .withReadOnlyRootFilesystem(false)
        .withCapabilities(capabilities)
        .withNewSeccompProfile()
        .withType("RuntimeDefault")
        .endSeccompProfile()
        .build();
  }

  /** Whether a build object belongs to this environment (label and owner uid). */
  public static boolean belongsTo(HasMetadata object, GradingEnvironment environment) {
    return environment
            .getMetadata()
            .getName()
            .equals(
                object.getMetadata().getLabels() == null
                    ? null
                    : object.getMetadata().getLabels().get(BUILD_OF))
        && object.getMetadata().getOwnerReferences().stream()
            .anyMatch(
                ref ->
                    ref.getUid() != null
                        && ref.getUid().equals(environment.getMetadata().getUid()));
  }
}
