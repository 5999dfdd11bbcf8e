package org.inginious.grading.image;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.inginious.grading.api.BaseSpec;
import org.inginious.grading.api.BuildStatus;
import org.inginious.grading.api.ConditionReasons;
import org.inginious.grading.api.GradingEnvironment;
import org.inginious.grading.api.GradingEnvironmentStatus;
import org.inginious.grading.api.Phase;
import org.inginious.grading.image.common.BuildHash;
import org.inginious.grading.image.common.ImageLookup;
import org.inginious.grading.image.common.ImageProblem;
import org.inginious.grading.image.common.RegistrySecrets;
import org.inginious.grading.image.layers.LayersBuildRequest;
import org.inginious.grading.image.dockerfile.BuildProgress;
import org.inginious.grading.image.dockerfile.DockerfilePlan;
import org.inginious.grading.image.dockerfile.KanikoBuilds;
import org.inginious.grading.image.layers.LayersBuilds;
import org.inginious.grading.image.layers.LayersPlan;
import org.inginious.grading.image.prebuilt.PrebuiltImages;
import org.inginious.grading.image.registry.ResolvedImage;

/**
 * Where an environment's image comes from: a prebuilt image pinned by digest, or a build whose
 * inputs (base digest, ConfigMaps, spec) hash to a tag. Problems are thrown as
 * {@link ImageProblem}; everything else is an {@link Outcome} the reconciler records.
 */
public class ImageSources {
  private static final String LAST_GOOD_IMAGE = " (last good image)";
  private static final int MAX_CHAIN = 32;

  /**
   * What the cluster holds that builds read: other environments and ConfigMaps, and the Jobs, Pods
   * and ConfigMaps of Kaniko builds (informer caches).
   */
  public interface ClusterView extends KanikoBuilds.BuildObjects {
    Optional<GradingEnvironment> environment(String namespace, String name);

    Optional<ConfigMap> configMap(String namespace, String name);

    @Override
    default List<Job> jobs(String namespace, String environment) {
      return List.of();
    }

    @Override
    default List<Pod> pods(String namespace, String job) {
      return List.of();
    }

    @Override
    default List<ConfigMap> configMaps(String namespace, String environment) {
      return List.of();
    }
  }

  public sealed interface Outcome permits Available, Waiting, BuildFailed {}

  /** Why an environment is not rebuilt on its base environment's newest image (condition BaseReady=False). */
  public record BaseNotice(String reason, String message) {}

  /**
   * An image by digest; buildHash null for prebuilt images.
   *
   * @param baseNotice set when the image is the last good one because the base environment is not Ready
   */
  public record Available(String image, String buildHash, String reason, String message, BuildStatus build, BaseNotice baseNotice)
      implements Outcome {
    public Available(String image, String buildHash, String reason, String message, BuildStatus build) {
      this(image, buildHash, reason, message, build, null);
    }
  }

  /** Nothing to place yet: waiting for a base environment or a running build (an event follows). */
  public record Waiting(Phase phase, String reason, String message, BuildStatus build) implements Outcome {}

  /**
   * The build failed; it is tried again after {@code retryAfter}, or, when that is null, once
   * something changes (the spec, a watched object, the failed Job deleted).
   */
  public record BuildFailed(String reason, String message, BuildStatus build, Duration retryAfter) implements Outcome {}

  private final PrebuiltImages prebuiltImages;
  private final ImageLookup images;
  private final RegistrySecrets secrets;
  private final LayersBuilds layersBuilds;
  private final KanikoBuilds kanikoBuilds;
  private final Clock clock;

  public ImageSources(PrebuiltImages prebuiltImages, ImageLookup images, RegistrySecrets secrets, LayersBuilds layersBuilds,
      KanikoBuilds kanikoBuilds, Clock clock) {
    this.prebuiltImages = prebuiltImages;
    this.images = images;
    this.secrets = secrets;
    this.layersBuilds = layersBuilds;
    this.kanikoBuilds = kanikoBuilds;
    this.clock = clock;
  }

  public Outcome obtain(GradingEnvironment environment, ClusterView cluster) throws ImageProblem {
    if (environment.getSpec().build.prebuilt != null) {
      ResolvedImage image = prebuiltImages.resolve(environment);
      return new Available(image.pinnedReference(), null, ConditionReasons.RESOLVED,
          environment.getSpec().build.prebuilt.image + " resolved to " + image.digest(), null);
    }
    if (environment.getSpec().build.layers != null) {
      return layers(environment, cluster);
    }
    // the validator has made sure exactly one source is set
    return dockerfile(environment, cluster);
  }

