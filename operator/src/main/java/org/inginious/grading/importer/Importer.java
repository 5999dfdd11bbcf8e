package org.inginious.grading.importer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.inginious.grading.api.GradingEnvironment;
import org.inginious.grading.api.GradingEnvironmentValidator;
import org.inginious.grading.placement.Labels;
import org.inginious.grading.placement.ResolvedRuntime;

/**
 * Turns a tree of INGInious environment folders into GradingEnvironments: reads each Dockerfile,
 * finds its environments (final stages naming themselves), links bases within the tree, chooses the
 * build, and collects every warning. Writes nothing; {@link OutputWriter} does.
 */
public final class Importer {
  private final ImportOptions options;
  private final SourceTree tree;
  private final List<String> notes = new ArrayList<>();
  private final List<Candidate> candidates = new ArrayList<>();
  private final Map<String, Candidate> byFolder = new LinkedHashMap<>();
  private final Map<String, Candidate> byName = new LinkedHashMap<>();

  private Importer(ImportOptions options, SourceTree tree) {
    this.options = options;
    this.tree = tree;
  }

  public static ImportResult run(ImportOptions options) throws IOException {
    SourceTree tree = SourceTree.scan(options.source());
    return new Importer(options, tree).run();
  }

  private ImportResult run() {
    ContextGraph graph = ContextGraph.read(tree.contextFiles(), notes);
    for (Path folder : tree.folders()) {
      candidates.addAll(
          DockerfileReading.environments(
              folder, tree.relative(folder) + "/" + SourceTree.DOCKERFILE, options.buildArgs()));
    }
    assignMetadataNames();
    indexFolders();
    List<Candidate> ok = candidates.stream().filter(c -> !c.failed()).toList();
    ok.forEach(c -> resolveBase(c, graph));
    inheritFlags(ok);
    ok.forEach(this::chooseBuild);
    warnCycles();
    shareContexts();
    List<ImportedEnvironment> rows = new ArrayList<>();
    for (Candidate candidate : candidates) {
      rows.add(row(candidate));
    }
    tree.withoutDockerfile()
        .forEach(folder -> notes.add("skipped " + tree.relative(folder) + "/: no Dockerfile"));
    List<String> absent =
        graph.listedFolders().stream()
            .filter(folder -> !Files.isRegularFile(folder.resolve(SourceTree.DOCKERFILE)))
            .map(folder -> folder.getFileName().toString())
            .sorted()
            .toList();
    if (!absent.isEmpty()) {
      notes.add(
          "context.yml lists folders without a Dockerfile here: " + String.join(", ", absent));
    }
    return new ImportResult(
        tree.root().getFileName() == null ? "/" : tree.root().getFileName().toString(),
        options.namespace(),
        rows,
        notes);
  }

  /**
   * metadata.name is the environment id in lower case; the first environment of a name keeps it.
   */
  private void assignMetadataNames() {
    Map<String, Candidate> taken = new LinkedHashMap<>();
    for (Candidate candidate : candidates) {
      candidate.metadataName = Names.metadataName(candidate.environmentName);
      if (candidate.failed()) {
        continue;
      }
      Candidate holder = taken.putIfAbsent(candidate.metadataName, candidate);
      if (candidate.metadataName.isEmpty()) {
        candidate.failure =
            "the environment id '" + candidate.environmentName + "' gives no usable metadata.name";
      } else if (holder != null) {
        candidate.failure =
            "metadata.name '"
                + candidate.metadataName
                + "' is already taken by environment "
                + holder.environmentName
                + " ("
                + holder.source()
                + ")";
      }
    }
  }

  /**
   * Which environment a folder's image is: INGInious builds {@code env-<folder>} from the folder
   * without a target, that is its last stage (when that stage is an environment).
   */
  private void indexFolders() {
    for (Candidate candidate : candidates) {
      String key = SourceTree.folderKey(candidate.folder);
      Candidate current = byFolder.get(key);
      boolean last =
          candidate.stage != null
              && candidate.stage.stage().index() == candidate.dockerfile.stages().size() - 1;
      if (current == null
          || (current.failed() && !candidate.failed())
          || (last && !candidate.failed())) {
        byFolder.put(key, candidate);
      }
      if (!candidate.failed()) {
        byName.putIfAbsent(candidate.metadataName, candidate);
      }
    }
  }

