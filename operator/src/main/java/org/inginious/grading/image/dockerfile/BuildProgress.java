package org.inginious.grading.image.dockerfile;

import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStateWaiting;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.inginious.grading.api.ConditionReasons;

/**
 * What a build Job and its Pods say about the build, read as the Job controller and the kubelet
 * write them: conditions Complete / Failed (reason DeadlineExceeded, BackoffLimitExceeded,
 * PodFailurePolicy), the executor container's terminated state (exit code, reason OOMKilled,
 * termination message) or waiting state (ImagePullBackOff), and the Pod's reason (Evicted). A pure
 * function, tested without a cluster.
 */
public final class BuildProgress {
  /** The kubelet's waiting reasons of a container whose image cannot be pulled. */
  private static final Set<String> PULL_FAILURES =
      Set.of(
          "ImagePullBackOff",
          "ErrImagePull",
          "InvalidImageName",
          "ErrImageNeverPull",
          "RegistryUnavailable");

  private static final Pattern DIGEST_LINE = Pattern.compile("(\\S+)@(sha256:[0-9a-f]{64})");

  public sealed interface State permits Running, Succeeded, Failed {
    Instant startTime();
  }

  /**
   * @param message what the build is doing, for status
   */
  public record Running(Instant startTime, String message) implements State {}

  /**
   * @param image repository@sha256:...
   */
  public record Succeeded(Instant startTime, Instant completionTime, String image)
      implements State {}

  /**
   * @param finished false while the Job still runs but cannot progress by itself (the executor
   *     image cannot be pulled)
   */
  public record Failed(
      Instant startTime,
      Instant completionTime,
      String reason,
      String message,
      String logTail,
      boolean finished)
      implements State {}

  private BuildProgress() {}

