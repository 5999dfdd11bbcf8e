package org.inginious.grading.cli;

import java.nio.file.Path;
import org.inginious.grading.config.OperatorConfig;
import picocli.CommandLine.Option;

/** --config, shared by the commands that need the operator configuration. */
public class ConfigOption {
  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = "Operator configuration (config.yaml); defaults apply when absent.")
  Path config;

  OperatorConfig load() {
    return config == null ? OperatorConfig.defaults() : OperatorConfig.load(config);
  }
}
