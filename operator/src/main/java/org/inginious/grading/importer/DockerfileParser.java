package org.inginious.grading.importer;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A small Dockerfile parser with BuildKit's rules for what matters to an import: parser directives
 * ({@code # escape=`}), continuation lines, comment lines (also inside a continued instruction),
 * here-documents, and stages. It refuses what {@code docker build} refuses to parse.
 */
public final class DockerfileParser {
  static final Set<String> KEYWORDS =
      Set.of(
          "FROM",
          "RUN",
          "CMD",
          "LABEL",
          "MAINTAINER",
          "EXPOSE",
          "ENV",
          "ADD",
          "COPY",
          "ENTRYPOINT",
          "VOLUME",
          "USER",
          "WORKDIR",
          "ARG",
          "ONBUILD",
          "STOPSIGNAL",
          "HEALTHCHECK",
          "SHELL");
  private static final Pattern DIRECTIVE =
      Pattern.compile("^#\\s*([a-zA-Z][a-zA-Z0-9]*)\\s*=\\s*(.+?)\\s*$");

  /**
   * A word {@code <<EOF}, {@code <<-EOF}, {@code <<"EOF"}: BuildKit looks at whole words, so not
   * {@code "a<<b"} nor {@code <<<}.
   */
  private static final Pattern HEREDOC = Pattern.compile("^<<(-?)([\"']?)([A-Za-z0-9_]+)\\2");

  private DockerfileParser() {}

  public static Dockerfile parse(String text) throws DockerfileException {
    List<String> lines = text.lines().toList();
    char escape = '\\';
    int i = 0;
    // parser directives: only at the very top, until the first line that is not one
    for (; i < lines.size(); i++) {
      Matcher directive = DIRECTIVE.matcher(lines.get(i));
      if (!directive.matches()) {
        break;
      }
      if (directive.group(1).equalsIgnoreCase("escape")) {
        String value = directive.group(2);
        if (!value.equals("\\") && !value.equals("`")) {
          throw new DockerfileException(
              i + 1, "invalid escape directive '" + value + "' (\\ or ` only)");
        }
        escape = value.charAt(0);
      }
    }
    List<Instruction> instructions = new ArrayList<>();
    while (i < lines.size()) {
      String line = lines.get(i);
      if (line.isBlank() || line.stripLeading().startsWith("#")) {
        i++;
        continue;
      }
      int start = i;
      StringBuilder logical = new StringBuilder();
      String current = line;
      while (continues(current, escape)) {
        logical.append(withoutEscape(current, escape));
        i++;
        // comment and blank lines inside a continued instruction are skipped, as BuildKit does
        while (i < lines.size()
            && (lines.get(i).isBlank() || lines.get(i).stripLeading().startsWith("#"))) {
          i++;
        }
        if (i >= lines.size()) {
          current = "";
          break;
        }
        current = lines.get(i);
      }
      logical.append(current);
      String joined = logical.toString().strip();
      int space = firstBlank(joined);
      String keyword = (space < 0 ? joined : joined.substring(0, space)).toUpperCase(Locale.ROOT);
      String arguments = space < 0 ? "" : joined.substring(space).strip();
      if (!KEYWORDS.contains(keyword)) {
        throw new DockerfileException(
            start + 1,
            "unknown instruction '" + (space < 0 ? joined : joined.substring(0, space)) + "'");
      }
      List<Instruction.Heredoc> heredocs = new ArrayList<>();
      if (keyword.equals("RUN") || keyword.equals("COPY") || keyword.equals("ADD")) {
        for (String word : ShellWords.split(arguments, escape)) {
          Matcher heredoc = HEREDOC.matcher(word);
          if (!heredoc.find()) {
            continue;
          }
          boolean stripTabs = !heredoc.group(1).isEmpty();
          String delimiter = heredoc.group(3);
          StringBuilder body = new StringBuilder();
          int opened = i + 1;
          while (true) {
            i++;
            if (i >= lines.size()) {
              throw new DockerfileException(
                  opened, "here-document <<" + delimiter + " is never closed");
            }
            String bodyLine = stripTabs ? lines.get(i).replaceFirst("^\t+", "") : lines.get(i);
            if (bodyLine.equals(delimiter)) {
              break;
            }
            body.append(bodyLine).append('\n');
          }
          heredocs.add(
              new Instruction.Heredoc(delimiter, !heredoc.group(2).isEmpty(), body.toString()));
        }
      }
      instructions.add(
          new Instruction(keyword, arguments, start + 1, i + 1, escape, List.copyOf(heredocs)));
      i++;
    }
    return new Dockerfile(lines, escape, globalArgs(instructions), stages(instructions));
  }

  private static List<Instruction> globalArgs(List<Instruction> instructions)
      throws DockerfileException {
    List<Instruction> args = new ArrayList<>();
    for (Instruction instruction : instructions) {
      if (instruction.keyword().equals("FROM")) {
        return args;
      }
      if (!instruction.keyword().equals("ARG")) {
        throw new DockerfileException(
            instruction.line(),
            instruction.keyword() + " before the first FROM (only ARG may come before it)");
      }
      args.add(instruction);
    }
    throw new DockerfileException(
        instructions.isEmpty() ? 1 : instructions.get(instructions.size() - 1).line(),
        "no FROM instruction");
  }

  private static List<Stage> stages(List<Instruction> instructions) throws DockerfileException {
    List<Stage> stages = new ArrayList<>();
    Instruction from = null;
    List<Instruction> body = new ArrayList<>();
    for (Instruction instruction : instructions) {
      if (instruction.keyword().equals("FROM")) {
        if (from != null) {
          stages.add(stage(stages.size(), from, body));
        }
        from = instruction;
        body = new ArrayList<>();
      } else if (from != null) {
        body.add(instruction);
      }
    }
    stages.add(stage(stages.size(), from, body));
    return List.copyOf(stages);
  }

  private static Stage stage(int index, Instruction from, List<Instruction> body)
      throws DockerfileException {
    List<String> operands = from.operands();
    if (operands.size() == 1) {
      return new Stage(index, null, from, operands.get(0), List.copyOf(body));
    }
    if (operands.size() == 3 && operands.get(1).equalsIgnoreCase("AS")) {
      return new Stage(
          index,
          operands.get(2).toLowerCase(Locale.ROOT),
          from,
          operands.get(0),
          List.copyOf(body));
    }
    throw new DockerfileException(
        from.line(),
        "FROM needs 'FROM [--platform=...] IMAGE [AS NAME]' (was 'FROM " + from.arguments() + "')");
  }

  /** A line continues when it ends with the escape character (blanks after it allowed). */
  private static boolean continues(String line, char escape) {
    String stripped = line.stripTrailing();
    return !stripped.isEmpty() && stripped.charAt(stripped.length() - 1) == escape;
  }

  private static String withoutEscape(String line, char escape) {
    String stripped = line.stripTrailing();
    return stripped.substring(0, stripped.length() - 1);
  }

  private static int firstBlank(String text) {
    for (int i = 0; i < text.length(); i++) {
      if (Character.isWhitespace(text.charAt(i))) {
        return i;
      }
    }
    return -1;
  }
}
