package org.inginious.grading.image;

import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import org.inginious.grading.api.BaseSpec;
import org.inginious.grading.api.ConditionReasons;
import org.inginious.grading.api.GradingEnvironment;
import org.inginious.grading.api.GradingEnvironmentStatus;
import org.inginious.grading.api.Phase;
import org.inginious.grading.image.common.BuildOutcomes;
import org.inginious.grading.image.common.ClusterView;
import org.inginious.grading.image.common.ImageLookup;
import org.inginious.grading.image.common.ImageProblem;
import org.inginious.grading.image.common.Outcome;
import org.inginious.grading.image.common.RegistrySecrets;
import org.inginious.grading.image.registry.ResolvedImage;

/**
 * The base a build starts from ({@code spec.build.base}), for every kind that builds on one: an
 * image resolved to its digest, or a base environment's current image once the chain of bases is
 * known to end (no cycle, every link present, at most {@value #MAX_CHAIN} long) and the base is
 * Ready. The one place that knows about base environments.
 */
final class BaseImages {
  private static final int MAX_CHAIN = 32;

  private final ImageLookup images;
  private final RegistrySecrets secrets;

  /**
   * The base by digest (empty for scratch), or why we must wait for it (or stay on the last good
   * image).
   */
  record Base(Optional<String> pinned, Outcome waiting) {}

  BaseImages(ImageLookup images, RegistrySecrets secrets) {
    this.images = images;
    this.secrets = secrets;
  }

  Base resolve(GradingEnvironment environment, ClusterView cluster) throws ImageProblem {
    BaseSpec base = environment.getSpec().build.base;
    if (base == null) {
      return new Base(Optional.empty(), null);
    }
    if (base.image != null) {
      var credentials =
          secrets.pullCredentialsLazily(environment, base.image, "spec.build.base.image");
      try {
        ResolvedImage image =
            images.resolve(
                base.image,
                credentials,
                environment.getSpec().image.isInsecure(),
                "spec.build.base.image");
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
      String state =
          parentStatus == null || parentStatus.phase == null
              ? "not reconciled yet"
              : "in phase " + parentStatus.phase;
      String why =
          !failed || parentStatus.conditions == null
              ? ""
              : parentStatus.conditions.stream()
                  .filter(c -> "Ready".equals(c.getType()))
                  .map(c -> " (" + c.getReason() + ")")
                  .findFirst()
                  .orElse("");
      String reason = failed ? ConditionReasons.BASE_FAILED : ConditionReasons.WAITING_FOR_BASE;
      GradingEnvironmentStatus status = environment.getStatus();
      if (status != null && status.image != null && status.buildHash != null) {
        // A base that is rebuilding or failed leaves this environment on its last good image: it
        // still works, and it is rebuilt once the base is Ready with a new digest.
        String message =
            "base environment "
                + namespace
                + "/"
                + base.environment
                + " is "
                + state
                + why
                + "; grading pods keep using "
                + status.image
                + " until it is Ready";
        return new Base(
            Optional.empty(),
            BuildOutcomes.lastGood(status, new Outcome.BaseNotice(reason, message)));
      }
      return new Base(
          Optional.empty(),
          new Outcome.Waiting(
              Phase.Pending,
              reason,
              "base environment " + namespace + "/" + base.environment + " is " + state + why,
              null));
    }
    return new Base(Optional.of(parentStatus.image), null);
  }

  /**
   * The base environment, after checking the chain above it ends (no cycle, every link present).
   */
  private static GradingEnvironment parentOf(GradingEnvironment environment, ClusterView cluster)
      throws ImageProblem {
    String namespace = environment.getMetadata().getNamespace();
    Set<String> seen = new HashSet<>();
    seen.add(environment.getMetadata().getName());
    StringBuilder chain = new StringBuilder(environment.getMetadata().getName());
    GradingEnvironment current = environment;
    GradingEnvironment parent = null;
    for (int depth = 0; depth < MAX_CHAIN; depth++) {
      BaseSpec base =
          current.getSpec() == null || current.getSpec().build == null
              ? null
              : current.getSpec().build.base;
      if (base == null || base.environment == null) {
        return parent;
      }
      chain.append(" -> ").append(base.environment);
      if (!seen.add(base.environment)) {
        throw new ImageProblem(
            ConditionReasons.BASE_CYCLE,
            "spec.build.base.environment: the chain of bases is a cycle: " + chain,
            false);
      }
      Optional<GradingEnvironment> next = cluster.environment(namespace, base.environment);
      if (next.isEmpty()) {
        throw new ImageProblem(
            ConditionReasons.BASE_NOT_FOUND,
            "spec.build.base.environment: GradingEnvironment "
                + namespace
                + "/"
                + base.environment
                + " does not exist"
                + (current == environment ? "" : " (in the chain " + chain + ")"),
            false);
      }
      if (parent == null) {
        parent = next.get();
      }
      current = next.get();
    }
    throw new ImageProblem(
        ConditionReasons.BASE_CYCLE,
        "spec.build.base.environment: the chain of bases is longer than " + MAX_CHAIN,
        false);
  }
}