  /**
   * @param repository spec.image.repository: the termination message must name it
   * @param pods the Job's Pods (any order)
   * @param secretValues values never to show in the log tail
   */
  public static State of(
      Job job, List<Pod> pods, String repository, String executorImage, List<String> secretValues) {
    String name = job.getMetadata().getName();
    Instant start = start(job);
    Optional<Pod> latest = pods.stream().max(Comparator.comparing(BuildProgress::created));
    Optional<ContainerStatus> executor = latest.flatMap(BuildProgress::executorStatus);
    Optional<ContainerStateTerminated> terminated = latest.flatMap(BuildProgress::terminated);
    String logTail = terminated.map(t -> LogTails.of(t.getMessage(), secretValues)).orElse(null);

    Optional<JobCondition> complete = condition(job, "Complete");
    if (complete.isPresent()) {
      Instant completion =
          job.getStatus().getCompletionTime() != null
              ? Instant.parse(job.getStatus().getCompletionTime())
              : time(complete.get().getLastTransitionTime(), start);
      String message =
          pods.stream()
              .map(BuildProgress::terminated)
              .flatMap(Optional::stream)
              .filter(t -> t.getExitCode() != null && t.getExitCode() == 0)
              .map(ContainerStateTerminated::getMessage)
              .filter(m -> m != null && !m.isBlank())
              .findFirst()
              .orElse(null);
      Optional<String> digest = digestOf(message, repository);
      if (digest.isEmpty()) {
        return new Failed(
            start,
            completion,
            ConditionReasons.DIGEST_MISSING,
            "Kaniko Job "
                + name
                + " completed, but the termination message of its "
                + CONTAINER_WORDS
                + " names no digest of "
                + repository
                + (message == null
                    ? " (it is empty)"
                    : " (it says: " + oneLine(LogTails.of(message, secretValues)) + ")"),
            LogTails.of(message, secretValues),
            true);
      }
      return new Succeeded(start, completion, repository + "@" + digest.get());
    }

    Optional<JobCondition> failed = condition(job, "Failed");
    if (failed.isPresent()) {
      Instant completion = time(failed.get().getLastTransitionTime(), start);
      String jobReason = failed.get().getReason();
      if ("DeadlineExceeded".equals(jobReason)) {
        return new Failed(
            start,
            completion,
            ConditionReasons.BUILD_TIMEOUT,
            "Kaniko Job "
                + name
                + " exceeded its deadline of "
                + job.getSpec().getActiveDeadlineSeconds()
                + "s (spec.build.timeout); raise spec.build.timeout or make the build faster",
            logTail,
            true);
      }
      if (latest.isPresent()
          && "Evicted"
              .equals(
                  latest.get().getStatus() == null ? null : latest.get().getStatus().getReason())) {
        return new Failed(
            start,
            completion,
            ConditionReasons.EVICTED,
            "the build pod "
                + latest.get().getMetadata().getName()
                + " of Kaniko Job "
                + name
                + " was evicted"
                + suffix(latest.get().getStatus().getMessage()),
            logTail,
            true);
      }
      if (terminated.isPresent() && "OOMKilled".equals(terminated.get().getReason())) {
        return new Failed(
            start,
            completion,
            ConditionReasons.OOM_KILLED,
            "the "
                + CONTAINER_WORDS
                + " of Kaniko Job "
                + name
                + " ran out of memory (OOMKilled"
                + memoryLimit(job)
                + "); raise spec.build.resources.limits.memory",
            logTail,
            true);
      }
      String exit =
          terminated
              .map(
                  t ->
                      "exited with code "
                          + t.getExitCode()
                          + (t.getReason() == null ? "" : " (" + t.getReason() + ")"))
              .orElse("failed");
      return new Failed(
          start,
          completion,
          ConditionReasons.BUILD_FAILED,
          "the "
              + CONTAINER_WORDS
              + " of Kaniko Job "
              + name
              + " "
              + exit
              + (jobReason == null ? "" : "; Job reason " + jobReason)
              + suffix(failed.get().getMessage())
              + ". Fix the Dockerfile (see status.build.logTail), or delete the Job to run it again",
          logTail,
          true);
    }

    Optional<ContainerStateWaiting> waiting =
        executor.map(s -> s.getState() == null ? null : s.getState().getWaiting());
    if (waiting.isPresent() && PULL_FAILURES.contains(waiting.get().getReason())) {
      return new Failed(
          start,
          null,
          ConditionReasons.IMAGE_PULL_BACK_OFF,
          "the build pod of Kaniko Job "
              + name
              + " cannot pull the executor image "
              + executorImage
              + " ("
              + waiting.get().getReason()
              + suffix(waiting.get().getMessage())
              + "); check builds.kanikoImage in the operator configuration and the node's access to its registry",
          null,
          false);
    }
    String podState = latest.map(BuildProgress::describe).orElse("no pod yet");
    return new Running(start, "Kaniko Job " + name + " is running (" + podState + ")");
  }

  private static final String CONTAINER_WORDS = "executor container";

  /** The digest in an `--image-name-with-digest-file` line naming this repository. */
  public static Optional<String> digestOf(String message, String repository) {
    if (message == null) {
      return Optional.empty();
    }
    Matcher matcher = DIGEST_LINE.matcher(message);
    while (matcher.find()) {
      if (normalize(withoutTag(matcher.group(1))).equals(normalize(repository))) {
        return Optional.of(matcher.group(2));
      }
    }
    return Optional.empty();
  }

  /** `repo:tag` -> `repo` (a colon after the last slash is a tag; one before it is a port). */
  static String withoutTag(String name) {
    int slash = name.lastIndexOf('/');
    int colon = name.lastIndexOf(':');
    return colon > slash ? name.substring(0, colon) : name;
  }

  /** Docker's normalisation, as Kaniko prints names: `user/x` is `index.docker.io/user/x`. */
  static String normalize(String repository) {
    String r = repository.toLowerCase(Locale.ROOT);
    int slash = r.indexOf('/');
    String first = slash < 0 ? "" : r.substring(0, slash);
    boolean hasRegistry =
        slash >= 0 && (first.contains(".") || first.contains(":") || first.equals("localhost"));
    if (!hasRegistry) {
      r = "index.docker.io/" + (slash < 0 ? "library/" : "") + r;
    } else if (first.equals("docker.io")) {
      r = "index.docker.io" + r.substring(slash);
    }
    if (r.startsWith("index.docker.io/") && r.indexOf('/', "index.docker.io/".length()) < 0) {
      r = "index.docker.io/library/" + r.substring("index.docker.io/".length());
    }
    return r;
  }

