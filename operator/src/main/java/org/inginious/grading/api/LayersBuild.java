package org.inginious.grading.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;
import java.util.Map;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class LayersBuild {
  @JsonPropertyDescription("Files to add: each key of the ConfigMap becomes a file under path.")
  public List<LayerFiles> files;

  @JsonPropertyDescription("Environment variables of the image.")
  public Map<String, String> env;

  @JsonPropertyDescription("Working directory of the image.")
  public String workingDir;
}
