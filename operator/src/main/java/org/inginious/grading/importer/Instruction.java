package org.inginious.grading.importer;

import java.util.ArrayList;
import java.util.List;

/**
 * One Dockerfile instruction as written: continuation lines joined, comment lines inside it
 * dropped.
 *
 * @param keyword upper case (FROM, RUN, COPY ...)
 * @param arguments the text after the keyword, flags included
 * @param line first physical line, 1-based
 * @param endLine last physical line, heredoc bodies included
 * @param escape the escape character of the file (backslash or backtick)
 */
public record Instruction(
    String keyword, String arguments, int line, int endLine, char escape, List<Heredoc> heredocs) {

  /** A here-document ({@code <<EOF ... EOF}), a BuildKit syntax. */
  public record Heredoc(String delimiter, boolean quoted, String body) {}

  /** The leading {@code --name[=value]} words (FROM --platform, COPY --chown, RUN --mount ...). */
  public List<String> flags() {
    List<String> flags = new ArrayList<>();
    for (String word : ShellWords.split(arguments, escape)) {
      if (!word.startsWith("--")) {
        break;
      }
      flags.add(word);
    }
    return flags;
  }

  /** The words after the flags, still quoted as written. */
  public List<String> operands() {
    List<String> words = ShellWords.split(arguments, escape);
    int first = 0;
    while (first < words.size() && words.get(first).startsWith("--")) {
      first++;
    }
    return words.subList(first, words.size());
  }

  /** The value of flag {@code --name}, or null. */
  public String flag(String name) {
    for (String flag : flags()) {
      if (flag.equals("--" + name)) {
        return "";
      }
      if (flag.startsWith("--" + name + "=")) {
        return flag.substring(name.length() + 3);
      }
    }
    return null;
  }

  @Override
  public String toString() {
    return keyword + " " + arguments;
  }
}
