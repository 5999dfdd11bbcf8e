package org.inginious.grading.importer;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.inginious.grading.config.InvalidConfigException;
import org.inginious.grading.config.OperatorConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "import",
    description = {
      "Turn INGInious grading environments (a folder of environment folders with Dockerfiles, as in"
          + " INGInious/containers' grading/, or one environment folder) into GradingEnvironments and the"
          + " ConfigMaps their builds read, for kubectl apply --server-side -k OUTDIR.",
      "Prints one row per environment with its warnings; exit 0 when something was imported (warnings or not),"
          + " 1 when nothing was."
    })
public class ImportCommand implements Callable<Integer> {
  @Parameters(
      index = "0",
      paramLabel = "DIR",
      description = "The folder of environment folders, or one environment folder.")
  Path source;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "OUTDIR",
      description =
          "Where to write environments/, contexts/ and kustomization.yaml; without it nothing is written.")
  Path output;

  @Option(
      names = "--namespace",
      paramLabel = "NS",
      description = "Namespace of everything written (default: none, kubectl's).")
  String namespace;

  @Option(
      names = "--repository-prefix",
      paramLabel = "REGISTRY/PATH",
      description = "Images are pushed to REGISTRY/PATH/env-<name> (default: ${DEFAULT-VALUE}).",
      defaultValue = ImportOptions.DEFAULT_REPOSITORY_PREFIX)
  String repositoryPrefix;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = "Operator configuration, for the RuntimeClass column.")
  Path config;

  @Option(
      names = "--build-arg",
      paramLabel = "NAME=VALUE",
      description =
          "A value for an ARG, as docker build --build-arg; passed on to dockerfile builds that declare it.")
  Map<String, String> buildArgs = new LinkedHashMap<>();

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    String problem = checkOptions();
    if (problem != null) {
      err.println(problem);
      return 2;
    }
    ImportResult result;
    try {
      OperatorConfig operatorConfig =
          config == null ? OperatorConfig.defaults() : OperatorConfig.load(config);
      String prefix = repositoryPrefix.replaceAll("/+$", "");
      result =
          Importer.run(
              new ImportOptions(source, prefix, namespace, Map.copyOf(buildArgs), operatorConfig));
    } catch (InvalidConfigException e) {
      err.println(e.getMessage());
      return 2;
    } catch (IOException e) {
      err.println(source + ": cannot be read: " + e.getMessage());
      return 1;
    }
    out.print(ImportTable.render(result));
    result.notes().forEach(note -> out.println("note: " + note));
    int imported = result.imported().size();
    long withWarnings = result.imported().stream().filter(e -> !e.warnings().isEmpty()).count();
    int failed = result.environments().size() - imported;
    out.println(
        imported
            + " environment(s) imported ("
            + withWarnings
            + " with warnings), "
            + failed
            + " not imported.");
    if (imported == 0) {
      err.println("nothing could be imported from " + source);
      out.flush();
      return 1;
    }
    if (output == null) {
      out.println("Nothing written: pass -o OUTDIR to write the manifests.");
    } else {
      try {
        OutputWriter.write(result, output);
      } catch (IOException e) {
        err.println("cannot write " + output + ": " + e.getMessage());
        return 1;
      }
      out.println(
          "Written to "
              + output
              + ": check with `validate -f "
              + output.resolve(OutputWriter.ENVIRONMENTS)
              + "`, apply with `kubectl apply --server-side -k "
              + output
              + "`.");
    }
    if (ImportOptions.DEFAULT_REPOSITORY_PREFIX.equals(repositoryPrefix)) {
      out.println(
          "Images go to "
              + ImportOptions.DEFAULT_REPOSITORY_PREFIX
              + "/env-<name>: pass --repository-prefix"
              + " REGISTRY/PATH for yours.");
    }
    out.flush();
    return 0;
  }

  private String checkOptions() {
    if (!Files.isDirectory(source)) {
      return source + ": not a directory";
    }
    if (namespace != null && !namespace.matches("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")) {
      return "--namespace '"
          + namespace
          + "' is not a namespace name (lower case letters, digits and '-')";
    }
    String prefix = repositoryPrefix.replaceAll("/+$", "");
    if (prefix.isEmpty() || !Names.validImage(prefix + "/env-x") || prefix.contains("@")) {
      return "--repository-prefix '"
          + repositoryPrefix
          + "' is not REGISTRY/PATH (for example registry.example.edu/inginious)";
    }
    return null;
  }
}
