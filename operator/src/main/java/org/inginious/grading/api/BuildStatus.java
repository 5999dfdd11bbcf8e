package org.inginious.grading.api;

import com.fasterxml.jackson.annotation.JsonInclude;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class BuildStatus {
  public String name;
  public String startTime;
  public String completionTime;
  public String reason;
  public String message;
  public String logTail;
}
