package org.inginious.grading.image.prebuilt;

import java.util.List;
import org.inginious.grading.api.ConditionReasons;
import org.inginious.grading.api.GradingEnvironment;
import org.inginious.grading.api.ImageSpec;
import org.inginious.grading.image.common.ImageLabels;
import org.inginious.grading.image.common.ImageLookup;
import org.inginious.grading.image.common.ImageProblem;
import org.inginious.grading.image.common.RegistrySecrets;
import org.inginious.grading.image.registry.ResolvedImage;

/**
 * The `prebuilt` source: resolve the tag to a digest, read the labels, check them against the spec.
 */
public class PrebuiltImages {

  private final ImageLookup images;
  private final RegistrySecrets secrets;

  public PrebuiltImages(ImageLookup images, RegistrySecrets secrets) {
    this.images = images;
    this.secrets = secrets;
  }

  public ResolvedImage resolve(GradingEnvironment environment) throws ImageProblem {
    String reference = environment.getSpec().build.prebuilt.image;
    ImageSpec imageSpec =
        environment.getSpec().image == null ? new ImageSpec() : environment.getSpec().image;
    var credentials =
        secrets.pullCredentialsLazily(environment, reference, "spec.build.prebuilt.image");
    ResolvedImage image =
        images.resolve(reference, credentials, imageSpec.isInsecure(), "spec.build.prebuilt.image");
    List<String> mismatches = ImageLabels.mismatches(image.labels(), environment);
    if (!mismatches.isEmpty()) {
      throw new ImageProblem(
          ConditionReasons.LABEL_MISMATCH, reference + ": " + String.join("; ", mismatches), false);
    }
    return image;
  }
}
