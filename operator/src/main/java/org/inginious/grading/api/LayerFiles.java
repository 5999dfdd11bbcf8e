package org.inginious.grading.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class LayerFiles {
  @Required public ConfigMapReference configMapRef;

  @Required
  @JsonPropertyDescription("Absolute directory the ConfigMap's keys are written to.")
  @Size(max = Formats.PATH_MAX)
  @Pattern(Formats.ABSOLUTE_PATH)
  public String path;

  @JsonPropertyDescription("Octal file mode, default 0644.")
  @Pattern("^0?[0-7]{3}$")
  public String mode;
}