  private Outcome layers(GradingEnvironment environment, ClusterView cluster) throws ImageProblem {
    Base base = base(environment, cluster);
    if (base.waiting() != null) {
      return base.waiting();
    }
    LayersPlan plan = LayersPlan.of(environment, base.pinned(), configMaps(environment, cluster));
    GradingEnvironmentStatus status = environment.getStatus();
    String buildName = BuildHash.buildName(environment, plan.hash());
    if (alreadyBuilt(status, plan.hash())) {
      return unchanged(status);
    }
    ResourceID id = ResourceID.fromResource(environment);
    Optional<LayersBuilds.State> state = layersBuilds.state(id, plan.hash());
    if (state.isEmpty() || state.get() instanceof LayersBuilds.Failed failed && !clock.instant().isBefore(failed.retryAt())) {
      state = Optional.of(layersBuilds.start(id, request(environment, plan), plan.hash()));
    }
    LayersBuilds.State current = state.get();
    if (current instanceof LayersBuilds.Succeeded done) {
      return new Available(done.result().imageReference(), plan.hash(), ConditionReasons.BUILT,
          "built " + done.result().imageReference() + " in "
              + Duration.between(done.startTime(), done.completionTime()).toMillis() + " ms",
          build(buildName, done.startTime(), done.completionTime(), ConditionReasons.SUCCEEDED, "pushed " + plan.target()));
    }
    if (current instanceof LayersBuilds.Failed failed) {
      return new BuildFailed(failed.reason(), failed.message(),
          build(buildName, failed.startTime(), failed.completionTime(), failed.reason(), failed.message()),
          Duration.between(clock.instant(), failed.retryAt()));
    }
    return new Waiting(Phase.Building, ConditionReasons.BUILDING,
        "building " + plan.target() + keepingLastImage(status),
        build(buildName, current.startTime(), null, ConditionReasons.BUILDING, "jib build running"));
  }

  private Outcome dockerfile(GradingEnvironment environment, ClusterView cluster) throws ImageProblem {
    Base base = base(environment, cluster);
    if (base.waiting() != null) {
      return base.waiting();
    }
    DockerfilePlan plan = DockerfilePlan.of(environment, base.pinned(), configMaps(environment, cluster),
        kanikoBuilds.executorImage());
    kanikoBuilds.pruneHistory(environment, plan.hash(), cluster);
    GradingEnvironmentStatus status = environment.getStatus();
    if (alreadyBuilt(status, plan.hash())) {
      return unchanged(status);
    }
    String buildName = BuildHash.buildName(environment, plan.hash());
    BuildProgress.State state = kanikoBuilds.build(environment, plan, cluster);
    if (state instanceof BuildProgress.Succeeded done) {
      return new Available(done.image(), plan.hash(), ConditionReasons.BUILT, "built " + done.image() + " with Kaniko Job " + buildName + " in "
          + Duration.between(done.startTime(), done.completionTime()).toSeconds() + " s",
          build(buildName, done.startTime(), done.completionTime(), ConditionReasons.SUCCEEDED, "pushed " + plan.destination()));
    }
    if (state instanceof BuildProgress.Failed failed) {
      BuildStatus build = build(buildName, failed.startTime(), failed.completionTime(), failed.reason(), failed.message());
      build.logTail = failed.logTail();
      return new BuildFailed(failed.reason(), failed.message() + keepingLastImage(status), build, null);
    }
    BuildProgress.Running running = (BuildProgress.Running) state;
    return new Waiting(Phase.Building, ConditionReasons.BUILDING,
        running.message() + keepingLastImage(status),
        build(buildName, running.startTime(), null, ConditionReasons.BUILDING, running.message()));
  }

  private LayersBuildRequest request(GradingEnvironment environment, LayersPlan plan) throws ImageProblem {
    boolean insecure = environment.getSpec().image.isInsecure();
    return new LayersBuildRequest(
        plan.base(),
        plan.base().isPresent() ? secrets.pullCredentials(environment, plan.base().get(), "spec.build.base") : Optional.empty(),
        plan.files(), plan.env(), plan.workingDir(), plan.labels(), plan.target(),
        secrets.pushCredentials(environment), insecure, plan.timeout());
  }

  /**
   * The environment is gone: stop its in-process build, and delete its build Jobs and ConfigMaps at
   * once (the garbage collector would too).
   */
  public void forget(GradingEnvironment environment, ClusterView cluster) {
    layersBuilds.forget(ResourceID.fromResource(environment));
    kanikoBuilds.forget(environment, cluster);
  }

  /** Built from exactly these inputs already (also before an operator restart): never again. */
  private static boolean alreadyBuilt(GradingEnvironmentStatus status, String hash) {
    return status != null && hash.equals(status.buildHash) && status.image != null;
  }

  /** Built before from the same inputs: the Built condition keeps its message, so status is not rewritten. */
  private static Available unchanged(GradingEnvironmentStatus status) {
    String message = status.conditions.stream()
        .filter(c -> "Built".equals(c.getType()) && "True".equals(c.getStatus()))
        .map(c -> c.getMessage())
        .filter(m -> m != null && m.startsWith("built " + status.image + " ") && !m.endsWith(LAST_GOOD_IMAGE))
        .findFirst()
        .orElse("built " + status.image + " (inputs unchanged)");
    return new Available(status.image, status.buildHash, ConditionReasons.BUILT, message, status.build);
  }

  private static String keepingLastImage(GradingEnvironmentStatus status) {
    return status != null && status.image != null ? "; grading pods keep using " + status.image : "";
  }

