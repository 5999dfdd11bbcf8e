package org.inginious.grading.importer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Writes an import for {@code kubectl apply -k}: {@code environments/<name>.yaml}, the ConfigMaps'
 * files under {@code contexts/<configmap>/} (contexts stay files in Git) and a kustomization.yaml
 * whose configMapGenerator builds the ConfigMaps. An output directory is only ever replaced when a
 * previous import wrote it.
 */
public final class OutputWriter {
  static final String MARKER = "# Written by `grading-environment-operator import`";
  static final String ENVIRONMENTS = "environments";
  static final String CONTEXTS = "contexts";
  static final String KUSTOMIZATION = "kustomization.yaml";

  /** The directory holds something else than a previous import. */
  public static class NotOursException extends IOException {
    NotOursException(String message) {
      super(message);
    }
  }

  private OutputWriter() {}

  public static void write(ImportResult result, Path dir) throws IOException {
    prepare(dir);
    for (ImportedEnvironment environment : result.imported()) {
      write(
          dir.resolve(ENVIRONMENTS).resolve(environment.metadataName() + ".yaml"),
          environment.manifest().getBytes(StandardCharsets.UTF_8));
    }
    for (ContextConfigMap configMap : result.configMaps()) {
      for (Map.Entry<String, byte[]> file : configMap.files().entrySet()) {
        write(
            dir.resolve(CONTEXTS).resolve(configMap.name()).resolve(file.getKey()),
            file.getValue());
      }
    }
    write(dir.resolve(KUSTOMIZATION), kustomization(result).getBytes(StandardCharsets.UTF_8));
  }

  static String kustomization(ImportResult result) {
    StringBuilder out =
        new StringBuilder(
            MARKER + " from " + result.sourceName() + "/: import again rather than edit.\n");
    out.append("# Apply with: kubectl apply --server-side -k <this directory>\n");
    out.append("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n");
    if (result.namespace() != null) {
      out.append("namespace: ").append(result.namespace()).append('\n');
    }
    out.append("generatorOptions:\n");
    out.append(
        "  # the GradingEnvironments name their ConfigMaps; a changed file rebuilds through the operator's watch\n");
    out.append("  disableNameSuffixHash: true\n");
    out.append("resources:\n");
    result.imported().stream()
        .map(ImportedEnvironment::metadataName)
        .sorted()
        .forEach(
            name ->
                out.append("- ").append(ENVIRONMENTS).append('/').append(name).append(".yaml\n"));
    List<ContextConfigMap> configMaps = result.configMaps();
    if (!configMaps.isEmpty()) {
      out.append("configMapGenerator:\n");
      for (ContextConfigMap configMap : configMaps) {
        out.append("- name: ").append(configMap.name()).append("\n  files:\n");
        configMap
            .files()
            .keySet()
            .forEach(
                key ->
                    out.append("  - ")
                        .append(CONTEXTS)
                        .append('/')
                        .append(configMap.name())
                        .append('/')
                        .append(key)
                        .append('\n'));
      }
    }
    return out.toString();
  }

  /**
   * Absent, empty, or a previous import (its kustomization.yaml carries the marker): then emptied
   * of what we wrote.
   */
  private static void prepare(Path dir) throws IOException {
    Path kustomization = dir.resolve(KUSTOMIZATION);
    if (Files.exists(kustomization)) {
      String first =
          Files.readAllLines(kustomization, StandardCharsets.UTF_8).stream().findFirst().orElse("");
      if (!first.startsWith(MARKER)) {
        throw new NotOursException(
            kustomization + " was not written by import: choose another output directory");
      }
    } else if (Files.exists(dir.resolve(ENVIRONMENTS)) || Files.exists(dir.resolve(CONTEXTS))) {
      throw new NotOursException(
          dir
              + " has environments/ or contexts/ but no kustomization.yaml written by import:"
              + " choose another output directory");
    }
    deleteRecursively(dir.resolve(ENVIRONMENTS));
    deleteRecursively(dir.resolve(CONTEXTS));
    Files.deleteIfExists(kustomization);
    Files.createDirectories(dir);
  }

  private static void write(Path file, byte[] content) throws IOException {
    Files.createDirectories(file.getParent());
    Files.write(file, content);
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }
}
