package org.inginious.grading.importer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.inginious.grading.placement.Labels;

/**
 * The environments one Dockerfile defines: each final stage (one no other stage builds on) that
 * sets its own org.inginious.grading.name; when none does, the last stage, named by its label or
 * after its folder.
 */
final class DockerfileReading {
  private DockerfileReading() {}

  static List<Candidate> environments(
      Path folder, String dockerfilePath, Map<String, String> buildArgs) {
    Dockerfile dockerfile;
    BuildContext context;
    try {
      dockerfile =
          DockerfileParser.parse(
              new String(
                  Files.readAllBytes(folder.resolve(SourceTree.DOCKERFILE)),
                  StandardCharsets.UTF_8));
      context = BuildContext.of(folder);
    } catch (DockerfileException e) {
      return List.of(
          failed(folder, dockerfilePath, "the Dockerfile does not parse: " + e.getMessage()));
    } catch (IOException e) {
      return List.of(failed(folder, dockerfilePath, "cannot be read: " + e.getMessage()));
    }
    StageEvaluator evaluator = new StageEvaluator(dockerfile, buildArgs);
    Set<Integer> parents = new HashSet<>();
    for (Stage stage : dockerfile.stages()) {
      Stage parent = evaluator.from(stage).parent();
      if (parent != null) {
        parents.add(parent.index());
      }
    }
    List<EvaluatedStage> environments = new ArrayList<>();
    for (Stage stage : dockerfile.stages()) {
      EvaluatedStage evaluated = evaluator.evaluate(stage);
      if (!parents.contains(stage.index()) && evaluated.ownLabels().contains(Labels.IMAGE_NAME)) {
        environments.add(evaluated);
      }
    }
    if (environments.isEmpty()) {
      environments.add(evaluator.evaluate(dockerfile.stages().get(dockerfile.stages().size() - 1)));
    }
    List<Candidate> candidates = new ArrayList<>();
    for (EvaluatedStage stage : environments) {
      Candidate candidate = new Candidate(folder, dockerfilePath);
      candidate.dockerfile = dockerfile;
      candidate.stage = stage;
      candidate.context = context;
      candidate.multiStage = dockerfile.stages().size() > 1;
      name(candidate);
      target(candidate);
      flags(candidate);
      candidates.add(candidate);
    }
    return candidates;
  }

  private static Candidate failed(Path folder, String dockerfilePath, String failure) {
    Candidate candidate = new Candidate(folder, dockerfilePath);
    candidate.environmentName = folder.getFileName().toString();
    candidate.failure = failure;
    return candidate;
  }

  private static void name(Candidate candidate) {
    EvaluatedStage.LabelValue label = candidate.stage.labels().get(Labels.IMAGE_NAME);
    if (label == null) {
      candidate.environmentName = candidate.folder.getFileName().toString();
      candidate.warnings.add(
          "no "
              + Labels.IMAGE_NAME
              + " label: named after its folder, '"
              + candidate.environmentName
              + "'");
    } else {
      candidate.environmentName = label.value();
      if (!label.outOfScope().isEmpty()) {
        String names = String.join(", ", label.outOfScope());
        candidate.warnings.add(
            "label "
                + Labels.IMAGE_NAME
                + " (line "
                + label.line()
                + ") uses ${"
                + names
                + "}, which "
                + candidate.stage.stage().label()
                + " does not declare: an ARG before the first FROM is visible in FROM lines"
                + " only, so Docker names it '"
                + label.value()
                + "' (add `ARG "
                + names
                + "` to the stage for '"
                + label.withGlobals()
                + "')");
      }
      if (!label.fromOutside().isEmpty()) {
        candidate.warnings.add(
            "label "
                + Labels.IMAGE_NAME
                + " (line "
                + label.line()
                + ") uses ${"
                + String.join(", ", label.fromOutside())
                + "}, which this Dockerfile does not set: imported as '"
                + label.value()
                + "' (Docker would take it from the base image's environment, if set there)");
      }
    }
    if (!Names.validEnvironmentName(candidate.environmentName)) {
      candidate.failure =
          "environment id '"
              + candidate.environmentName
              + "' is not a label value (letters, digits,"
              + " '.', '_', '-', starting and ending with a letter or digit, at most 63 characters)";
    }
  }

  /**
   * Several stages: the environment is built with its stage as target (the last one needs none, but
   * says it).
   */
  private static void target(Candidate candidate) {
    if (!candidate.multiStage) {
      return;
    }
    Stage stage = candidate.stage.stage();
    boolean last = stage.index() == candidate.dockerfile.stages().size() - 1;
    if (stage.name() != null) {
      candidate.target = stage.from().operands().get(2);
    } else if (!last && candidate.failure == null) {
      candidate.failure =
          "its stage (FROM at line "
              + stage.from().line()
              + ") has no name (FROM ... AS NAME) to build"
              + " it as a target";
    }
  }

  /** need_root and need_gpu: INGInious looks at presence only. */
  private static void flags(Candidate candidate) {
    for (String key : List.of(Labels.IMAGE_NEED_ROOT, Labels.IMAGE_NEED_GPU)) {
      EvaluatedStage.LabelValue label = candidate.stage.labels().get(key);
      if (label == null) {
        continue;
      }
      if (key.equals(Labels.IMAGE_NEED_ROOT)) {
        candidate.needRoot = true;
      } else {
        candidate.gpu = true;
      }
      if (label.value().matches("(?i)0|false|no|off")) {
        candidate.warnings.add(
            "label "
                + key
                + "="
                + label.value()
                + " (line "
                + label.line()
                + "): INGInious looks at"
                + " the label's presence only, so this means yes");
      }
    }
  }
}
