package org.inginious.grading.importer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * INGInious/containers' {@code context.yml}: which image folder is built on which ({@code images:
 * {pyjavacpp: [cpp]}}), folders relative to {@code base_path}. Its CI builds in that order; here it
 * names the base when a FROM line does not.
 */
final class ContextGraph {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  /** folder path (absolute, normalized) -> the folders it is built on */
  private final Map<Path, List<Path>> dependencies;

  private ContextGraph(Map<Path, List<Path>> dependencies) {
    this.dependencies = dependencies;
  }

  static ContextGraph empty() {
    return new ContextGraph(Map.of());
  }

  /**
   * Reads every given context.yml; a file that does not parse is a problem for the caller to
   * report.
   */
  static ContextGraph read(List<Path> files, List<String> problems) {
    Map<Path, List<Path>> dependencies = new TreeMap<>();
    for (Path file : files) {
      try {
        JsonNode root = YAML.readTree(file.toFile());
        if (root == null || !root.path("images").isObject()) {
          problems.add(file.getFileName() + ": no 'images' map; ignored");
          continue;
        }
        Path base = file.getParent().resolve(root.path("base_path").asText(".")).normalize();
        root.path("images")
            .fields()
            .forEachRemaining(
                entry -> {
                  List<Path> on = new ArrayList<>();
                  entry
                      .getValue()
                      .forEach(dependency -> on.add(base.resolve(dependency.asText()).normalize()));
                  dependencies.put(base.resolve(entry.getKey()).normalize(), List.copyOf(on));
                });
      } catch (IOException e) {
        problems.add(
            file.getFileName()
                + ": not valid YAML ("
                + e.getMessage().lines().findFirst().orElse("")
                + "); ignored");
      }
    }
    return new ContextGraph(dependencies);
  }

  List<Path> dependenciesOf(Path folder) {
    return dependencies.getOrDefault(folder.toAbsolutePath().normalize(), List.of());
  }

  /** Folders the file names that hold no Dockerfile here (often ones retired since). */
  List<Path> listedFolders() {
    return List.copyOf(dependencies.keySet());
  }
}