  private static BuildStatus build(String name, Instant start, Instant completion, String reason, String message) {
    BuildStatus build = new BuildStatus();
    build.name = name;
    build.startTime = start.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
    build.completionTime = completion == null ? null : completion.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
    build.reason = reason;
    build.message = message;
    return build;
  }

  /** The base by digest (empty for scratch), or why we must wait for it (or stay on the last good image). */
  private record Base(Optional<String> pinned, Outcome waiting) {}

  private Base base(GradingEnvironment environment, ClusterView cluster) throws ImageProblem {
    BaseSpec base = environment.getSpec().build.base;
    if (base == null) {
      return new Base(Optional.empty(), null);
    }
    if (base.image != null) {
      var credentials = secrets.pullCredentialsLazily(environment, base.image, "spec.build.base.image");
      try {
        ResolvedImage image = images.resolve(base.image, credentials, environment.getSpec().image.isInsecure(), "spec.build.base.image");
        return new Base(Optional.of(image.pinnedReference()), null);
      } catch (ImageProblem problem) {
        if (problem.reason().equals(ConditionReasons.IMAGE_NOT_FOUND)) {
          throw new ImageProblem(ConditionReasons.BASE_IMAGE_NOT_FOUND, problem.getMessage(), true);
        }
        throw problem;
      }
    }
    String namespace = environment.getMetadata().getNamespace();
    GradingEnvironment parent = parentOf(environment, cluster);
    GradingEnvironmentStatus parentStatus = parent.getStatus();
    if (parentStatus == null || parentStatus.image == null || parentStatus.phase != Phase.Ready) {
      boolean failed = parentStatus != null && parentStatus.phase == Phase.Failed;
      String state = parentStatus == null || parentStatus.phase == null ? "not reconciled yet" : "in phase " + parentStatus.phase;
      String why = !failed || parentStatus.conditions == null ? "" : parentStatus.conditions.stream()
          .filter(c -> "Ready".equals(c.getType())).map(c -> " (" + c.getReason() + ")").findFirst().orElse("");
      String reason = failed ? ConditionReasons.BASE_FAILED : ConditionReasons.WAITING_FOR_BASE;
      GradingEnvironmentStatus status = environment.getStatus();
      if (status != null && status.image != null && status.buildHash != null) {
        // A base that is rebuilding or failed leaves this environment on its last good image: it
        // still works, and it is rebuilt once the base is Ready with a new digest.
        String message = "base environment " + namespace + "/" + base.environment + " is " + state + why
            + "; grading pods keep using " + status.image + " until it is Ready";
        return new Base(Optional.empty(), new Available(status.image, status.buildHash, ConditionReasons.BUILT,
            "built " + status.image + LAST_GOOD_IMAGE, status.build, new BaseNotice(reason, message)));
      }
      return new Base(Optional.empty(), new Waiting(Phase.Pending, reason,
          "base environment " + namespace + "/" + base.environment + " is " + state + why, null));
    }
    return new Base(Optional.of(parentStatus.image), null);
  }

  /** The base environment, after checking the chain above it ends (no cycle, every link present). */
  private static GradingEnvironment parentOf(GradingEnvironment environment, ClusterView cluster) throws ImageProblem {
    String namespace = environment.getMetadata().getNamespace();
    Set<String> seen = new HashSet<>();
    seen.add(environment.getMetadata().getName());
    StringBuilder chain = new StringBuilder(environment.getMetadata().getName());
    GradingEnvironment current = environment;
    GradingEnvironment parent = null;
    for (int depth = 0; depth < MAX_CHAIN; depth++) {
      BaseSpec base = current.getSpec() == null || current.getSpec().build == null ? null : current.getSpec().build.base;
      if (base == null || base.environment == null) {
        return parent;
      }
      chain.append(" -> ").append(base.environment);
      if (!seen.add(base.environment)) {
        throw new ImageProblem(ConditionReasons.BASE_CYCLE, "spec.build.base.environment: the chain of bases is a cycle: " + chain, false);
      }
      Optional<GradingEnvironment> next = cluster.environment(namespace, base.environment);
      if (next.isEmpty()) {
        throw new ImageProblem(ConditionReasons.BASE_NOT_FOUND, "spec.build.base.environment: GradingEnvironment " + namespace + "/"
            + base.environment + " does not exist" + (current == environment ? "" : " (in the chain " + chain + ")"), false);
      }
      if (parent == null) {
        parent = next.get();
      }
      current = next.get();
    }
    throw new ImageProblem(ConditionReasons.BASE_CYCLE, "spec.build.base.environment: the chain of bases is longer than " + MAX_CHAIN, false);
  }

  /** The ConfigMaps the build reads, by name; absent ones are left out (the plan reports them). */
  private static Map<String, ConfigMap> configMaps(GradingEnvironment environment, ClusterView cluster) {
    Map<String, ConfigMap> found = new LinkedHashMap<>();
    for (String name : environment.getSpec().build.configMapNames()) {
      cluster.configMap(environment.getMetadata().getNamespace(), name).ifPresent(cm -> found.put(name, cm));
    }
    return found;
  }
}