  private static Optional<ContainerStatus> executorStatus(Pod pod) {
    if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
      return Optional.empty();
    }
    return pod.getStatus().getContainerStatuses().stream()
        .filter(s -> KanikoJobs.CONTAINER.equals(s.getName()))
        .findFirst();
  }

  private static Optional<ContainerStateTerminated> terminated(Pod pod) {
    return executorStatus(pod)
        .map(
            s -> {
              if (s.getState() != null && s.getState().getTerminated() != null) {
                return s.getState().getTerminated();
              }
              return s.getLastState() == null ? null : s.getLastState().getTerminated();
            });
  }

  private static String describe(Pod pod) {
    String phase =
        pod.getStatus() == null || pod.getStatus().getPhase() == null
            ? "Pending"
            : pod.getStatus().getPhase();
    String detail =
        executorStatus(pod)
            .map(
                s ->
                    s.getState() != null && s.getState().getWaiting() != null
                        ? s.getState().getWaiting().getReason()
                        : null)
            .orElse(null);
    if (detail == null && pod.getStatus() != null && pod.getStatus().getConditions() != null) {
      detail =
          pod.getStatus().getConditions().stream()
              .filter(c -> "PodScheduled".equals(c.getType()) && "False".equals(c.getStatus()))
              .map(c -> c.getReason() + suffix(c.getMessage()))
              .findFirst()
              .orElse(null);
    }
    return "pod "
        + pod.getMetadata().getName()
        + " "
        + phase
        + (detail == null ? "" : ": " + detail);
  }

  private static String memoryLimit(Job job) {
    var resources = job.getSpec().getTemplate().getSpec().getContainers().get(0).getResources();
    if (resources == null
        || resources.getLimits() == null
        || !resources.getLimits().containsKey("memory")) {
      return ", no memory limit set";
    }
    return " at the limit of " + resources.getLimits().get("memory");
  }

  public static Optional<JobCondition> condition(Job job, String type) {
    if (job.getStatus() == null || job.getStatus().getConditions() == null) {
      return Optional.empty();
    }
    return job.getStatus().getConditions().stream()
        .filter(c -> type.equals(c.getType()) && "True".equals(c.getStatus()))
        .findFirst();
  }

  /** Finished: Complete or Failed. */
  public static boolean finished(Job job) {
    return condition(job, "Complete").isPresent() || condition(job, "Failed").isPresent();
  }

  /**
   * When a finished Job finished (completionTime, else the condition's transition, else creation).
   */
  public static Instant finishedAt(Job job) {
    if (job.getStatus() != null && job.getStatus().getCompletionTime() != null) {
      return Instant.parse(job.getStatus().getCompletionTime());
    }
    return condition(job, "Failed")
        .or(() -> condition(job, "Complete"))
        .map(
            c -> time(c.getLastTransitionTime(), created(job.getMetadata().getCreationTimestamp())))
        .orElse(created(job.getMetadata().getCreationTimestamp()));
  }

  private static Instant start(Job job) {
    if (job.getStatus() != null && job.getStatus().getStartTime() != null) {
      return Instant.parse(job.getStatus().getStartTime());
    }
    return created(job.getMetadata().getCreationTimestamp());
  }

  private static Instant created(Pod pod) {
    return created(pod.getMetadata().getCreationTimestamp());
  }

  private static Instant created(String timestamp) {
    return timestamp == null ? Instant.EPOCH : Instant.parse(timestamp);
  }

  private static Instant time(String timestamp, Instant fallback) {
    return timestamp == null ? fallback : Instant.parse(timestamp);
  }

  private static String suffix(String message) {
    return message == null || message.isBlank() ? "" : ": " + oneLine(message);
  }

  private static String oneLine(String text) {
    String line = text == null ? "" : text.strip().replaceAll("\\s*\\n\\s*", " | ");
    return line.length() > 300 ? line.substring(0, 300) + "…" : line;
  }
}
