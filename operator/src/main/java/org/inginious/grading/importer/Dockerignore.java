package org.inginious.grading.importer;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A .dockerignore: one pattern per line, {@code #} comments, {@code !} re-includes, {@code **}
 * across directories. As in Docker, the last pattern that matches a path (or one of its parent
 * directories) decides.
 */
final class Dockerignore {
  private record Rule(Pattern pattern, boolean include) {}

  private final List<Rule> rules;

  private Dockerignore(List<Rule> rules) {
    this.rules = rules;
  }

  static Dockerignore none() {
    return new Dockerignore(List.of());
  }

  static Dockerignore parse(String text) {
    List<Rule> rules = new ArrayList<>();
    for (String line : text.lines().toList()) {
      String pattern = line.strip();
      if (pattern.isEmpty() || pattern.startsWith("#")) {
        continue;
      }
      boolean include = pattern.startsWith("!");
      if (include) {
        pattern = pattern.substring(1).strip();
      }
      String cleaned = ContextPaths.normalizeRelative(pattern);
      if (cleaned == null || cleaned.isEmpty()) {
        continue;
      }
      rules.add(new Rule(ContextPaths.glob(cleaned, true), include));
    }
    return new Dockerignore(rules);
  }

  /** Whether a context file (slash-separated, relative) is left out of the build context. */
  boolean excludes(String path) {
    boolean excluded = false;
    for (Rule rule : rules) {
      if (matchesItselfOrAParent(rule.pattern(), path)) {
        excluded = !rule.include();
      }
    }
    return excluded;
  }

  private static boolean matchesItselfOrAParent(Pattern pattern, String path) {
    if (pattern.matcher(path).matches()) {
      return true;
    }
    for (int slash = path.indexOf('/'); slash >= 0; slash = path.indexOf('/', slash + 1)) {
      if (pattern.matcher(path.substring(0, slash)).matches()) {
        return true;
      }
    }
    return false;
  }
}
