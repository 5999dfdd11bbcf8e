package org.inginious.grading.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;
import java.util.Map;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class LayersBuild {
  /** Written by the operator into GPU images (LayersPlan); the spec may not name them. */
  public static final List<String> OPERATOR_ENV =
      List.of("NVIDIA_VISIBLE_DEVICES", "NVIDIA_DRIVER_CAPABILITIES");

  @JsonPropertyDescription("Files to add: each key of the ConfigMap becomes a file under path.")
  public List<LayerFiles> files;

  @JsonPropertyDescription(
      "Environment variables of the image; not the NVIDIA variables, which the operator writes"
          + " for GPU environments.")
  @ValidationRule(
      value = "self.all(k, k.matches(r'" + Formats.ENV_NAME + "'))",
      message =
          "spec.build.layers.env names must be environment variable names: letters, digits, '_', '-' or '.',"
              + " not starting with a digit")
  @ValidationRule(
      value = "!('NVIDIA_VISIBLE_DEVICES' in self) && !('NVIDIA_DRIVER_CAPABILITIES' in self)",
      message =
          "spec.build.layers.env must not set NVIDIA_VISIBLE_DEVICES or NVIDIA_DRIVER_CAPABILITIES: the operator"
              + " writes them for GPU environments, and which GPUs a grading pod sees is the device plugin's choice")
  public Map<String, String> env;

  @JsonPropertyDescription("Working directory of the image.")
  @Size(max = Formats.PATH_MAX)
  @Pattern(Formats.ABSOLUTE_PATH)
  public String workingDir;
}
