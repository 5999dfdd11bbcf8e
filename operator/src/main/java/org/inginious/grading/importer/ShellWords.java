package org.inginious.grading.importer;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Docker's word rules for Dockerfile arguments: words split on unquoted blanks, quotes removed,
 * {@code $VAR}, {@code ${VAR}}, {@code ${VAR:-word}} and {@code ${VAR:+word}} substituted, nothing
 * substituted inside single quotes. An unset variable becomes the empty string, as in Docker.
 */
public final class ShellWords {
  /** Where a variable's value comes from; empty when it is unset. */
  @FunctionalInterface
  public interface Variables {
    Optional<String> get(String name);
  }

  private ShellWords() {}

  /** Splits on unquoted blanks, keeping quotes and escapes as written. */
  public static List<String> split(String text, char escape) {
    List<String> words = new ArrayList<>();
    StringBuilder word = new StringBuilder();
    char quote = 0;
    boolean inWord = false;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == escape && quote != '\'' && i + 1 < text.length()) {
        word.append(c).append(text.charAt(++i));
        inWord = true;
      } else if (quote != 0) {
        word.append(c);
        if (c == quote) {
          quote = 0;
        }
      } else if (c == '"' || c == '\'') {
        word.append(c);
        quote = c;
        inWord = true;
      } else if (Character.isWhitespace(c)) {
        if (inWord) {
          words.add(word.toString());
          word.setLength(0);
          inWord = false;
        }
      } else {
        word.append(c);
        inWord = true;
      }
    }
    if (inWord) {
      words.add(word.toString());
    }
    return words;
  }

  /** One word with its quotes removed and its variables substituted. */
  public static String expand(String word, char escape, Variables variables) {
    StringBuilder out = new StringBuilder();
    int i = 0;
    char quote = 0;
    while (i < word.length()) {
      char c = word.charAt(i);
      if (quote == '\'') {
        if (c == '\'') {
          quote = 0;
        } else {
          out.append(c);
        }
        i++;
      } else if (c == escape && i + 1 < word.length()) {
        char next = word.charAt(i + 1);
        // inside double quotes only these are escapable; elsewhere the escape character stays
        if (quote == '"' && next != '"' && next != '$' && next != escape) {
          out.append(c);
        }
        out.append(next);
        i += 2;
      } else if (c == '"') {
        quote = quote == '"' ? 0 : '"';
        i++;
      } else if (c == '\'' && quote == 0) {
        quote = '\'';
        i++;
      } else if (c == '$') {
        i = substitute(word, i, escape, variables, out);
      } else {
        out.append(c);
        i++;
      }
    }
    return out.toString();
  }

  /** Every variable name the word would substitute (single-quoted text excluded). */
  public static List<String> references(String word, char escape) {
    List<String> names = new ArrayList<>();
    expand(
        word,
        escape,
        name -> {
          names.add(name);
          return Optional.empty();
        });
    return names;
  }

  /**
   * Substitutes the variable at {@code start} ('$') into {@code out}; returns the index after it.
   */
  private static int substitute(
      String word, int start, char escape, Variables variables, StringBuilder out) {
    int i = start + 1;
    if (i < word.length() && word.charAt(i) == '{') {
      int close = matchingBrace(word, i);
      if (close < 0) {
        out.append(word, start, word.length());
        return word.length();
      }
      String inside = word.substring(i + 1, close);
      int nameEnd = 0;
      while (nameEnd < inside.length() && isNameChar(inside.charAt(nameEnd), nameEnd == 0)) {
        nameEnd++;
      }
      String name = inside.substring(0, nameEnd);
      String rest = inside.substring(nameEnd);
      Optional<String> value = name.isEmpty() ? Optional.empty() : variables.get(name);
      out.append(modified(value, rest, escape, variables));
      return close + 1;
    }
    int end = i;
    while (end < word.length() && isNameChar(word.charAt(end), end == i)) {
      end++;
    }
    if (end == i) {
      out.append('$');
      return i;
    }
    out.append(variables.get(word.substring(i, end)).orElse(""));
    return end;
  }

  /**
   * ${NAME:-word}, ${NAME-word}, ${NAME:+word}, ${NAME+word}; the word is expanded only when used.
   */
  private static String modified(
      Optional<String> value, String modifier, char escape, Variables variables) {
    if (modifier.startsWith(":-")) {
      return value
          .filter(v -> !v.isEmpty())
          .orElseGet(() -> expand(modifier.substring(2), escape, variables));
    }
    if (modifier.startsWith(":+")) {
      return value.filter(v -> !v.isEmpty()).isPresent()
          ? expand(modifier.substring(2), escape, variables)
          : "";
    }
    if (modifier.startsWith("-")) {
      return value.orElseGet(() -> expand(modifier.substring(1), escape, variables));
    }
    if (modifier.startsWith("+")) {
      return value.isPresent() ? expand(modifier.substring(1), escape, variables) : "";
    }
    return value.orElse("");
  }

  private static int matchingBrace(String word, int open) {
    int depth = 0;
    for (int i = open; i < word.length(); i++) {
      if (word.charAt(i) == '{') {
        depth++;
      } else if (word.charAt(i) == '}' && --depth == 0) {
        return i;
      }
    }
    return -1;
  }

  private static boolean isNameChar(char c, boolean first) {
    return c == '_'
        || (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (!first && c >= '0' && c <= '9');
  }
}
