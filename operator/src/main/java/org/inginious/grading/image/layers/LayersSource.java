package org.inginious.grading.image.layers;

import static org.inginious.grading.image.common.BuildOutcomes.alreadyBuilt;
import static org.inginious.grading.image.common.BuildOutcomes.buildStatus;
import static org.inginious.grading.image.common.BuildOutcomes.keepingLastImage;

import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.inginious.grading.api.ConditionReasons;
import org.inginious.grading.api.GradingEnvironment;
import org.inginious.grading.api.GradingEnvironmentStatus;
import org.inginious.grading.api.Phase;
import org.inginious.grading.image.common.BuildHash;
import org.inginious.grading.image.common.BuildInputs;
import org.inginious.grading.image.common.BuildOutcomes;
import org.inginious.grading.image.common.ClusterView;
import org.inginious.grading.image.common.ImageProblem;
import org.inginious.grading.image.common.ImageSource;
import org.inginious.grading.image.common.Outcome;
import org.inginious.grading.image.common.RegistrySecrets;

/**
 * The {@code layers} source: files from ConfigMaps as one layer over the base, built in process
 * with jib ({@link LayersBuilds}), once per hash of the inputs ({@link LayersPlan}).
 */
public final class LayersSource implements ImageSource {
  private final LayersBuilds builds;
  private final RegistrySecrets secrets;
  private final Clock clock;

  public LayersSource(LayersBuilds builds, RegistrySecrets secrets, Clock clock) {
    this.builds = builds;
    this.secrets = secrets;
    this.clock = clock;
  }

  @Override
  public boolean buildsOnBase() {
    return true;
  }

  @Override
  public Outcome obtain(GradingEnvironment environment, Optional<String> base, ClusterView cluster)
      throws ImageProblem {
    LayersPlan plan =
        LayersPlan.of(environment, base, BuildInputs.configMaps(environment, cluster));
    GradingEnvironmentStatus status = environment.getStatus();
    String buildName = BuildHash.buildName(environment, plan.hash());
    if (alreadyBuilt(status, plan.hash())) {
      return BuildOutcomes.unchanged(status);
    }
    ResourceID id = ResourceID.fromResource(environment);
    Optional<LayersBuilds.State> state = builds.state(id, plan.hash());
    if (state.isEmpty()
        || state.get() instanceof LayersBuilds.Failed failed
            && !clock.instant().isBefore(failed.retryAt())) {
      state = Optional.of(builds.start(id, request(environment, plan), plan.hash()));
    }
    LayersBuilds.State current = state.get();
    if (current instanceof LayersBuilds.Succeeded done) {
      return new Outcome.Available(
          done.result().imageReference(),
          plan.hash(),
          ConditionReasons.BUILT,
          "built "
              + done.result().imageReference()
              + " in "
              + Duration.between(done.startTime(), done.completionTime()).toMillis()
              + " ms",
          buildStatus(
              buildName,
              done.startTime(),
              done.completionTime(),
              ConditionReasons.SUCCEEDED,
              "pushed " + plan.target()));
    }
    if (current instanceof LayersBuilds.Failed failed) {
      return new Outcome.BuildFailed(
          failed.reason(),
          failed.message(),
          buildStatus(
              buildName,
              failed.startTime(),
              failed.completionTime(),
              failed.reason(),
              failed.message()),
          Duration.between(clock.instant(), failed.retryAt()));
    }
    return new Outcome.Waiting(
        Phase.Building,
        ConditionReasons.BUILDING,
        "building " + plan.target() + keepingLastImage(status),
        buildStatus(
            buildName, current.startTime(), null, ConditionReasons.BUILDING, "jib build running"));
  }

  private LayersBuildRequest request(GradingEnvironment environment, LayersPlan plan)
      throws ImageProblem {
    boolean insecure = environment.getSpec().image.isInsecure();
    return new LayersBuildRequest(
        plan.base(),
        plan.base().isPresent()
            ? secrets.pullCredentials(environment, plan.base().get(), "spec.build.base")
            : Optional.empty(),
        plan.files(),
        plan.env(),
        plan.workingDir(),
        plan.labels(),
        plan.target(),
        secrets.pushCredentials(environment),
        insecure,
        plan.timeout());
  }

  /** Stops the environment's in-process build. */
  @Override
  public void forget(GradingEnvironment environment, ClusterView cluster) {
    builds.forget(ResourceID.fromResource(environment));
  }
}
