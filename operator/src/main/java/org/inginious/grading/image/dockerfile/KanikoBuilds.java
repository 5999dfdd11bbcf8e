package org.inginious.grading.image.dockerfile;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.HttpURLConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.inginious.grading.api.ConditionReasons;
import org.inginious.grading.api.GradingEnvironment;
import org.inginious.grading.config.BuildsConfig;
import org.inginious.grading.image.common.BoundedMap;
import org.inginious.grading.image.common.BuildHash;
import org.inginious.grading.image.common.BuildListener;
import org.inginious.grading.image.common.ClusterView;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dockerfile builds as Kaniko Jobs: one Job per build hash, so a restarted operator finds the Job
 * it started (its name is derived from the hash) instead of starting a second; a new hash deletes
 * the Jobs of older hashes that still run; finished Jobs are kept as history up to the configured
 * limits. The cluster is read from the reconciler's informer caches ({@link ClusterView}) and
 * written through the client.
 */
public class KanikoBuilds {
  private static final Logger LOG = LoggerFactory.getLogger(KanikoBuilds.class);

  private final KubernetesClient client;
  private final BuildsConfig config;
  private final BuildListener listener;

  /**
   * Jobs whose end was reported to the listener (metrics), by uid, so that a Job looked at again is
   * not counted twice. A finished Job is looked at again only while it is its environment's current
   * build and its outcome is not settled in status (a failed build, until something changes); each
   * look keeps it recent, and the others fall out first. Bounded: with more than {@value
   * #MAX_REPORTED} such Jobs at once, one could be counted twice.
   */
  private final BoundedMap<String, Boolean> reported;

  static final int MAX_REPORTED = 4096;

  public KanikoBuilds(KubernetesClient client, BuildsConfig config, BuildListener listener) {
    this(client, config, listener, MAX_REPORTED);
  }

  KanikoBuilds(
      KubernetesClient client, BuildsConfig config, BuildListener listener, int maxReported) {
    this.client = client;
    this.config = config;
    this.listener = listener;
    this.reported = new BoundedMap<>(maxReported);
  }

  public String executorImage() {
    return config.kanikoImage();
  }

  /**
   * The state of the build of this plan, starting it when no Job of its hash exists. Jobs of other
   * hashes that still run are superseded (deleted with their ConfigMaps).
   */
  public BuildProgress.State build(
      GradingEnvironment environment, DockerfilePlan plan, ClusterView cluster) {
    String namespace = environment.getMetadata().getNamespace();
    String name = BuildHash.buildName(environment, plan.hash());
    List<Job> jobs = ownJobs(environment, cluster);
    for (Job job : jobs) {
      if (!job.getMetadata().getName().equals(name)
          && !BuildProgress.finished(job)
          && job.getMetadata().getDeletionTimestamp() == null) {
        LOG.info("Build {}/{} superseded by {}", namespace, job.getMetadata().getName(), name);
        delete(job);
        deleteConfigMap(namespace, job.getMetadata().getName());
      }
    }
    Job job =
        jobs.stream().filter(j -> j.getMetadata().getName().equals(name)).findFirst().orElse(null);
    String edited =
        job == null || BuildProgress.finished(job)
            ? null
            : editedByHand(job, KanikoJobs.job(environment, plan));
    if (edited != null && job.getMetadata().getDeletionTimestamp() == null) {
      LOG.info("Build {}/{} was edited by hand ({}): starting it again", namespace, name, edited);
      delete(job);
      job = null;
    }
    if (job == null || job.getMetadata().getDeletionTimestamp() != null) {
      job = start(environment, plan, cluster);
    }
    List<Pod> pods = cluster.pods(namespace, name);
    BuildProgress.State state =
        BuildProgress.of(job, pods, plan.repository(), plan.executorImage(), secretValues(plan));
    report(job, state);
    return state;
  }

  /**
   * What of a running build Job differs from ours, among the fields the API server lets a person
   * change (the pod template is immutable): suspended, its parallelism or deadline or retries
   * changed. Null when nothing does.
   */
  static String editedByHand(Job job, Job desired) {
    var spec = job.getSpec();
    if (Boolean.TRUE.equals(spec.getSuspend())) {
      return "suspended";
    }
    if (spec.getParallelism() != null && spec.getParallelism() != 1) {
      return "parallelism " + spec.getParallelism();
    }
    if (!Objects.equals(
        spec.getActiveDeadlineSeconds(), desired.getSpec().getActiveDeadlineSeconds())) {
      return "activeDeadlineSeconds " + spec.getActiveDeadlineSeconds();
    }
    if (!Objects.equals(spec.getBackoffLimit(), desired.getSpec().getBackoffLimit())) {
      return "backoffLimit " + spec.getBackoffLimit();
    }
    return null;
  }

  private Job start(GradingEnvironment environment, DockerfilePlan plan, ClusterView cluster) {
    String namespace = environment.getMetadata().getNamespace();
    String name = BuildHash.buildName(environment, plan.hash());
    boolean haveConfigMap =
        cluster.configMaps(namespace, environment.getMetadata().getName()).stream()
            .anyMatch(cm -> cm.getMetadata().getName().equals(name));
    if (!haveConfigMap) {
      createIfAbsent(KanikoJobs.configMap(environment, plan));
    }
    LOG.info("Starting Kaniko Job {}/{} to push {}", namespace, name, plan.destination());
    return createIfAbsent(KanikoJobs.job(environment, plan));
  }

