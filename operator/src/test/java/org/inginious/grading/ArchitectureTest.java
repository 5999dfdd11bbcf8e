package org.inginious.grading;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The package dependencies of the operator's main sources, read from the sources themselves: every
 * {@code org.inginious.grading.<package>.<Type>} the code names (imports, static imports, fully
 * qualified uses), comments and string literals left out. Packages are named relative to {@code
 * org.inginious.grading}; {@code image.layers} is a package of its own, not part of {@code image}.
 *
 * <p>Dependencies point one way: {@code reconciler -> image -> placement -> api}, nothing back.
 */
class ArchitectureTest {
  private static final Path SOURCES =
      Path.of(System.getProperty("project.root", ".."))
          .resolve("operator/src/main/java")
          .toAbsolutePath()
          .normalize();
  private static final String ROOT = "org.inginious.grading";
  private static final Pattern PACKAGE = Pattern.compile("(?m)^\\s*package\\s+([\\w.]+)\\s*;");

  /** A name of ours: lower-case package segments, then a type (or a wildcard import). */
  private static final Pattern REFERENCE =
      Pattern.compile(
          "\\b"
              + Pattern.quote(ROOT)
              + "\\.(?:((?:[a-z_][a-z0-9_]*\\.)*[a-z_][a-z0-9_]*)\\.)?(?:[A-Z]|\\*)");

  /** The root package: the composition root (GradingOperator), which wires everything together. */
  private static final String COMPOSITION_ROOT = "(root)";

  /**
   * Who may import whom inside image: the dispatcher imports the kinds, the kinds the shared leaf.
   */
  private static final Map<String, Set<String>> IMAGE_MAY_IMPORT =
      Map.of(
          "image",
              Set.of(
                  "image.common",
                  "image.prebuilt",
                  "image.layers",
                  "image.dockerfile",
                  "image.registry"),
          "image.prebuilt", Set.of("image.common", "image.registry"),
          "image.layers", Set.of("image.common", "image.registry"),
          "image.dockerfile", Set.of("image.common", "image.registry"),
          "image.common", Set.of("image.registry"),
          "image.registry", Set.of());

  /** package -> package it names -> the files that name it. */
  private static Map<String, Map<String, Set<String>>> graph;

  @BeforeAll
  static void readSources() throws IOException {
    graph = new TreeMap<>();
    try (Stream<Path> files = Files.walk(SOURCES)) {
      files.filter(f -> f.toString().endsWith(".java")).forEach(ArchitectureTest::read);
    }
  }

