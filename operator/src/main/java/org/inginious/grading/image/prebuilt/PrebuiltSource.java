package org.inginious.grading.image.prebuilt;

import java.util.Optional;
import org.inginious.grading.api.ConditionReasons;
import org.inginious.grading.api.GradingEnvironment;
import org.inginious.grading.image.common.ClusterView;
import org.inginious.grading.image.common.ImageProblem;
import org.inginious.grading.image.common.ImageSource;
import org.inginious.grading.image.common.Outcome;
import org.inginious.grading.image.registry.ResolvedImage;

/** The {@code prebuilt} source: the image as pushed by someone else, pinned by digest. */
public final class PrebuiltSource implements ImageSource {
  private final PrebuiltImages images;

  public PrebuiltSource(PrebuiltImages images) {
    this.images = images;
  }

  @Override
  public boolean buildsOnBase() {
    return false;
  }

  @Override
  public Outcome obtain(GradingEnvironment environment, Optional<String> base, ClusterView cluster)
      throws ImageProblem {
    ResolvedImage image = images.resolve(environment);
    return new Outcome.Available(
        image.pinnedReference(),
        null,
        ConditionReasons.RESOLVED,
        environment.getSpec().build.prebuilt.image + " resolved to " + image.digest(),
        null);
  }
}
