package org.inginious.grading.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** The nodes grading pods of an environment can be placed on. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class NodesStatus {
  @JsonPropertyDescription(
      "Nodes that grading pods can run on: the RuntimeClass's and the spec's node selector,"
          + " tolerated taints and, with GPUs, enough allocatable GPUs.")
  public Integer eligible;

  @JsonPropertyDescription("Eligible nodes that are Ready.")
  public Integer ready;

  public NodesStatus() {}

  public NodesStatus(int eligible, int ready) {
    this.eligible = eligible;
    this.ready = ready;
  }
}
