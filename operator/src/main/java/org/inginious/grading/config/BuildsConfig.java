package org.inginious.grading.config;

import com.fasterxml.jackson.annotation.JsonInclude;

@JsonInclude(JsonInclude.Include.NON_NULL)
public record BuildsConfig(
    String kanikoImage, JibConfig jib, Integer successfulHistory, Integer failedHistory) {

  /** Upstream Kaniko was archived in 2025; a maintained fork keeps the executor's flags. */
  public static final String DEFAULT_KANIKO_IMAGE = "ghcr.io/osscontainertools/kaniko:latest";

  public static BuildsConfig defaults() {
    return new BuildsConfig(DEFAULT_KANIKO_IMAGE, JibConfig.defaults(), 3, 3);
  }

  public record JibConfig(Integer maxConcurrent, String cacheDir) {
    public static JibConfig defaults() {
      return new JibConfig(2, "/var/cache/jib");
    }
  }
}
