package org.inginious.grading.importer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One environment on its way through the import: where it comes from and what it has become so far.
 */
final class Candidate {
  final Path folder;

  /** "python3-ai/Dockerfile", relative to the directory given */
  final String dockerfilePath;

  final List<String> warnings = new ArrayList<>();
  String failure;

  // from the Dockerfile
  Dockerfile dockerfile;
  EvaluatedStage stage;
  BuildContext context;
  boolean multiStage;
  String target;

  // names
  String environmentName;
  String metadataName;

  // base: at most one of the two; keepFrom when the FROM line cannot be resolved offline
  String baseEnvironment;
  String baseImage;
  boolean keepFrom;

  // grading
  boolean needRoot;
  boolean gpu;

  // build: "layers" or "dockerfile"
  String build;
  LayersMapping.Layers layers;
  DockerfileMapping.Context dockerfileContext;
  ContextConfigMap contextConfigMap;
  Map<String, String> buildArgs = new TreeMap<>();

  Candidate(Path folder, String dockerfilePath) {
    this.folder = folder;
    this.dockerfilePath = dockerfilePath;
  }

  boolean failed() {
    return failure != null;
  }

  /**
   * "python3-ai/Dockerfile" or, for one stage of several, "python3-ai/Dockerfile
   * (env-python3-ai-cuda)".
   */
  String source() {
    return multiStage && stage != null
        ? dockerfilePath + " (" + stage.stage().label() + ")"
        : dockerfilePath;
  }

  String baseDescription() {
    if (baseEnvironment != null) {
      return "environment " + baseEnvironment;
    }
    if (baseImage != null) {
      return baseImage;
    }
    if (stage != null && stage.root().scratch()) {
      return "scratch";
    }
    return keepFrom && stage != null ? "FROM " + stage.root().from().arguments() : "-";
  }
}
