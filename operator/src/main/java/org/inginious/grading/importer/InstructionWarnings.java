package org.inginious.grading.importer;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * What a Dockerfile asks for that the operator's build does not give it the same way, one sentence
 * each: ADD of a URL, RUN --mount secrets, here-documents, a last USER that breaks the grader.
 */
final class InstructionWarnings {
  private static final Set<String> ROOT =
      Set.of("root", "0", "root:root", "0:0", "root:0", "0:root");

  private InstructionWarnings() {}

  static List<String> of(EvaluatedStage stage) {
    List<String> warnings = new ArrayList<>();
    for (Stage chained : stage.chain()) {
      for (Instruction instruction : chained.instructions()) {
        String line = " (line " + instruction.line() + ")";
        if (instruction.keyword().equals("ADD")) {
          instruction.operands().stream()
              .limit(Math.max(0, instruction.operands().size() - 1))
              .filter(CopySources::isUrl)
              .forEach(
                  url ->
                      warnings.add(
                          "ADD "
                              + url
                              + line
                              + " downloads at build time: the download is not an input"
                              + " of the build hash, so a new file at that URL does not rebuild the image; check the file into the"
                              + " environment folder and COPY it instead"));
        }
        if (instruction.keyword().equals("RUN")) {
          for (String flag : instruction.flags()) {
            if (flag.startsWith("--mount=") && flag.matches(".*\\btype=secret\\b.*")) {
              warnings.add(
                  "RUN --mount=type=secret"
                      + line
                      + ": the operator's build Job passes no build secrets, so this"
                      + " step runs without them");
            } else if (flag.startsWith("--mount=") && flag.matches(".*\\btype=ssh\\b.*")) {
              warnings.add(
                  "RUN --mount=type=ssh"
                      + line
                      + ": the operator's build Job has no SSH agent to forward");
            }
          }
        }
        for (Instruction.Heredoc heredoc : instruction.heredocs()) {
          warnings.add(
              instruction.keyword()
                  + " <<"
                  + (heredoc.quoted() ? "'" + heredoc.delimiter() + "'" : heredoc.delimiter())
                  + line
                  + ": a here-document (BuildKit syntax); the operator's Kaniko builds run them, with known differences"
                  + " from BuildKit (a quoted delimiter in RUN, for one): prefer a script file copied in and RUN");
        }
      }
    }
    if (stage.user() != null && !ROOT.contains(stage.user())) {
      warnings.add(
          "USER "
              + stage.user()
              + " (line "
              + stage.userLine()
              + ") is the image's last user: the grader's"
              + " entrypoint must start as root (it chowns /task, then drops to uid 4242); end the Dockerfile with USER root");
    }
    return warnings;
  }
}
