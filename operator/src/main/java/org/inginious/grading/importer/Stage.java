package org.inginious.grading.importer;

import java.util.List;

/**
 * One build stage: its FROM and the instructions up to the next FROM.
 *
 * @param name the {@code AS} name, lower case as Docker compares it, or null
 * @param image the image expression as written (ARGs not yet substituted)
 */
public record Stage(
    int index, String name, Instruction from, String image, List<Instruction> instructions) {

  /** How the stage is named in messages and targets: its name, else its position. */
  public String label() {
    return name != null ? name : "stage " + index;
  }
}
