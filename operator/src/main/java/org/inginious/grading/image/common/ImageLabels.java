package org.inginious.grading.image.common;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.inginious.grading.api.GradingEnvironment;
import org.inginious.grading.api.GradingSpec;
import org.inginious.grading.placement.Labels;

/**
 * The INGInious labels an image must carry for a spec, and how a prebuilt image disagrees with
 * them.
 */
public final class ImageLabels {
  private ImageLabels() {}

  /**
   * Labels the operator writes into images it builds, so the spec and the image cannot disagree.
   */
  public static Map<String, String> forSpec(GradingEnvironment environment) {
    GradingSpec grading =
        environment.getSpec().grading == null ? new GradingSpec() : environment.getSpec().grading;
    Map<String, String> labels = new java.util.TreeMap<>();
    labels.put(Labels.IMAGE_NAME, environment.environmentName());
    if (grading.needsRoot()) {
      labels.put(Labels.IMAGE_NEED_ROOT, "1");
    }
    if (grading.gpu != null) {
      labels.put(Labels.IMAGE_NEED_GPU, "1");
    }
    return labels;
  }

  /**
   * Disagreements between a prebuilt image's labels and the spec, one sentence each naming the
   * label. An image without a name label is accepted: the PodTemplate carries the environment id.
   */
  public static List<String> mismatches(
      Map<String, String> imageLabels, GradingEnvironment environment) {
    Map<String, String> labels = imageLabels == null ? Map.of() : imageLabels;
    GradingSpec grading =
        environment.getSpec().grading == null ? new GradingSpec() : environment.getSpec().grading;
    List<String> problems = new ArrayList<>();
    String name = labels.get(Labels.IMAGE_NAME);
    if (name != null && !name.equals(environment.environmentName())) {
      problems.add(
          "image label "
              + Labels.IMAGE_NAME
              + "="
              + name
              + " but the environment is '"
              + environment.environmentName()
              + "' (set spec.environmentName to "
              + name
              + " or use another image)");
    }
    boolean imageNeedsGpu = labels.containsKey(Labels.IMAGE_NEED_GPU);
    if (imageNeedsGpu && grading.gpu == null) {
      problems.add("image label " + Labels.IMAGE_NEED_GPU + " is set but spec.grading.gpu is not");
    } else if (!imageNeedsGpu && grading.gpu != null) {
      problems.add("spec.grading.gpu is set but the image lacks label " + Labels.IMAGE_NEED_GPU);
    }
    boolean imageNeedsRoot = labels.containsKey(Labels.IMAGE_NEED_ROOT);
    if (imageNeedsRoot && !grading.needsRoot()) {
      problems.add(
          "image label "
              + Labels.IMAGE_NEED_ROOT
              + " is set but spec.grading.needRoot is not true");
    } else if (!imageNeedsRoot && grading.needsRoot()) {
      problems.add(
          "spec.grading.needRoot is true but the image lacks label " + Labels.IMAGE_NEED_ROOT);
    }
    return problems;
  }
}
