package org.inginious.grading.image.dockerfile;

import static org.inginious.grading.image.common.BuildOutcomes.alreadyBuilt;
import static org.inginious.grading.image.common.BuildOutcomes.buildStatus;
import static org.inginious.grading.image.common.BuildOutcomes.keepingLastImage;

import java.time.Duration;
import java.util.Optional;
import org.inginious.grading.api.BuildStatus;
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

/**
 * The {@code dockerfile} source: a Dockerfile and its context built by a Kaniko Job ({@link
 * KanikoBuilds}), one Job per hash of the inputs ({@link DockerfilePlan}).
 */
public final class DockerfileSource implements ImageSource {
  private final KanikoBuilds builds;

  public DockerfileSource(KanikoBuilds builds) {
    this.builds = builds;
  }

  @Override
  public boolean buildsOnBase() {
    return true;
  }

  @Override
  public Outcome obtain(GradingEnvironment environment, Optional<String> base, ClusterView cluster)
      throws ImageProblem {
    DockerfilePlan plan =
        DockerfilePlan.of(
            environment,
            base,
            BuildInputs.configMaps(environment, cluster),
            builds.executorImage());
    builds.pruneHistory(environment, plan.hash(), cluster);
    GradingEnvironmentStatus status = environment.getStatus();
    if (alreadyBuilt(status, plan.hash())) {
      return BuildOutcomes.unchanged(status);
    }
    String buildName = BuildHash.buildName(environment, plan.hash());
    BuildProgress.State state = builds.build(environment, plan, cluster);
    if (state instanceof BuildProgress.Succeeded done) {
      return new Outcome.Available(
          done.image(),
          plan.hash(),
          ConditionReasons.BUILT,
          "built "
              + done.image()
              + " with Kaniko Job "
              + buildName
              + " in "
              + Duration.between(done.startTime(), done.completionTime()).toSeconds()
              + " s",
          buildStatus(
              buildName,
              done.startTime(),
              done.completionTime(),
              ConditionReasons.SUCCEEDED,
              "pushed " + plan.destination()));
    }
    if (state instanceof BuildProgress.Failed failed) {
      BuildStatus build =
          buildStatus(
              buildName,
              failed.startTime(),
              failed.completionTime(),
              failed.reason(),
              failed.message());
      build.logTail = failed.logTail();
      return new Outcome.BuildFailed(
          failed.reason(), failed.message() + keepingLastImage(status), build, null);
    }
    BuildProgress.Running running = (BuildProgress.Running) state;
    return new Outcome.Waiting(
        Phase.Building,
        ConditionReasons.BUILDING,
        running.message() + keepingLastImage(status),
        buildStatus(
            buildName, running.startTime(), null, ConditionReasons.BUILDING, running.message()));
  }

  /** Deletes the environment's build Jobs and ConfigMaps. */
  @Override
  public void forget(GradingEnvironment environment, ClusterView cluster) {
    builds.forget(environment, cluster);
  }
}
