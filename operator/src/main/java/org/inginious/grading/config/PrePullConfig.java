package org.inginious.grading.config;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Keeping each environment's current image pulled on the nodes that can run it (one DaemonSet per
 * placement group and namespace, see placement.prepull).
 *
 * @param enabled the default of environments that leave {@code spec.grading.prePull} unset
 * @param pauseImage the main container of pre-pull pods: it only has to stay up
 * @param helperImage a static busybox, copied into each pre-pull pod so that environment images
 *     need no shell or binary of their own to run a no-op
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PrePullConfig(Boolean enabled, String pauseImage, String helperImage) {

  /** Kubernetes' own pause image; the digest is that of the multi-arch index of tag 3.10. */
  public static final String DEFAULT_PAUSE_IMAGE =
      "registry.k8s.io/pause:3.10@sha256:ee6521f290b2168b6e0935a181d4cff9be1ac3f505666ef0e3c98fae8199917a";

  /**
   * The statically linked musl busybox of the Docker official image; the digest is that of the
   * multi-arch index docker-library/repo-info recorded for tag 1.37.0-musl (the tag is rebuilt from
   * time to time, the digest stays). Keep in sync with the chart's values.yaml.
   */
  public static final String DEFAULT_HELPER_IMAGE =
      "docker.io/library/busybox:1.37.0-musl@sha256:fc6dddc4c44b1bfe37f41cae8e67d1693828e8f42a91862816d7953e2c9d3f23";

  public static PrePullConfig defaults() {
    return new PrePullConfig(true, DEFAULT_PAUSE_IMAGE, DEFAULT_HELPER_IMAGE);
  }

  public boolean isEnabled() {
    return !Boolean.FALSE.equals(enabled);
  }

  PrePullConfig overlay(PrePullConfig given) {
    return given == null
        ? this
        : new PrePullConfig(
            given.enabled != null ? given.enabled : enabled,
            given.pauseImage != null ? given.pauseImage : pauseImage,
            given.helperImage != null ? given.helperImage : helperImage);
  }
}
