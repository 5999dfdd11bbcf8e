package org.inginious.grading.importer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A `dockerfile` build: the Dockerfile with its base FROM rewritten to {@code ARG BASE_IMAGE} /
 * {@code FROM ${BASE_IMAGE}} (the operator passes the base by digest), the ARGs that only served
 * that FROM dropped, and the build context as one ConfigMap (the Dockerfile under "Dockerfile").
 */
final class DockerfileMapping {
  static final String BASE_IMAGE = "BASE_IMAGE";
  static final String DOCKERFILE_KEY = "Dockerfile";

  /** The rewritten Dockerfile and the files of the context ConfigMap, Dockerfile included. */
  record Context(String dockerfile, SortedMap<String, byte[]> files) {}

  record Outcome(Context context, Set<String> argNames, String failure, List<String> warnings) {}

  private DockerfileMapping() {}

  static Outcome map(Candidate candidate) {
    List<String> warnings = new ArrayList<>();
    Dockerfile dockerfile = candidate.dockerfile;
    boolean rewrite = candidate.baseEnvironment != null || candidate.baseImage != null;
    Set<String> keptGlobals = rewrite ? keptGlobals(candidate) : globalNames(dockerfile);
    String text =
        rewrite ? rewrite(candidate, keptGlobals) : String.join("\n", dockerfile.lines()) + "\n";

    SortedMap<String, byte[]> files = new TreeMap<>();
    Set<String> leftOut = new TreeSet<>();
    for (BuildContext.ContextFile file : candidate.context.files()) {
      if (file.path().equals(SourceTree.DOCKERFILE) || file.path().equals(".dockerignore")) {
        continue; // the Dockerfile goes in rewritten; the .dockerignore is applied already
      }
      if (file.inSubdirectory() || !Names.validConfigMapKey(file.name())) {
        leftOut.add(file.path());
      } else {
        files.put(file.path(), file.read());
      }
    }
    files.put(DOCKERFILE_KEY, text.getBytes(StandardCharsets.UTF_8));

    Set<String> needed = new TreeSet<>();
    for (EvaluatedStage.FileCopy copy : candidate.stage.copies()) {
      if (copy.instruction().flag("from") != null) {
        continue; // copies from another stage or image, not from the context
      }
      CopySources.Selection selection = CopySources.select(copy, candidate.context);
      if (selection.problem() != null) {
        warnings.add(selection.problem());
      }
      selection.files().stream()
          .map(s -> s.file().path())
          .filter(leftOut::contains)
          .forEach(needed::add);
    }
    if (!needed.isEmpty()) {
      warnings.add(
          "left out of the build context, which is one flat ConfigMap (files in subdirectories, or names that"
              + " cannot be ConfigMap keys), although COPY/ADD uses them: "
              + String.join(", ", limit(needed))
              + "; the build fails until they move into the folder itself or into a base environment");
    }
    if (!candidate.context.symlinks().isEmpty()) {
      warnings.add(
          "symbolic links left out of the build context (a ConfigMap cannot hold one): "
              + String.join(", ", limit(candidate.context.symlinks())));
    }
    long size =
        files.entrySet().stream()
            .mapToLong(e -> ContextConfigMap.measure(e.getKey(), e.getValue()))
            .sum();
    if (size > ContextConfigMap.LIMIT) {
      return new Outcome(
          null,
          Set.of(),
          ContextConfigMap.tooLarge(
                  "the build context of "
                      + candidate.dockerfilePath.replaceFirst("/?Dockerfile$", "/"),
                  files)
              + "; a dockerfile build reads its context from one ConfigMap: move"
              + " large files into a base environment or list them in .dockerignore",
          warnings);
    }
    Set<String> argNames = new LinkedHashSet<>(keptGlobals);
    for (Stage stage : dockerfile.stages()) {
      stage.instructions().stream()
          .filter(i -> i.keyword().equals("ARG"))
          .forEach(i -> StageEvaluator.assignments(i).forEach(a -> argNames.add(a[0])));
    }
    return new Outcome(new Context(text, files), argNames, null, warnings);
  }

  private static List<String> limit(Collection<String> paths) {
    List<String> list = new ArrayList<>(paths);
    if (list.size() > 5) {
      List<String> shown = new ArrayList<>(list.subList(0, 5));
      shown.add("and " + (list.size() - 5) + " more");
      return shown;
    }
    return list;
  }

