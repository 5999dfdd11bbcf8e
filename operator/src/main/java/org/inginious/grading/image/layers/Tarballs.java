package org.inginious.grading.image.layers;

import com.google.cloud.tools.jib.api.ImageReference;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * For the `demo`, where no registry may be reachable: images written as tarballs (docker save
 * format) into a directory instead of being pushed, and read back by digest when a later build
 * starts from one of them.
 */
final class Tarballs {
  private final Path directory;
  private final Map<String, Path> byDigest = new ConcurrentHashMap<>();

  Tarballs(Path directory) {
    this.directory = directory.toAbsolutePath();
  }

  /**
   * Where the image of {@code target} is written; {@code repository} is its name as pods pull it.
   */
  Path of(ImageReference target, String repository) {
    return directory.resolve(
        repository.replaceAll("[^A-Za-z0-9._-]", "_") + "_" + target.getQualifier() + ".tar");
  }

  void written(String digest, Path tarball) {
    byDigest.put(digest, tarball);
  }

  /** The tarball of an image built earlier, when {@code base} is pinned to its digest. */
  Optional<Path> of(ImageReference base) {
    return base.getDigest().map(byDigest::get);
  }
}
