package org.inginious.grading.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class GpuSpec {
  public static final String DEFAULT_RESOURCE_NAME = "nvidia.com/gpu";

  @JsonPropertyDescription("GPUs per grading pod.")
  @Min(1)
  @Max(Formats.INT32_MAX)
  @Default("1")
  public Integer count;

  @JsonPropertyDescription(
      "Extended resource to request, e.g. nvidia.com/gpu or a MIG profile nvidia.com/mig-1g.5gb.")
  @Default(DEFAULT_RESOURCE_NAME)
  @Size(max = Formats.DNS_SUBDOMAIN_MAX + 64)
  @Pattern(Formats.EXTENDED_RESOURCE_NAME)
  @ValidationRule(
      value = Formats.EXTENDED_RESOURCE_RULE,
      message =
          "spec.grading.gpu.resourceName must be an extended"
              + " resource: its domain is not kubernetes.io and it does not start with requests.")
  public String resourceName;

  public int countOrDefault() {
    return count == null ? 1 : count;
  }

  public String resourceNameOrDefault() {
    return resourceName == null || resourceName.isBlank() ? DEFAULT_RESOURCE_NAME : resourceName;
  }
}
