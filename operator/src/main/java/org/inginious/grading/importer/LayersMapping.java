package org.inginious.grading.importer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import org.inginious.grading.api.LayersBuild;
import org.inginious.grading.placement.Labels;

/**
 * A Dockerfile of only FROM, LABEL, ENV, WORKDIR and COPY/ADD of local files becomes a `layers`
 * build: no Job, no root, seconds. Anything the layers API cannot say exactly (RUN, other labels,
 * ownership, archives, URLs, ...) keeps it a `dockerfile` build, with the first such reason.
 */
final class LayersMapping {
  private static final Set<String> LAYERS_INSTRUCTIONS =
      Set.of("ARG", "LABEL", "ENV", "COPY", "ADD", "WORKDIR");
  private static final Set<String> SPEC_LABELS =
      Set.of(Labels.IMAGE_NAME, Labels.IMAGE_NEED_ROOT, Labels.IMAGE_NEED_GPU);

  /** One {@code spec.build.layers.files} entry. */
  record Files(String configMap, String path, String mode) {}

  record Layers(
      List<Files> files,
      Map<String, String> env,
      String workingDir,
      List<ContextConfigMap> configMaps) {}

  /**
   * @param layers the mapping, when the Dockerfile is a layers build
   * @param notLayers else why not: the first thing the layers API cannot say
   * @param failure the environment cannot be written at all
   */
  record Outcome(Layers layers, String notLayers, String failure, List<String> notes) {}

  private record Entry(BuildContext.ContextFile file, String mode) {}

  private LayersMapping() {}

  static Outcome map(Candidate candidate) {
    String reason = reasonAgainst(candidate);
    if (reason != null) {
      return new Outcome(null, reason, null, List.of());
    }
    EvaluatedStage stage = candidate.stage;
    Map<String, Entry> byTarget = new TreeMap<>();
    for (EvaluatedStage.FileCopy copy : stage.copies()) {
      CopySources.Selection selection = CopySources.select(copy, candidate.context);
      if (selection.problem() != null) {
        return new Outcome(null, selection.problem(), null, List.of());
      }
      String destination =
          copy.destination().startsWith("/")
              ? copy.destination()
              : copy.workdir() + "/" + copy.destination();
      boolean toDirectory =
          copy.destination().endsWith("/")
              || copy.destination().endsWith("/.")
              || copy.destination().equals(".");
      boolean singleFile =
          copy.sources().size() == 1
              && !ContextPaths.hasWildcard(copy.sources().get(0))
              && candidate.context.isFile(ContextPaths.normalizeRelative(copy.sources().get(0)));
      if (!toDirectory && !singleFile && selection.files().size() > 1) {
        return new Outcome(
            null,
            copy.instruction().keyword()
                + " of several files to '"
                + copy.destination()
                + "' (line "
                + copy.instruction().line()
                + ") needs a destination ending in '/': docker build refuses it",
            null,
            List.of());
      }
      String chmod = copy.instruction().flag("chmod");
      for (BuildContext.Selected selected : selection.files()) {
        if (copy.instruction().keyword().equals("ADD") && CopySources.isArchive(selected.file())) {
          return new Outcome(
              null,
              "ADD of the archive "
                  + selected.file().path()
                  + " (line "
                  + copy.instruction().line()
                  + ") unpacks it",
              null,
              List.of());
        }
        String target =
            singleFile && !toDirectory
                ? destination
                : destination + "/" + selected.relativeTarget();
        String mode =
            chmod != null ? normalizedMode(chmod) : selected.file().executable() ? "0755" : "0644";
        byTarget.put(ContextPaths.normalizeAbsolute(target), new Entry(selected.file(), mode));
      }
    }
    for (String target : byTarget.keySet()) {
      String name = target.substring(target.lastIndexOf('/') + 1);
      if (!Names.validConfigMapKey(name)) {
        return new Outcome(
            null, "the file name '" + name + "' cannot be a ConfigMap key", null, List.of());
      }
    }
    return files(candidate, byTarget);
  }

