package org.inginious.grading.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.Map;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "has(self.inline) != has(self.configMapRef)",
    message =
        "exactly one of spec.build.dockerfile.inline or spec.build.dockerfile.configMapRef must be set")
public class DockerfileBuild {
  /**
   * Some character that is not white space (patterns are searched, not anchored, as the API server
   * does).
   */
  public static final String NOT_BLANK = "\\S";

  @JsonPropertyDescription("The Dockerfile itself.")
  @Pattern(NOT_BLANK) // an empty Dockerfile builds nothing: refuse it before a Job starts
  public String inline;

  @JsonPropertyDescription("A ConfigMap key holding the Dockerfile (key defaults to 'Dockerfile').")
  public ConfigMapKeyReference configMapRef;

  @JsonPropertyDescription("A ConfigMap whose keys are files of the build context (for COPY/ADD).")
  public ConfigMapReference contextConfigMapRef;

  @JsonPropertyDescription(
      "Build arguments; BASE_IMAGE is set by the operator from spec.build.base.")
  @ValidationRule(
      value = "self.all(k, k.matches(r'" + Formats.BUILD_ARG_NAME + "'))",
      message =
          "spec.build.dockerfile.buildArgs names must be ARG names: a letter or '_', then letters, digits or '_'")
  public Map<String, String> buildArgs;

  @JsonPropertyDescription("Multi-stage build target.")
  public String target;
}
