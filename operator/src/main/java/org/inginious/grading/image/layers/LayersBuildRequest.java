package org.inginious.grading.image.layers;

import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.inginious.grading.image.registry.RegistryCredentials;

/**
 * Everything a {@code layers} build needs, already resolved by the caller (ConfigMap contents,
 * credentials from Secrets, the base pinned by digest). {@link #toString()} never shows credentials
 * or file contents.
 *
 * @param base the image to start from ({@code registry/repository:tag} or {@code @sha256:...});
 *     empty for {@code scratch}
 * @param baseCredentials to pull {@code base}
 * @param files the files of the one application layer, in this order
 * @param env environment variables, merged over the base image's (ours win); written in key order
 *     whatever the map's order
 * @param workingDir absolute path, or {@code null} to keep the base image's
 * @param labels image labels, merged over the base image's (ours win); key order too
 * @param target {@code registry/repository:tag} to push to
 * @param targetCredentials to push {@code target}
 * @param insecure allow plain HTTP and unverified TLS for both base and target registries
 * @param timeout the whole build, pull to push; longer builds fail with {@code BuildTimeout}
 */
public record LayersBuildRequest(
    Optional<String> base,
    Optional<RegistryCredentials> baseCredentials,
    List<FileEntry> files,
    Map<String, String> env,
    String workingDir,
    Map<String, String> labels,
    String target,
    Optional<RegistryCredentials> targetCredentials,
    boolean insecure,
    Duration timeout) {

  public LayersBuildRequest {
    base = base == null ? Optional.empty() : base.filter(b -> !b.isBlank());
    baseCredentials = baseCredentials == null ? Optional.empty() : baseCredentials;
    files = files == null ? List.of() : List.copyOf(files);
    java.util.Set<String> paths = new java.util.HashSet<>();
    for (FileEntry f : files) {
      if (!paths.add(f.absolutePathInImage())) {
        throw new IllegalArgumentException(
            "two files have the same path in the image: " + f.absolutePathInImage());
      }
    }
    env = env == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(env));
    labels =
        labels == null
            ? Map.of()
            : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(labels));
    Objects.requireNonNull(target, "target");
    targetCredentials = targetCredentials == null ? Optional.empty() : targetCredentials;
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive, got " + timeout);
    }
  }

  @Override
  public String toString() {
    return "LayersBuildRequest[base="
        + base.orElse("scratch")
        + ", baseCredentials="
        + baseCredentials.map(c -> c.username() + ":***").orElse("none")
        + ", files="
        + files.stream().map(FileEntry::toString).toList()
        + ", env="
        + env.keySet()
        + ", workingDir="
        + workingDir
        + ", labels="
        + labels
        + ", target="
        + target
        + ", targetCredentials="
        + targetCredentials.map(c -> c.username() + ":***").orElse("none")
        + ", insecure="
        + insecure
        + ", timeout="
        + timeout
        + "]";
  }

  /**
   * One file of the application layer.
   *
   * @param absolutePathInImage e.g. {@code /opt/oz/lib/Base.ozf}
   * @param content the bytes (ConfigMap {@code data} as UTF-8, or {@code binaryData})
   * @param mode permission bits, e.g. {@code 0644} (octal literal) or {@link #parseMode(String)}
   */
  public record FileEntry(String absolutePathInImage, byte[] content, int mode) {

    public FileEntry {
      Objects.requireNonNull(absolutePathInImage, "absolutePathInImage");
      if (!absolutePathInImage.startsWith("/")) {
        throw new IllegalArgumentException(
            "file path in the image must be absolute: " + absolutePathInImage);
      }
      if (absolutePathInImage.endsWith("/")) {
        throw new IllegalArgumentException(
            "file path in the image must name a file: " + absolutePathInImage);
      }
      Objects.requireNonNull(content, "content");
      content = content.clone();
      if (mode < 0 || mode > 0777) {
        // jib writes the nine permission bits only: no setuid/setgid/sticky
        throw new IllegalArgumentException(
            "mode of "
                + absolutePathInImage
                + " must be between 0000 and 0777, got 0"
                + Integer.toOctalString(mode));
      }
    }

    public static FileEntry of(String absolutePathInImage, String utf8Content, int mode) {
      return new FileEntry(
          absolutePathInImage, utf8Content.getBytes(java.nio.charset.StandardCharsets.UTF_8), mode);
    }

    /** {@code "0644"}, {@code "644"} or {@code "0o644"} -> {@code 0644}. */
    public static int parseMode(String octal) {
      String s = octal == null ? "" : octal.trim();
      if (s.startsWith("0o") || s.startsWith("0O")) {
        s = s.substring(2);
      }
      if (!s.matches("[0-7]{1,4}")) {
        throw new IllegalArgumentException("\"" + octal + "\" is not an octal file mode like 0644");
      }
      int mode = Integer.parseInt(s, 8);
      if (mode > 0777) {
        throw new IllegalArgumentException(
            "\"" + octal + "\": setuid, setgid and sticky bits are not supported");
      }
      return mode;
    }

    @Override
    public byte[] content() {
      return content.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof FileEntry f
          && f.absolutePathInImage.equals(absolutePathInImage)
          && f.mode == mode
          && Arrays.equals(f.content, content);
    }

    @Override
    public int hashCode() {
      return Objects.hash(absolutePathInImage, mode, Arrays.hashCode(content));
    }

    @Override
    public String toString() {
      return absolutePathInImage
          + " ("
          + content.length
          + " bytes, 0"
          + Integer.toOctalString(mode)
          + ")";
    }
  }
}