  /** Created, or the one that is there already (the informer may lag behind our own create). */
  private <T extends HasMetadata> T createIfAbsent(T desired) {
    try {
      return client.resource(desired).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() == HttpURLConnection.HTTP_CONFLICT) {
        T existing = client.resource(desired).get();
        if (existing != null) {
          return existing;
        }
      }
      throw e;
    }
  }

  /**
   * Keeps {@code successfulHistory} succeeded and {@code failedHistory} failed Jobs (newest first,
   * by completion) and their ConfigMaps; deletes older ones, and ConfigMaps whose Job is gone. The
   * Job of the current hash is always kept: it is the environment's state.
   */
  public void pruneHistory(
      GradingEnvironment environment, String currentHash, ClusterView cluster) {
    String namespace = environment.getMetadata().getNamespace();
    String current = BuildHash.buildName(environment, currentHash);
    List<Job> jobs = ownJobs(environment, cluster);
    List<Job> finished =
        jobs.stream()
            .filter(BuildProgress::finished)
            .sorted(Comparator.comparing(BuildProgress::finishedAt).reversed())
            .toList();
    List<Job> succeeded =
        finished.stream().filter(j -> BuildProgress.condition(j, "Complete").isPresent()).toList();
    List<Job> failed =
        finished.stream().filter(j -> BuildProgress.condition(j, "Complete").isEmpty()).toList();
    List<Job> doomed = new ArrayList<>();
    doomed.addAll(beyond(succeeded, config.successfulHistory(), current));
    doomed.addAll(beyond(failed, config.failedHistory(), current));
    for (Job job : doomed) {
      LOG.info("Deleting build history {}/{}", namespace, job.getMetadata().getName());
      delete(job);
      deleteConfigMap(namespace, job.getMetadata().getName());
    }
    Set<String> kept =
        jobs.stream()
            .filter(j -> !doomed.contains(j))
            .map(j -> j.getMetadata().getName())
            .collect(Collectors.toSet());
    kept.add(current);
    for (ConfigMap configMap : cluster.configMaps(namespace, environment.getMetadata().getName())) {
      if (!kept.contains(configMap.getMetadata().getName())
          && KanikoJobs.belongsTo(configMap, environment)
          && configMap.getMetadata().getDeletionTimestamp() == null) {
        LOG.info(
            "Deleting build ConfigMap {}/{} (its Job is gone)",
            namespace,
            configMap.getMetadata().getName());
        client.resource(configMap).delete();
      }
    }
  }

  private static List<Job> beyond(List<Job> newestFirst, int limit, String current) {
    boolean currentIsHere =
        newestFirst.stream().anyMatch(j -> j.getMetadata().getName().equals(current));
    int keepOthers = Math.max(0, limit - (currentIsHere ? 1 : 0));
    return newestFirst.stream()
        .filter(j -> !j.getMetadata().getName().equals(current))
        .skip(keepOthers)
        .toList();
  }

  /**
   * The environment is gone: the garbage collector removes its Jobs; delete them at once all the
   * same.
   */
  public void forget(GradingEnvironment environment, ClusterView cluster) {
    for (Job job : ownJobs(environment, cluster)) {
      delete(job);
    }
    for (ConfigMap configMap :
        cluster.configMaps(
            environment.getMetadata().getNamespace(), environment.getMetadata().getName())) {
      if (KanikoJobs.belongsTo(configMap, environment)) {
        client.resource(configMap).delete();
      }
    }
  }

  private static List<Job> ownJobs(GradingEnvironment environment, ClusterView cluster) {
    return cluster
        .jobs(environment.getMetadata().getNamespace(), environment.getMetadata().getName())
        .stream()
        .filter(job -> KanikoJobs.belongsTo(job, environment))
        .toList();
  }

  private void delete(Job job) {
    client.resource(job).withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
  }

  private void deleteConfigMap(String namespace, String name) {
    client.configMaps().inNamespace(namespace).withName(name).delete();
  }

  /** Tells the listener about a finished build Job, once per Job. */
  void report(Job job, BuildProgress.State state) {
    String uid = job.getMetadata().getUid();
    if (uid == null
        || state instanceof BuildProgress.Running
        || state instanceof BuildProgress.Failed failed && !failed.finished()
        || reported.put(uid, Boolean.TRUE) != null) {
      return;
    }
    String outcome =
        state instanceof BuildProgress.Succeeded
            ? "succeeded"
            : ConditionReasons.BUILD_TIMEOUT.equals(((BuildProgress.Failed) state).reason())
                ? "timeout"
                : "failed";
    var end =
        state instanceof BuildProgress.Succeeded s
            ? s.completionTime()
            : ((BuildProgress.Failed) state).completionTime();
    listener.finished(
        "kaniko",
        outcome,
        Duration.between(state.startTime(), Objects.requireNonNullElse(end, state.startTime())));
  }

  /** Jobs remembered as reported. */
  int reportedJobs() {
    return reported.size();
  }

  /** Values of build arguments whose names say they are secrets: never shown in a log tail. */
  static List<String> secretValues(DockerfilePlan plan) {
    return plan.buildArgs().entrySet().stream()
        .filter(
            e ->
                !e.getKey().equals(DockerfilePlan.BASE_IMAGE_ARG)
                    && LogTails.looksSecret(e.getKey()))
        .map(java.util.Map.Entry::getValue)
        .toList();
  }

  public static Optional<String> hashOf(Job job) {
    return Optional.ofNullable(job.getMetadata().getAnnotations())
        .map(a -> a.get(KanikoJobs.HASH_ANNOTATION));
  }
}
