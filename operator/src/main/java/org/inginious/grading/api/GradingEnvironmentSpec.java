package org.inginious.grading.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "has(self.build.prebuilt) || (has(self.image) && has(self.image.repository))",
    message =
        "spec.image.repository is required for dockerfile and layers builds (the image is pushed there)")
public class GradingEnvironmentSpec {

  /**
   * A Kubernetes label value, case kept: INGInious takes any Docker label value (R, R-bio), and the
   * id becomes label values of the PodTemplate and its pods. metadata.name stays a lowercase DNS
   * name.
   */
  public static final String ENVIRONMENT_NAME_PATTERN =
      "^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$";

  @JsonPropertyDescription(
      "Environment id tasks refer to (label org.inginious.grading.name), case kept: letters, digits,"
          + " '.', '_', '-', at most 63 characters; defaults to metadata.name.")
  @Pattern(ENVIRONMENT_NAME_PATTERN)
  public String environmentName;

  @JsonPropertyDescription("Where builds push, or where the prebuilt image lives.")
  public ImageSpec image;

  @Required
  @JsonPropertyDescription(
      "How the image is obtained: exactly one of dockerfile, layers or prebuilt.")
  public BuildSpec build;

  @JsonPropertyDescription("What every grading pod of this environment gets.")
  public GradingSpec grading;
}
