package org.inginious.grading.importer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The build context of an environment folder: its files minus the .dockerignore matches, by
 * slash-separated path, and how COPY/ADD sources select among them.
 */
final class BuildContext {
  /**
   * @param path relative, slash-separated
   * @param executable the owner may execute it (Docker keeps the mode; we give it 0755)
   */
  record ContextFile(String path, Path file, long size, boolean executable) {
    String name() {
      return path.substring(path.lastIndexOf('/') + 1);
    }

    boolean inSubdirectory() {
      return path.indexOf('/') >= 0;
    }

    byte[] read() {
      try {
        return Files.readAllBytes(file);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** A file a COPY source selects, and where it lands relative to the destination directory. */
  record Selected(ContextFile file, String relativeTarget) {}

  private final Map<String, ContextFile> files;
  private final List<String> symlinks;

  private BuildContext(Map<String, ContextFile> files, List<String> symlinks) {
    this.files = files;
    this.symlinks = symlinks;
  }

  static BuildContext of(Path folder) throws IOException {
    Path ignoreFile = folder.resolve(".dockerignore");
    Dockerignore ignore =
        Files.isRegularFile(ignoreFile)
            ? Dockerignore.parse(Files.readString(ignoreFile))
            : Dockerignore.none();
    Map<String, ContextFile> files = new TreeMap<>();
    List<String> symlinks = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(folder)) {
      for (Path file : walk.sorted().toList()) {
        String path =
            folder.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/");
        if (path.isEmpty()
            || Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS)
            || ignore.excludes(path)) {
          continue;
        }
        if (Files.isSymbolicLink(file)) {
          symlinks.add(path);
        } else if (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
          files.put(path, new ContextFile(path, file, Files.size(file), ownerExecutable(file)));
        }
      }
    }
    return new BuildContext(files, List.copyOf(symlinks));
  }

  List<ContextFile> files() {
    return List.copyOf(files.values());
  }

  /** Symbolic links: Docker copies them as links; a ConfigMap cannot hold one. */
  List<String> symlinks() {
    return symlinks;
  }

  /**
   * What a COPY/ADD source selects: a file, a directory's contents, or glob matches; empty when
   * nothing matches. The source must already be context-relative (see
   * ContextPaths.normalizeRelative).
   */
  List<Selected> select(String source) {
    List<Selected> selected = new ArrayList<>();
    if (source.equals(".")) {
      files.values().forEach(f -> selected.add(new Selected(f, f.path())));
      return selected;
    }
    if (!ContextPaths.hasWildcard(source)) {
      selectPath(source, selected);
      return selected;
    }
    // a glob may match files and directories alike (a directory brings its contents)
    Pattern glob = ContextPaths.glob(source, false);
    Set<String> candidates = new LinkedHashSet<>();
    for (String path : files.keySet()) {
      for (int slash = path.indexOf('/'); slash >= 0; slash = path.indexOf('/', slash + 1)) {
        candidates.add(path.substring(0, slash));
      }
      candidates.add(path);
    }
    candidates.stream()
        .filter(path -> glob.matcher(path).matches())
        .forEach(path -> selectPath(path, selected));
    return selected;
  }

  private void selectPath(String path, List<Selected> selected) {
    ContextFile file = files.get(path);
    if (file != null) {
      selected.add(new Selected(file, file.name()));
      return;
    }
    String prefix = path + "/";
    files.values().stream()
        .filter(f -> f.path().startsWith(prefix))
        .forEach(f -> selected.add(new Selected(f, f.path().substring(prefix.length()))));
  }

  boolean isFile(String path) {
    return files.containsKey(path);
  }

  private static boolean ownerExecutable(Path file) {
    try {
      return Files.getPosixFilePermissions(file).contains(PosixFilePermission.OWNER_EXECUTE);
    } catch (UnsupportedOperationException | IOException e) {
      return false;
    }
  }
}
