package org.inginious.grading.importer;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a stage amounts to once Docker's ARG/ENV rules are applied, its parent stages included.
 *
 * @param chain the stages it is built on within the file, root first, itself last
 * @param root the FROM of the chain's root stage: an image (or scratch), never a stage
 * @param labels every label the image gets from this file, inherited ones included
 * @param ownLabels the keys set by the stage itself
 * @param env the ENV values, substituted as far as the file allows
 * @param envFromOutside ENV names whose value uses a variable the file does not set (the base
 *     image's)
 * @param workdir the last WORKDIR, or null when the base image's applies
 * @param workdirFromOutside a relative WORKDIR was resolved against the base image's (unknown here)
 * @param user the last USER, or null
 * @param copies COPY and ADD instructions with their operands substituted
 * @param declaredArgs ARG names declared in the chain (build arguments that reach RUN lines)
 */
public record EvaluatedStage(
    Stage stage,
    List<Stage> chain,
    StageEvaluator.FromImage root,
    Map<String, LabelValue> labels,
    Set<String> ownLabels,
    Map<String, String> env,
    Set<String> envFromOutside,
    String workdir,
    boolean workdirFromOutside,
    String user,
    int userLine,
    List<FileCopy> copies,
    Set<String> declaredArgs) {

  /**
   * @param outOfScope global ARGs the value uses although the stage does not declare them (Docker
   *     substitutes "")
   * @param fromOutside other variables it uses that this file never sets
   * @param withGlobals the value had the global ARGs been in scope
   */
  public record LabelValue(
      String value,
      int line,
      List<String> outOfScope,
      List<String> fromOutside,
      String withGlobals) {}

  /**
   * @param workdir the working directory at that point, null when it is the base image's
   */
  public record FileCopy(
      Instruction instruction, List<String> sources, String destination, String workdir) {}
}
