package org.inginious.grading.helm;

import com.fasterxml.jackson.core.type.TypeReference;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** Renders and lints the chart of {@code helm/grading-environment-operator} with helm-java. */
public final class ChartFixture {

  static final String RELEASE = "grading-environment-operator";
  public static final String NAMESPACE = "grading-system";
  static final String FULLNAME = "grading-environment-operator";

  /** Kubernetes version the chart is rendered for (helm-java defaults to 1.20). */
  static final String KUBE_VERSION = "1.30.0";

  private ChartFixture() {}

  /**
   * The project root: surefire's {@code project.root}, else the folder holding operator/ (a program
   * run from it).
   */
  static Path projectRoot() {
    String fallback = Files.isRegularFile(Paths.get("operator", "pom.xml")) ? "." : "..";
    return Paths.get(System.getProperty("project.root", fallback)).toAbsolutePath().normalize();
  }

  static Path chartDir() {
    return projectRoot().resolve("helm").resolve("grading-environment-operator");
  }

  /** {@code helm template} with the chart's values overridden by {@code values} (a values file). */
  static String renderYaml(Map<String, Object> values) {
    Path valuesFile = null;
    try {
      TemplateCommand template =
          new Helm(chartDir())
              .template()
              .withName(RELEASE)
              .withNamespace(NAMESPACE)
              .withKubeVersion(KUBE_VERSION)
              .skipCrds();
      if (!values.isEmpty()) {
        valuesFile = Files.createTempFile("values-", ".yaml");
        Files.writeString(valuesFile, Serialization.asYaml(values));
        template = template.withValuesFile(valuesFile);
      }
      return template.call();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      deleteQuietly(valuesFile);
    }
  }

  /** Every object rendered with these value overrides, parsed with fabric8's model. */
  public static List<HasMetadata> render(Map<String, Object> values) {
    return parse(renderYaml(values));
  }

  static List<HasMetadata> render() {
    return render(Map.of());
  }

  /** Splits a multi-document YAML stream and unmarshals each non-empty document. */
  static List<HasMetadata> parse(String multiDocumentYaml) {
    List<HasMetadata> objects = new ArrayList<>();
    for (String document : multiDocumentYaml.split("(?m)^---\\s*$")) {
      boolean empty =
          document
              .lines()
              .map(String::strip)
              .allMatch(line -> line.isEmpty() || line.startsWith("#"));
      if (!empty) {
        objects.add(Serialization.unmarshal(document, HasMetadata.class));
      }
    }
    return objects;
  }

  static Deployment deployment(List<HasMetadata> objects) {
    return only(objects, Deployment.class);
  }

  public static <T extends HasMetadata> List<T> all(List<HasMetadata> objects, Class<T> type) {
    return objects.stream().filter(type::isInstance).map(type::cast).toList();
  }

  static List<HasMetadata> ofKind(List<HasMetadata> objects, String kind) {
    return objects.stream().filter(o -> kind.equals(o.getKind())).toList();
  }

  static <T extends HasMetadata> T only(List<HasMetadata> objects, Class<T> type) {
    List<T> matching = all(objects, type);
    if (matching.size() != 1) {
      throw new AssertionError("expected one " + type.getSimpleName() + ", got " + matching.size());
    }
    return matching.get(0);
  }

  /**
   * {@code helm lint --strict} of the chart with these value overrides. helm-java's lint takes no
   * values, so the chart is copied to {@code workDir} and the overrides are merged into its
   * values.yaml.
   */
  static LintResult lintStrict(Map<String, Object> values, Path workDir) {
    Path chart = chartDir();
    if (!values.isEmpty()) {
      chart = workDir.resolve("grading-environment-operator");
      copyTree(chartDir(), chart);
      Map<String, Object> merged =
          Serialization.unmarshal(
              read(chartDir().resolve("values.yaml")), new TypeReference<>() {});
      deepMerge(merged, values);
      write(chart.resolve("values.yaml"), Serialization.asYaml(merged));
    }
    return new Helm(chart).lint().strict().call();
  }

  /** Nested maps: {@code values("a.b", 1, "c", 2)} is {@code {a: {b: 1}, c: 2}}. */
  public static Map<String, Object> values(Object... pathsAndValues) {
    Map<String, Object> values = new LinkedHashMap<>();
    for (int i = 0; i < pathsAndValues.length; i += 2) {
      String[] path = ((String) pathsAndValues[i]).split("\\.");
      Map<String, Object> current = values;
      for (int p = 0; p < path.length - 1; p++) {
        @SuppressWarnings("unchecked")
        Map<String, Object> next =
            (Map<String, Object>) current.computeIfAbsent(path[p], k -> new LinkedHashMap<>());
        current = next;
      }
      current.put(path[path.length - 1], pathsAndValues[i + 1]);
    }
    return values;
  }

  @SuppressWarnings("unchecked")
  private static void deepMerge(Map<String, Object> target, Map<String, Object> overrides) {
    overrides.forEach(
        (key, value) -> {
          Object existing = target.get(key);
          if (existing instanceof Map && value instanceof Map) {
            Map<String, Object> copy = new LinkedHashMap<>((Map<String, Object>) existing);
            deepMerge(copy, (Map<String, Object>) value);
            target.put(key, copy);
          } else {
            target.put(key, value);
          }
        });
  }

  static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void write(Path file, String content) {
    try {
      Files.writeString(file, content);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void copyTree(Path from, Path to) {
    try (Stream<Path> paths = Files.walk(from)) {
      for (Path source : (Iterable<Path>) paths::iterator) {
        Path target = to.resolve(from.relativize(source).toString());
        if (Files.isDirectory(source)) {
          Files.createDirectories(target);
        } else {
          Files.copy(source, target);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void deleteQuietly(Path file) {
    if (file != null) {
      try {
        Files.deleteIfExists(file);
      } catch (IOException ignored) {
        // a temp file
      }
    }
  }
}
