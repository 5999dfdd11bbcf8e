package org.inginious.grading.image.layers;

import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.Jib;
import com.google.cloud.tools.jib.api.JibContainerBuilder;
import com.google.cloud.tools.jib.api.RegistryImage;
import com.google.cloud.tools.jib.api.TarImage;
import com.google.cloud.tools.jib.api.buildplan.AbsoluteUnixPath;
import com.google.cloud.tools.jib.api.buildplan.FileEntriesLayer;
import com.google.cloud.tools.jib.api.buildplan.FilePermissions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Comparator;
import java.util.Locale;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.inginious.grading.image.registry.RegistryCredentials;

/**
 * A request as jib's container: the base (from its registry, or a tarball the demo wrote), one
 * layer with the request's files (staged in a directory of their own), env, labels and working
 * directory, everything in a fixed order and with fixed times so the digest depends on the request
 * only.
 */
final class JibContainers {
  /** Every file's modification time in the layer: jib's own fixed default (epoch + 1 s). */
  static final Instant FILE_MODIFICATION_TIME = FileEntriesLayer.DEFAULT_MODIFICATION_TIME;

  private static final String STAGING_DIR = "grading-operator-staging";

  private JibContainers() {}

  /**
   * @param baseTarball the base as a tarball written earlier (demo), else the base is pulled
   * @param staging where the files are written for jib to read
   */
  static JibContainerBuilder of(
      LayersBuildRequest request,
      Optional<ImageReference> base,
      Optional<Path> baseTarball,
      Path staging)
      throws IOException {
    JibContainerBuilder builder =
        base.isPresent()
            ? baseTarball
                .map(tar -> Jib.from(TarImage.at(tar).named(base.get())))
                .orElseGet(() -> Jib.from(registryImage(base.get(), request.baseCredentials())))
            : Jib.fromScratch();
    if (!request.files().isEmpty()) {
      FileEntriesLayer.Builder layer = FileEntriesLayer.builder().setName("grading-files");
      int i = 0;
      for (LayersBuildRequest.FileEntry file : request.files()) {
        // jib reads layer contents from files. One fresh staging directory per build: jib's
        // application-layer cache keys on source path and modification time, so a reused path
        // could serve a stale layer; a fresh path only costs re-compressing a few small files.
        Path source = staging.resolve("f" + i++);
        Files.write(source, file.content());
        Files.setLastModifiedTime(source, FileTime.from(FILE_MODIFICATION_TIME));
        layer.addEntry(
            source,
            AbsoluteUnixPath.get(file.absolutePathInImage()),
            FilePermissions.fromOctalString(String.format(Locale.ROOT, "%03o", file.mode())),
            FILE_MODIFICATION_TIME);
      }
      builder.addFileEntriesLayer(layer.build());
    }
    // Key order, not the caller's map order: the same spec always gives the same config blob.
    builder.setEnvironment(new TreeMap<>(request.env()));
    builder.setLabels(new TreeMap<>(request.labels()));
    if (request.workingDir() != null && !request.workingDir().isBlank()) {
      builder.setWorkingDirectory(AbsoluteUnixPath.get(request.workingDir()));
    }
    builder.setCreationTime(
        Instant.EPOCH); // jib's default too; explicit because digests depend on it
    return builder;
  }

  static RegistryImage registryImage(
      ImageReference reference, Optional<RegistryCredentials> credentials) {
    RegistryImage image = RegistryImage.named(reference);
    credentials.ifPresent(c -> image.addCredential(c.username(), c.password()));
    return image;
  }

  /** A fresh staging directory for one build, inside jib's application-layer cache. */
  static Path stagingDirectory(Path applicationLayersCache) throws IOException {
    Path parent = applicationLayersCache.resolve(STAGING_DIR);
    Files.createDirectories(parent);
    return Files.createTempDirectory(parent, "build-");
  }

  static void deleteQuietly(Path dir) {
    if (dir == null) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a leftover staging directory is removed with the cache
    }
  }
}
