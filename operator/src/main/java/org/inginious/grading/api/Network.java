package org.inginious.grading.api;

import com.fasterxml.jackson.annotation.JsonProperty;

public enum Network {
  @JsonProperty("none")
  NONE,
  @JsonProperty("allowed")
  ALLOWED
}
