package org.inginious.grading.importer;

import java.util.List;

/**
 * A parsed Dockerfile.
 *
 * @param lines the physical lines, for rewriting
 * @param globalArgs the ARG instructions before the first FROM
 */
public record Dockerfile(
    List<String> lines, char escape, List<Instruction> globalArgs, List<Stage> stages) {

  /**
   * The stage named {@code name} (case-insensitive) that comes before stage {@code before}, or
   * null.
   */
  public Stage stageNamed(String name, int before) {
    for (Stage stage : stages.subList(0, before)) {
      if (stage.name() != null && stage.name().equalsIgnoreCase(name)) {
        return stage;
      }
    }
    return null;
  }
}