  private void resolveBase(Candidate candidate, ContextGraph graph) {
    StageEvaluator.FromImage root = candidate.stage.root();
    if (root.scratch()) {
      return;
    }
    String treeName = Names.treeName(root.image());
    Candidate target =
        treeName == null ? null : byFolder.getOrDefault(treeName, byName.get(treeName));
    if (target != null && target.folder.equals(candidate.folder)) {
      target = null; // its own folder's image: a previous version, from outside
    }
    List<Candidate> listed =
        graph.dependenciesOf(candidate.folder).stream()
            .map(folder -> byFolder.get(SourceTree.folderKey(folder)))
            .filter(Objects::nonNull)
            .filter(c -> !c.folder.equals(candidate.folder))
            .toList();
    String fromLine = "FROM " + root.from().arguments() + " (line " + root.from().line() + ")";
    if (target == null && !listed.isEmpty()) {
      target = listed.get(0);
      candidate.warnings.add(
          "base environment "
              + target.metadataName
              + " taken from context.yml: "
              + fromLine
              + " names no environment of this tree");
    } else if (target != null && !listed.isEmpty() && !sameFolder(listed, target)) {
      candidate.warnings.add(
          "context.yml builds it on "
              + listed.get(0).metadataName
              + " but "
              + fromLine
              + " names "
              + target.metadataName
              + ": the FROM line wins");
    }
    if (target != null) {
      candidate.baseEnvironment = target.metadataName;
      if (target.failed()) {
        candidate.warnings.add(
            "its base environment "
                + target.metadataName
                + " is not imported (see its row): this"
                + " environment waits for it");
      }
      if (!root.unsetArgs().isEmpty()) {
        candidate.warnings.add(
            unset(root)
                + " in "
                + fromLine
                + "; the base was recognised as environment "
                + target.metadataName
                + " all the same");
      }
      return;
    }
    if (!root.unsetArgs().isEmpty()) {
      candidate.keepFrom = true;
      candidate.warnings.add(
          unset(root)
              + " in "
              + fromLine
              + ": pass --build-arg "
              + root.unsetArgs().get(0)
              + "=VALUE to import; the FROM line is kept as written, and the build fails until"
              + " spec.build.dockerfile.buildArgs sets it");
    } else if (!Names.validImage(root.image())) {
      candidate.keepFrom = true;
      candidate.warnings.add(
          fromLine
              + " gives '"
              + root.image()
              + "', not an image reference; the FROM line is kept as"
              + " written");
    } else {
      candidate.baseImage = root.image();
    }
  }

  private static boolean sameFolder(List<Candidate> listed, Candidate target) {
    return listed.stream().anyMatch(c -> c.folder.equals(target.folder));
  }

  private static String unset(StageEvaluator.FromImage root) {
    List<String> names = root.unsetArgs();
    return (names.size() == 1
            ? "ARG " + names.get(0) + " has"
            : "ARGs " + String.join(", ", names) + " have")
        + " no value";
  }

  /** An image keeps its base's labels: need_root and need_gpu of a base environment carry over. */
  private void inheritFlags(List<Candidate> ok) {
    boolean changed = true;
    while (changed) {
      changed = false;
      for (Candidate candidate : ok) {
        Candidate base =
            candidate.baseEnvironment == null ? null : byName.get(candidate.baseEnvironment);
        if (base == null || base.failed()) {
          continue;
        }
        if (base.needRoot && !candidate.needRoot) {
          candidate.needRoot = true;
          candidate.warnings.add(
              Labels.IMAGE_NEED_ROOT
                  + " inherited from base environment "
                  + base.metadataName
                  + " (an image keeps its base's labels)");
          changed = true;
        }
        if (base.gpu && !candidate.gpu) {
          candidate.gpu = true;
          candidate.warnings.add(
              Labels.IMAGE_NEED_GPU
                  + " inherited from base environment "
                  + base.metadataName
                  + " (an image keeps its base's labels)");
          changed = true;
        }
      }
    }
  }

