package org.inginious.grading.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/** The OCI runtime grading pods run under; INGInious knows runc, crun, kata and nvidia. */
public enum Runtime {
  @JsonProperty("auto")
  AUTO,
  @JsonProperty("runc")
  RUNC,
  @JsonProperty("crun")
  CRUN,
  @JsonProperty("kata")
  KATA,
  @JsonProperty("nvidia")
  NVIDIA;

  public String id() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
