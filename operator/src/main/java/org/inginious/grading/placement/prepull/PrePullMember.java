package org.inginious.grading.placement.prepull;

import java.util.Objects;
import org.inginious.grading.api.GradingEnvironment;

/**
 * One environment of a pre-pull DaemonSet: its owner reference there and the image one init
 * container keeps pulled.
 *
 * @param name the environment's metadata.name
 * @param image repository@sha256:... (the environment's current image)
 */
public record PrePullMember(String name, String uid, String apiVersion, String kind, String image) {

  public PrePullMember {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(uid, "uid");
    Objects.requireNonNull(apiVersion, "apiVersion");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(image, "image");
  }

  public static PrePullMember of(GradingEnvironment environment, String image) {
    return new PrePullMember(
        environment.getMetadata().getName(),
        environment.getMetadata().getUid(),
        environment.getApiVersion(),
        environment.getKind(),
        image);
  }
}
