package org.inginious.grading.image.layers;

import java.time.Duration;
import java.util.Objects;

/**
 * A pushed image.
 *
 * @param digest {@code sha256:...} of the manifest, as the registry reports it
 * @param imageReference {@code registry/repository@sha256:...}, what pods pull
 * @param uploadedLayerBlobs layer blobs actually sent to the target registry (0 when the registry
 *     had every layer already, e.g. an unchanged rebuild; blobs mounted from the base repository
 *     are not counted)
 * @param uploadedBlobs every blob sent, the container configuration included
 * @param elapsed wall time of the build
 */
public record BuildResult(
    String digest,
    String imageReference,
    int uploadedLayerBlobs,
    int uploadedBlobs,
    Duration elapsed) {

  public BuildResult {
    Objects.requireNonNull(digest, "digest");
    Objects.requireNonNull(imageReference, "imageReference");
    Objects.requireNonNull(elapsed, "elapsed");
  }
}
