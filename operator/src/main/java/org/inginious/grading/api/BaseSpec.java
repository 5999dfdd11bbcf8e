package org.inginious.grading.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "has(self.environment) != has(self.image)",
    message = "exactly one of spec.build.base.environment or spec.build.base.image must be set")
public class BaseSpec {
  @JsonPropertyDescription("Another GradingEnvironment of this namespace, pinned to its digest.")
  @Size(max = Formats.DNS_SUBDOMAIN_MAX)
  @Pattern(Formats.DNS_SUBDOMAIN)
  public String environment;

  @JsonPropertyDescription("A plain image reference.")
  @Size(max = Formats.IMAGE_MAX)
  @Pattern(Formats.IMAGE_REFERENCE)
  public String image;
}
