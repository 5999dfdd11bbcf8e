package org.inginious.grading.config;

import com.fasterxml.jackson.annotation.JsonInclude;

@JsonInclude(JsonInclude.Include.NON_NULL)
public record BuildsConfig(
    String kanikoImage, JibConfig jib, Integer successfulHistory, Integer failedHistory) {

  /**
   * The executor of osscontainertools/kaniko, the community-maintained fork of Kaniko (upstream
   * GoogleContainerTools/kaniko was archived in June 2025; the fork keeps the executor's flags and
   * releases patch versions every two weeks, images signed with cosign). Pinned by release tag, not
   * by digest: no digest of this tag could be verified from public material when it was chosen.
   * Production installs should pin the digest they verified (`crane digest
   * ghcr.io/osscontainertools/kaniko:v1.28.3`) through `builds.kanikoImage`. Keep in sync with the
   * chart's values.yaml. Changing it rebuilds every dockerfile environment (the executor image is
   * an input of the build hash).
   */
  public static final String DEFAULT_KANIKO_IMAGE = "ghcr.io/osscontainertools/kaniko:v1.28.3";

  public static BuildsConfig defaults() {
    return new BuildsConfig(DEFAULT_KANIKO_IMAGE, JibConfig.defaults(), 3, 3);
  }

  public record JibConfig(Integer maxConcurrent, String cacheDir) {
    public static JibConfig defaults() {
      return new JibConfig(2, "/var/cache/jib");
    }
  }
}
