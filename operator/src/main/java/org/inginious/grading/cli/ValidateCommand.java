package org.inginious.grading.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "validate",
    description = "Check GradingEnvironment manifests; exit 1 with one line per problem.")
public class ValidateCommand implements Callable<Integer> {
  @Option(
      names = {"-f", "--filename"},
      required = true,
      arity = "1..*",
      paramLabel = "FILE",
      description = "Manifest files or directories.")
  List<Path> files;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    ManifestReader.Result result = ManifestReader.read(files);
    if (!result.problems().isEmpty()) {
      result.problems().forEach(spec.commandLine().getErr()::println);
      return 1;
    }
    spec.commandLine()
        .getOut()
        .println(result.environments().size() + " GradingEnvironment(s) valid");
    return 0;
  }
}
