package org.inginious.grading.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class PrebuiltImage {
  @Required
  @JsonPropertyDescription(
      "Image reference (tag or digest), e.g. ghcr.io/inginious/env-default:latest.")
  @Size(min = 1, max = Formats.IMAGE_MAX)
  @Pattern(Formats.IMAGE_REFERENCE)
  public String image;
}