  /**
   * Groups files by directory and mode (one `files` entry each), split where a ConfigMap would
   * overflow.
   */
  private static Outcome files(Candidate candidate, Map<String, Entry> byTarget) {
    SortedMap<String, SortedMap<String, byte[]>> groups =
        new TreeMap<>(); // "dir\0mode" -> key -> content
    for (Map.Entry<String, Entry> e : byTarget.entrySet()) {
      String target = e.getKey();
      String directory = target.substring(0, target.lastIndexOf('/'));
      groups
          .computeIfAbsent(
              (directory.isEmpty() ? "/" : directory) + "\0" + e.getValue().mode(),
              k -> new TreeMap<>())
          .put(target.substring(target.lastIndexOf('/') + 1), e.getValue().file().read());
    }
    List<Files> files = new ArrayList<>();
    List<ContextConfigMap> configMaps = new ArrayList<>();
    for (Map.Entry<String, SortedMap<String, byte[]>> group : groups.entrySet()) {
      String[] directoryAndMode = group.getKey().split("\0");
      List<SortedMap<String, byte[]>> parts = ContextConfigMap.pack(group.getValue());
      if (parts == null) {
        return new Outcome(
            null,
            null,
            ContextConfigMap.tooLarge("a file copied to " + directoryAndMode[0], group.getValue())
                + "; a ConfigMap key holds a whole file",
            List.of());
      }
      for (SortedMap<String, byte[]> part : parts) {
        String name = candidate.metadataName + "-files-" + (configMaps.size() + 1);
        configMaps.add(new ContextConfigMap(name, part));
        files.add(new Files(name, directoryAndMode[0], directoryAndMode[1]));
      }
    }
    List<String> notes = new ArrayList<>();
    Map<String, String> env = new LinkedHashMap<>(new TreeMap<>(candidate.stage.env()));
    List<String> dropped = LayersBuild.OPERATOR_ENV.stream().filter(env::containsKey).toList();
    if (!dropped.isEmpty()) {
      dropped.forEach(env::remove);
      notes.add(
          "ENV "
              + String.join(", ", dropped)
              + " dropped: "
              + (candidate.gpu
                  ? "the operator writes them into the GPU images it builds"
                  : "not a GPU environment (no need_gpu label), and a layers build may not set them"));
    }
    return new Outcome(
        new Layers(files, env, candidate.stage.workdir(), configMaps), null, null, notes);
  }

  /** The first thing the layers API cannot express, or null. */
  private static String reasonAgainst(Candidate candidate) {
    if (candidate.multiStage) {
      return "several stages";
    }
    if (candidate.keepFrom) {
      return "its FROM line is kept as written";
    }
    EvaluatedStage stage = candidate.stage;
    if (stage.root().from().flag("platform") != null) {
      return "FROM --platform (line " + stage.root().from().line() + ")";
    }
    for (Instruction instruction : stage.stage().instructions()) {
      if (!LAYERS_INSTRUCTIONS.contains(instruction.keyword())) {
        return instruction.keyword() + " at line " + instruction.line();
      }
      if (!instruction.heredocs().isEmpty()) {
        return "a here-document (line " + instruction.line() + ")";
      }
    }
    for (Map.Entry<String, EvaluatedStage.LabelValue> label : stage.labels().entrySet()) {
      if (!SPEC_LABELS.contains(label.getKey())) {
        return "label "
            + label.getKey()
            + " (line "
            + label.getValue().line()
            + "): a layers build writes only the name,"
            + " need_root and need_gpu labels";
      }
    }
    if (!stage.envFromOutside().isEmpty()) {
      return "ENV "
          + stage.envFromOutside().iterator().next()
          + " uses a variable of the base image";
    }
    if (stage.workdirFromOutside()) {
      return "a relative WORKDIR (the base image's is not known here)";
    }
    for (EvaluatedStage.FileCopy copy : stage.copies()) {
      String where = copy.instruction().keyword() + " (line " + copy.instruction().line() + ")";
      for (String flag : copy.instruction().flags()) {
        if (!flag.startsWith("--chmod=")
            || !normalizedMode(flag.substring(8)).matches("0[0-7]{3}")) {
          return where + " " + flag.replaceFirst("=.*", "");
        }
      }
      if (copy.sources().isEmpty()) {
        return where + " without a source";
      }
      if (copy.sources().stream().anyMatch(CopySources::isUrl)) {
        return "ADD of a URL (line " + copy.instruction().line() + ")";
      }
      if (!copy.destination().startsWith("/") && copy.workdir() == null) {
        return where + " to a relative destination (the base image's WORKDIR is not known here)";
      }
    }
    return null;
  }

  private static String normalizedMode(String mode) {
    return mode.length() == 3 ? "0" + mode : mode;
  }
}
