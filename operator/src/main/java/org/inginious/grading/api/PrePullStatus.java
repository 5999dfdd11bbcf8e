package org.inginious.grading.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** How far the current image is pulled on the nodes that can run it (spec.grading.prePull). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PrePullStatus {
  @JsonPropertyDescription("Nodes the pre-pull DaemonSet of the environment's placement runs on.")
  public Integer desired;

  @JsonPropertyDescription(
      "Of those, nodes known to hold the current image (an up-to-date pre-pull pod is Ready).")
  public Integer pulled;

  @JsonPropertyDescription(
      "The pre-pull DaemonSet of the environment's placement, in its namespace; environments"
          + " sharing an image share its init container there.")
  public String daemonSet;

  public PrePullStatus() {}

  public PrePullStatus(int desired, int pulled, String daemonSet) {
    this.desired = desired;
    this.pulled = pulled;
    this.daemonSet = daemonSet;
  }
}