  private static void read(Path file) {
    String source;
    try {
      source = Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String code = withoutCommentsAndLiterals(source);
    Matcher declared = PACKAGE.matcher(code);
    if (!declared.find() || !declared.group(1).startsWith(ROOT)) {
      return;
    }
    String from =
        declared.group(1).equals(ROOT)
            ? COMPOSITION_ROOT
            : declared.group(1).substring(ROOT.length() + 1);
    Map<String, Set<String>> edges = graph.computeIfAbsent(from, p -> new TreeMap<>());
    Matcher reference = REFERENCE.matcher(code.substring(declared.end()));
    while (reference.find()) {
      String to = reference.group(1) == null ? COMPOSITION_ROOT : reference.group(1);
      if (!to.equals(from)) {
        edges.computeIfAbsent(to, p -> new TreeSet<>()).add(SOURCES.relativize(file).toString());
      }
    }
  }

  @Test
  void theSourcesAreRead() {
    assertThat(graph)
        .as("packages found under " + SOURCES)
        .containsKeys(
            "api",
            "config",
            "placement",
            "image",
            "image.common",
            "image.layers",
            "reconciler",
            "cli",
            COMPOSITION_ROOT);
    assertThat(graph.get("cli"))
        .as("the command line starts the composition root")
        .containsKey(COMPOSITION_ROOT);
    assertThat(graph.get("reconciler"))
        .as("what the reconciler imports")
        .containsKeys("image", "image.common", "api");
    assertThat(graph.get("image"))
        .as("what the dispatcher imports")
        .containsKeys("image.layers", "image.common");
  }

  @Test
  void noCyclesBetweenPackages() {
    List<String> cycles = new ArrayList<>();
    Set<String> reported = new TreeSet<>();
    for (String start : graph.keySet()) {
      findCycle(start, new ArrayList<>(), new TreeSet<>())
          .ifPresent(
              cycle -> {
                // one report per cycle, whichever package it was found from
                if (reported.add(new TreeSet<>(cycle).toString())) {
                  cycles.add(describe(cycle));
                }
              });
    }
    assertThat(cycles).as("package cycles").isEmpty();
  }

  @Test
  void dependenciesPointOneWay() {
    List<String> violations = new ArrayList<>();
    graph.forEach(
        (from, edges) ->
            edges.forEach(
                (to, files) ->
                    violation(from, to)
                        .ifPresent(
                            rule ->
                                violations.add(from + " -> " + to + " (" + rule + "): " + files))));
    assertThat(violations).as("imports against the direction of dependencies").isEmpty();
  }

  private static Optional<String> violation(String from, String to) {
    if (to.equals(COMPOSITION_ROOT) && !within(from, "cli")) {
      return Optional.of(
          "only the command line starts the operator (GradingOperator, the composition root)");
    }
    if (within(from, "api")) {
      return Optional.of("api imports nothing of ours");
    }
    if (within(from, "config") && !within(to, "api")) {
      return Optional.of("config imports only api");
    }
    if (within(from, "placement")
        && !within(to, "api")
        && !within(to, "config")
        && !(from.startsWith("placement.") && to.equals("placement"))) {
      return Optional.of(
          "placement imports only api and config; its sub-packages (nodes, prepull) also placement");
    }
    if (within(from, "image")) {
      if (!within(to, "image")) {
        return within(to, "placement") || within(to, "config") || within(to, "api")
            ? Optional.empty()
            : Optional.of(
                "image imports only image, placement, config and api: never reconciler, cli, ops");
      }
      Set<String> allowed = IMAGE_MAY_IMPORT.get(from);
      if (allowed == null) {
        return Optional.of(
            "a package of image that ArchitectureTest does not know: give it its place in IMAGE_MAY_IMPORT");
      }
      if (!allowed.contains(to)) {
        return Optional.of(
            "inside image the dispatcher imports the kinds, the kinds image.common and image.registry,"
                + " image.common image.registry; never back, nor from kind to kind");
      }
    }
    return Optional.empty();
  }

  /** {@code name} is {@code root} or one of its sub-packages. */
  private static boolean within(String name, String root) {
    return name.equals(root) || name.startsWith(root + ".");
  }

  /**
   * A path from {@code current} back to the first package of {@code path}, by depth-first search.
   */
  private static Optional<List<String>> findCycle(
      String current, List<String> path, Set<String> dead) {
    if (!path.isEmpty() && current.equals(path.get(0))) {
      return Optional.of(path);
    }
    if (path.contains(current) || dead.contains(current)) {
      return Optional.empty();
    }
    path.add(current);
    for (String next : graph.getOrDefault(current, Map.of()).keySet()) {
      Optional<List<String>> cycle = findCycle(next, path, dead);
      if (cycle.isPresent()) {
        return cycle;
      }
    }
    path.remove(path.size() - 1);
    dead.add(current);
    return Optional.empty();
  }

  /** "a -> b -> a", then which files make each step. */
  private static String describe(List<String> cycle) {
    StringBuilder text = new StringBuilder(String.join(" -> ", cycle) + " -> " + cycle.get(0));
    for (int i = 0; i < cycle.size(); i++) {
      String from = cycle.get(i);
      String to = cycle.get((i + 1) % cycle.size());
      text.append("\n  ")
          .append(from)
          .append(" -> ")
          .append(to)
          .append(": ")
          .append(graph.get(from).get(to));
    }
    return text.toString();
  }

  /**
   * The code alone: comments become a space, string, char and text-block literals empty literals.
   */
  static String withoutCommentsAndLiterals(String source) {
    StringBuilder code = new StringBuilder(source.length());
    int i = 0;
    int n = source.length();
    while (i < n) {
      char c = source.charAt(i);
      if (source.startsWith("//", i)) {
        while (i < n && source.charAt(i) != '\n') {
          i++;
        }
      } else if (source.startsWith("/*", i)) {
        int end = source.indexOf("*/", i + 2);
        i = end < 0 ? n : end + 2;
        code.append(' ');
      } else if (source.startsWith("\"\"\"", i)) {
        int end = i + 3;
        while (end < n && !source.startsWith("\"\"\"", end)) {
          end += source.charAt(end) == '\\' ? 2 : 1;
        }
        i = Math.min(n, end + 3);
        code.append("\"\"");
      } else if (c == '"' || c == '\'') {
        int end = i + 1;
        while (end < n && source.charAt(end) != c && source.charAt(end) != '\n') {
          end += source.charAt(end) == '\\' ? 2 : 1;
        }
        i = Math.min(n, end + 1);
        code.append(c).append(c);
      } else {
        code.append(c);
        i++;
      }
    }
    return code.toString();
  }

  @Test
  void commentsAndLiteralsAreNotDependencies() {
    String source =
        """
        package org.inginious.grading.image;
        import org.inginious.grading.api.GradingEnvironment; // org.inginious.grading.cli.Main
        /* org.inginious.grading.reconciler.Reasons */
        class X {
          String s = "org.inginious.grading.ops.OperatorMetrics \\" // not a comment";
          char c = '"';
          org.inginious.grading.placement.Labels labels;
        }
        """;
    String code = withoutCommentsAndLiterals(source);
    List<String> names = REFERENCE.matcher(code).results().map(m -> m.group(1)).toList();
    assertThat(names).containsExactly("api", "placement");
  }
}
