package org.inginious.grading.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class GradingEnvironmentStatus {
  public Long observedGeneration;
  public Phase phase;

  /** The environment id in effect (spec.environmentName, else metadata.name), for `kubectl get`. */
  public String environmentName;

  /** repository@sha256:... */
  public String image;

  /** Hash of every build input, the base digest included. */
  public String buildHash;

  public String runtimeClassName;
  public String podTemplate;
  public BuildStatus build;

  @JsonPropertyDescription("Nodes grading pods can run on, and how many of them are Ready.")
  public NodesStatus nodes;

  @JsonPropertyDescription(
      "Pre-pull of the current image: nodes to pull it on, and nodes that have it.")
  public PrePullStatus prePull;

  public List<Condition> conditions = new ArrayList<>();
}
