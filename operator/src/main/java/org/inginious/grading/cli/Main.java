package org.inginious.grading.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(
    name = "grading-environment-operator",
    mixinStandardHelpOptions = true,
    version = "grading-environment-operator 0.1.0",
    description = "Builds, pins and places INGInious grading environments on Kubernetes.",
    subcommands = {RunCommand.class, RenderCommand.class, ValidateCommand.class, DemoCommand.class})
public class Main implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  public static CommandLine commandLine() {
    return new CommandLine(new Main());
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }
}
