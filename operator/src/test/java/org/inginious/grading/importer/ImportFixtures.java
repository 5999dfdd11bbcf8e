package org.inginious.grading.importer;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.inginious.grading.cli.Main;
import org.inginious.grading.config.OperatorConfig;

/**
 * The fixture trees under src/test/resources/import (written in the shape of INGInious/containers,
 * old and current), copied to a temp dir so a test may add to them, file modes kept.
 */
final class ImportFixtures {
  static final Path ROOT =
      Path.of(System.getProperty("project.root", ".."))
          .toAbsolutePath()
          .normalize()
          .resolve("operator/src/test/resources/import");

  record Run(int exitCode, String out, String err) {}

  private ImportFixtures() {}

  static Path copy(String fixture, Path target) {
    Path source = ROOT.resolve(fixture);
    try (Stream<Path> walk = Files.walk(source)) {
      for (Path path : walk.toList()) {
        Path destination = target.resolve(source.relativize(path).toString());
        if (Files.isDirectory(path)) {
          Files.createDirectories(destination);
        } else {
          Files.copy(
              path,
              destination,
              StandardCopyOption.COPY_ATTRIBUTES,
              StandardCopyOption.REPLACE_EXISTING);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return target;
  }

  static ImportResult importTree(Path dir, Map<String, String> buildArgs) {
    try {
      return Importer.run(
          new ImportOptions(
              dir, "registry.example.edu/inginious", null, buildArgs, OperatorConfig.defaults()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static ImportedEnvironment row(ImportResult result, String environmentName) {
    return result.environments().stream()
        .filter(e -> e.environmentName().equals(environmentName))
        .findFirst()
        .orElseThrow(
            () ->
                new AssertionError(
                    "no row for "
                        + environmentName
                        + " in "
                        + result.environments().stream()
                            .map(ImportedEnvironment::environmentName)
                            .toList()));
  }

  static Run cli(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        Main.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  /** Every file under a directory, by relative path: for byte-for-byte comparisons. */
  static Map<String, byte[]> snapshot(Path dir) {
    Map<String, byte[]> files = new TreeMap<>();
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path path : walk.filter(Files::isRegularFile).toList()) {
        files.put(dir.relativize(path).toString(), Files.readAllBytes(path));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return files;
  }
}