  private void chooseBuild(Candidate candidate) {
    candidate.warnings.addAll(InstructionWarnings.of(candidate.stage));
    LayersMapping.Outcome layers = LayersMapping.map(candidate);
    if (layers.failure() != null) {
      candidate.failure = layers.failure();
      return;
    }
    if (layers.layers() != null) {
      candidate.build = "layers";
      candidate.layers = layers.layers();
      candidate.warnings.addAll(layers.notes());
      return;
    }
    boolean runs =
        candidate.stage.chain().stream()
            .flatMap(s -> s.instructions().stream())
            .anyMatch(i -> i.keyword().equals("RUN"));
    if (!runs) {
      candidate.warnings.add("a dockerfile build, not layers: " + layers.notLayers());
    }
    DockerfileMapping.Outcome dockerfile = DockerfileMapping.map(candidate);
    candidate.warnings.addAll(dockerfile.warnings());
    if (dockerfile.failure() != null) {
      candidate.failure = dockerfile.failure();
      return;
    }
    candidate.build = "dockerfile";
    candidate.dockerfileContext = dockerfile.context();
    candidate.buildArgs = DockerfileMapping.buildArgs(options.buildArgs(), dockerfile.argNames());
  }

  private void warnCycles() {
    for (Candidate candidate : candidates) {
      if (candidate.failed()) {
        continue;
      }
      List<String> path = new ArrayList<>(List.of(candidate.metadataName));
      Set<String> seen = new HashSet<>(path);
      Candidate current = candidate;
      while (current != null && current.baseEnvironment != null) {
        path.add(current.baseEnvironment);
        if (current.baseEnvironment.equals(candidate.metadataName)) {
          candidate.warnings.add(
              "its base chain loops ("
                  + String.join(" -> ", path)
                  + "): the operator reports BaseCycle");
          break;
        }
        if (!seen.add(current.baseEnvironment)) {
          break;
        }
        current = byName.get(current.baseEnvironment);
      }
    }
  }

  /**
   * Environments of one Dockerfile share its build context ConfigMap when their rewritten
   * Dockerfiles agree (they differ only when their stages start from different bases).
   */
  private void shareContexts() {
    Map<String, ContextConfigMap> byContent = new LinkedHashMap<>();
    for (Candidate candidate : candidates) {
      if (candidate.failed() || candidate.dockerfileContext == null) {
        continue;
      }
      String key = candidate.folder + "\0" + candidate.dockerfileContext.dockerfile();
      ContextConfigMap configMap = byContent.get(key);
      if (configMap == null) {
        configMap =
            new ContextConfigMap(
                candidate.metadataName + "-context", candidate.dockerfileContext.files());
        byContent.put(key, configMap);
      }
      candidate.contextConfigMap = configMap;
    }
  }

  private ImportedEnvironment row(Candidate candidate) {
    if (!candidate.failed()) {
      String yaml = EnvironmentManifest.yaml(candidate, options);
      GradingEnvironment environment = EnvironmentManifest.parse(yaml);
      List<String> problems = GradingEnvironmentValidator.validate(environment);
      if (problems.isEmpty()) {
        List<ContextConfigMap> configMaps =
            candidate.layers != null
                ? candidate.layers.configMaps()
                : List.of(candidate.contextConfigMap);
        String runtime =
            ResolvedRuntime.resolve(environment.getSpec().grading, options.config())
                .runtimeClassName();
        return new ImportedEnvironment(
            candidate.environmentName,
            candidate.metadataName,
            candidate.source(),
            candidate.build,
            candidate.baseDescription(),
            runtime,
            List.copyOf(candidate.warnings),
            yaml,
            configMaps,
            null);
      }
      candidate.failure = "the manifest would not be valid: " + String.join("; ", problems);
    }
    return new ImportedEnvironment(
        candidate.environmentName,
        candidate.metadataName,
        candidate.source(),
        null,
        candidate.stage == null ? "-" : candidate.baseDescription(),
        "-",
        List.copyOf(candidate.warnings),
        null,
        List.of(),
        candidate.failure);
  }
}
