package org.inginious.grading.importer;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.regex.Pattern;

/**
 * Slash-separated paths as Docker treats them: in the image (absolute) and in the build context
 * (relative).
 */
final class ContextPaths {
  private ContextPaths() {}

  /** "/opt//x/./y/../z" -> "/opt/x/z"; ".." never climbs above "/". */
  static String normalizeAbsolute(String path) {
    Deque<String> parts = new ArrayDeque<>();
    for (String part : path.split("/")) {
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..")) {
        parts.pollLast();
      } else {
        parts.addLast(part);
      }
    }
    return "/" + String.join("/", parts);
  }

  /**
   * A COPY source or .dockerignore pattern relative to the context root: leading "/" and "./"
   * dropped, "." for the root itself; null when ".." leaves the context.
   */
  static String normalizeRelative(String path) {
    Deque<String> parts = new ArrayDeque<>();
    for (String part : path.split("/")) {
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..")) {
        if (parts.isEmpty()) {
          return null;
        }
        parts.pollLast();
      } else {
        parts.addLast(part);
      }
    }
    return parts.isEmpty() ? "." : String.join("/", parts);
  }

  /**
   * Go's filepath.Match, as Docker uses it for COPY sources and .dockerignore: {@code *} and {@code
   * ?} stay within one path segment, {@code [...]} is a class; with {@code doubleStar}, {@code **}
   * matches any number of segments (.dockerignore only).
   */
  static Pattern glob(String pattern, boolean doubleStar) {
    StringBuilder regex = new StringBuilder();
    for (int i = 0; i < pattern.length(); i++) {
      char c = pattern.charAt(i);
      if (c == '*' && doubleStar && i + 1 < pattern.length() && pattern.charAt(i + 1) == '*') {
        i++;
        if (i + 1 < pattern.length() && pattern.charAt(i + 1) == '/') {
          i++;
          regex.append("(?:.*/)?");
        } else {
          regex.append(".*");
        }
      } else if (c == '*') {
        regex.append("[^/]*");
      } else if (c == '?') {
        regex.append("[^/]");
      } else if (c == '[') {
        int close = pattern.indexOf(']', i + 2);
        if (close < 0) {
          regex.append("\\[");
        } else {
          String set = pattern.substring(i + 1, close);
          regex
              .append('[')
              .append(set.startsWith("!") || set.startsWith("^") ? "^" + set.substring(1) : set)
              .append(']');
          i = close;
        }
      } else if (c == '\\' && i + 1 < pattern.length()) {
        regex.append(Pattern.quote(String.valueOf(pattern.charAt(++i))));
      } else {
        regex.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return Pattern.compile(regex.toString());
  }

  static boolean hasWildcard(String path) {
    return path.indexOf('*') >= 0 || path.indexOf('?') >= 0 || path.indexOf('[') >= 0;
  }
}
