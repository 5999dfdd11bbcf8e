package org.inginious.grading.image.registry;

import java.util.Map;
import java.util.Objects;

/**
 * An image reference resolved to what a pod pulls.
 *
 * @param repository registry host and name without tag or digest, e.g. {@code
 *     127.0.0.1:5000/env/php}
 * @param digest {@code sha256:...} of the manifest, or of the index for multi-arch images
 * @param labels {@code config.Labels} of the image (of its linux/amd64 entry for an index)
 */
public record ResolvedImage(String repository, String digest, Map<String, String> labels) {

  public ResolvedImage {
    Objects.requireNonNull(repository, "repository");
    Objects.requireNonNull(digest, "digest");
    labels = labels == null ? Map.of() : Map.copyOf(labels);
  }

  /** The reference to put in pods: {@code repository@sha256:...}. */
  public String pinnedReference() {
    return repository + "@" + digest;
  }
}
