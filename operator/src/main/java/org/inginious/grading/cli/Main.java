package org.inginious.grading.cli;

import org.inginious.grading.importer.ImportCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(
    name = "grading-environment-operator",
    mixinStandardHelpOptions = true,
    version = "grading-environment-operator 0.1.0",
    description = "Builds, pins and places INGInious grading environments on Kubernetes.",
    subcommands = {
      RunCommand.class,
      RenderCommand.class,
      ValidateCommand.class,
      ImportCommand.class,
      DemoCommand.class
    })
public class Main implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /**
   * No stack trace, ever: a usage error is one line and exit 2; anything a command did not expect
   * is one line and exit 1 (commands report what they expect themselves).
   */
  public static CommandLine commandLine() {
    return new CommandLine(new Main())
        // `-f a.yaml --strict`: an unknown option, not a file named --strict
        .setUnmatchedOptionsAllowedAsOptionParameters(false)
        .setParameterExceptionHandler(
            (e, args) -> {
              CommandLine command = e.getCommandLine();
              command
                  .getErr()
                  .println(
                      e.getMessage()
                          + " (see: "
                          + command.getCommandSpec().qualifiedName()
                          + " --help)");
              return CommandLine.ExitCode.USAGE;
            })
        .setExecutionExceptionHandler(
            (e, command, parseResult) -> {
              command
                  .getErr()
                  .println(command.getCommandSpec().qualifiedName() + ": " + oneLine(e));
              return CommandLine.ExitCode.SOFTWARE;
            });
  }

  /** The message of the innermost cause that has one, on one line. */
  static String oneLine(Throwable e) {
    String message = null;
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause.getMessage() != null && !cause.getMessage().isBlank()) {
        message = cause.getMessage();
      }
    }
    return message == null
        ? "failed unexpectedly"
        : message.strip().lines().findFirst().orElse("").strip();
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }
}