  private static Set<String> globalNames(Dockerfile dockerfile) {
    Set<String> names = new LinkedHashSet<>();
    dockerfile
        .globalArgs()
        .forEach(arg -> StageEvaluator.assignments(arg).forEach(a -> names.add(a[0])));
    return names;
  }

  /**
   * Global ARGs still needed once the base FROM is rewritten: those another FROM line uses, those a
   * stage declares again without a default (it inherits the global one), and those their defaults
   * use.
   */
  private static Set<String> keptGlobals(Candidate candidate) {
    Dockerfile dockerfile = candidate.dockerfile;
    Instruction rewritten = candidate.stage.root().from();
    Set<String> kept = new LinkedHashSet<>();
    for (Stage stage : dockerfile.stages()) {
      if (stage.from() != rewritten) {
        kept.addAll(ShellWords.references(stage.image(), dockerfile.escape()));
      }
      stage.instructions().stream()
          .filter(i -> i.keyword().equals("ARG"))
          .forEach(
              i ->
                  StageEvaluator.assignments(i).stream()
                      .filter(a -> a[1] == null)
                      .forEach(a -> kept.add(a[0])));
    }
    boolean grew = true;
    while (grew) {
      grew = false;
      for (Instruction arg : dockerfile.globalArgs()) {
        for (String[] declaration : StageEvaluator.assignments(arg)) {
          if (kept.contains(declaration[0]) && declaration[1] != null) {
            grew |= kept.addAll(ShellWords.references(declaration[1], dockerfile.escape()));
          }
        }
      }
    }
    Set<String> declared = globalNames(dockerfile);
    kept.retainAll(declared);
    kept.remove(BASE_IMAGE);
    return kept;
  }

  private static String rewrite(Candidate candidate, Set<String> keptGlobals) {
    Dockerfile dockerfile = candidate.dockerfile;
    Instruction from = candidate.stage.root().from();
    Instruction firstFrom = dockerfile.stages().get(0).from();
    List<String> lines = dockerfile.lines();
    List<String> out = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      int line = i + 1;
      Instruction globalArg =
          dockerfile.globalArgs().stream()
              .filter(a -> line >= a.line() && line <= a.endLine())
              .findFirst()
              .orElse(null);
      if (globalArg != null) {
        if (line == globalArg.line()) {
          List<String> kept =
              ShellWords.split(globalArg.arguments(), dockerfile.escape()).stream()
                  .filter(
                      word ->
                          keptGlobals.contains(
                              StageEvaluator.assignment(word, dockerfile.escape())[0]))
                  .toList();
          if (kept.size() == StageEvaluator.assignments(globalArg).size()
              && globalArg.line() == globalArg.endLine()) {
            out.add(lines.get(i));
          } else if (!kept.isEmpty()) {
            out.add("ARG " + String.join(" ", kept));
          }
        }
        continue;
      }
      if (line == firstFrom.line()) {
        out.add("ARG " + BASE_IMAGE);
      }
      if (line >= from.line() && line <= from.endLine()) {
        if (line == from.line()) {
          String what =
              candidate.baseEnvironment != null
                  ? "the image of environment " + candidate.baseEnvironment
                  : candidate.baseImage;
          out.add(
              "# import: the operator passes "
                  + what
                  + " as "
                  + BASE_IMAGE
                  + ", pinned by digest (was: FROM "
                  + from.arguments()
                  + ")");
          String platform = from.flag("platform");
          out.add(
              "FROM "
                  + (platform == null ? "" : "--platform=" + platform + " ")
                  + "${"
                  + BASE_IMAGE
                  + "}"
                  + (from.operands().size() == 3 ? " AS " + from.operands().get(2) : ""));
        }
        continue;
      }
      out.add(lines.get(i));
    }
    return String.join("\n", out) + "\n";
  }

  static Map<String, String> buildArgs(Map<String, String> given, Set<String> argNames) {
    Map<String, String> args = new TreeMap<>();
    given.forEach(
        (name, value) -> {
          if (argNames.contains(name) && !name.equals(BASE_IMAGE)) {
            args.put(name, value);
          }
        });
    return args;
  }
}
