package org.inginious.grading.cli;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.inginious.grading.config.InvalidConfigException;
import org.inginious.grading.config.OperatorConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "render",
    description =
        "Print, offline, every object the operator would create for these manifests (GitOps preview).")
public class RenderCommand implements Callable<Integer> {
  @Option(
      names = {"-f", "--filename"},
      required = true,
      arity = "1..*",
      paramLabel = "FILE",
      description = "Manifest files or directories.")
  List<Path> files;

  @Mixin ConfigOption config;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    OperatorConfig operatorConfig;
    try {
      operatorConfig = config.load();
    } catch (InvalidConfigException e) {
      spec.commandLine().getErr().println(e.getMessage());
      return 1;
    }
    ManifestReader.Result result = ManifestReader.read(files);
    if (!result.problems().isEmpty()) {
      result.problems().forEach(spec.commandLine().getErr()::println);
      return 1;
    }
    StringBuilder out = new StringBuilder();
    for (HasMetadata object :
        Renderer.render(result.environments(), result.configMaps(), operatorConfig)) {
      String yaml = Serialization.asYaml(object);
      out.append(yaml.startsWith("---") ? yaml : "---\n" + yaml);
    }
    spec.commandLine().getOut().print(out);
    spec.commandLine().getOut().flush();
    return 0;
  }
}
