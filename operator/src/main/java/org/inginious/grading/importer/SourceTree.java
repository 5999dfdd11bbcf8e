package org.inginious.grading.importer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The environment folders under the directory given to `import`: the directory itself when it holds
 * a Dockerfile, else every folder below it that does (INGInious/containers: {@code
 * grading/<name>/}), without looking inside those, plus the context.yml files beside them.
 */
record SourceTree(
    Path root, List<Path> folders, List<Path> withoutDockerfile, List<Path> contextFiles) {
  static final String DOCKERFILE = "Dockerfile";
  private static final int MAX_DEPTH = 4;

  static SourceTree scan(Path root) throws IOException {
    Path dir = root.toAbsolutePath().normalize();
    if (Files.isRegularFile(dir.resolve(DOCKERFILE))) {
      return new SourceTree(dir, List.of(dir), List.of(), contextFiles(Set.of(dir)));
    }
    List<Path> folders = new ArrayList<>();
    collect(dir, 0, folders);
    Set<Path> parents = new TreeSet<>();
    folders.forEach(f -> parents.add(f.getParent()));
    List<Path> withoutDockerfile = new ArrayList<>();
    for (Path parent : parents) {
      try (Stream<Path> children = Files.list(parent)) {
        children
            .filter(Files::isDirectory)
            .filter(c -> !c.getFileName().toString().startsWith("."))
            .filter(c -> folders.stream().noneMatch(f -> f.startsWith(c)))
            .sorted()
            .forEach(withoutDockerfile::add);
      }
    }
    Set<Path> withContext = new TreeSet<>(parents);
    withContext.add(dir);
    return new SourceTree(
        dir, List.copyOf(folders), List.copyOf(withoutDockerfile), contextFiles(withContext));
  }

  private static void collect(Path dir, int depth, List<Path> folders) throws IOException {
    if (depth > MAX_DEPTH) {
      return;
    }
    List<Path> children;
    try (Stream<Path> list = Files.list(dir)) {
      children =
          list.filter(Files::isDirectory)
              .filter(c -> !c.getFileName().toString().startsWith("."))
              .sorted()
              .toList();
    }
    for (Path child : children) {
      if (Files.isRegularFile(child.resolve(DOCKERFILE))) {
        folders.add(child);
      } else {
        collect(child, depth + 1, folders);
      }
    }
  }

  private static List<Path> contextFiles(Set<Path> dirs) {
    List<Path> files = new ArrayList<>();
    for (Path dir : new TreeSet<>(dirs)) {
      for (String name : List.of("context.yml", "context.yaml")) {
        if (Files.isRegularFile(dir.resolve(name))) {
          files.add(dir.resolve(name));
        }
      }
    }
    return files;
  }

  /** How messages name a folder: relative to the directory given, or its own name. */
  String relative(Path folder) {
    String relative = root.relativize(folder).toString().replace('\\', '/');
    return relative.isEmpty() ? folder.getFileName().toString() : relative;
  }

  static String folderKey(Path folder) {
    return folder.getFileName().toString().toLowerCase(Locale.ROOT);
  }
}
