package org.inginious.grading.cli;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.inginious.grading.api.GradingEnvironment;
import org.inginious.grading.api.GradingEnvironmentValidator;

/**
 * Reads GradingEnvironments from YAML files or directories of them, strictly: unknown fields and
 * wrong values are problems, as a strict API server would report them. Other kinds are skipped.
 */
public final class ManifestReader {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final ObjectMapper STRICT = new ObjectMapper()
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

  public record Result(List<GradingEnvironment> environments, List<String> problems) {}

  private ManifestReader() {}

  public static Result read(List<Path> paths) {
    List<GradingEnvironment> environments = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    for (Path file : expand(paths, problems)) {
      readFile(file, environments, problems);
    }
    return new Result(environments, problems);
  }

  private static List<Path> expand(List<Path> paths, List<String> problems) {
    List<Path> files = new ArrayList<>();
    for (Path path : paths) {
      if (Files.isDirectory(path)) {
        try (Stream<Path> walk = Files.walk(path)) {
          walk.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml")).sorted().forEach(files::add);
        } catch (IOException e) {
          problems.add(path + ": cannot be read: " + e.getMessage());
        }
      } else if (Files.isRegularFile(path)) {
        files.add(path);
      } else {
        problems.add(path + ": no such file or directory");
      }
    }
    return files;
  }

  private static void readFile(Path file, List<GradingEnvironment> environments, List<String> problems) {
    List<JsonNode> documents;
    try (var parser = YAML.getFactory().createParser(file.toFile())) {
      documents = YAML.readValues(parser, JsonNode.class).readAll();
    } catch (JsonProcessingException e) {
      problems.add(file + ": not valid YAML: " + e.getOriginalMessage()
          + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")"));
      return;
    } catch (IOException e) {
      problems.add(file + ": cannot be read: " + e.getMessage());
      return;
    }
    for (int i = 0; i < documents.size(); i++) {
      JsonNode document = documents.get(i);
      if (document == null || document.isNull() || document.isEmpty()) {
        continue;
      }
      if (!"GradingEnvironment".equals(document.path("kind").asText())) {
        continue;
      }
      String where = file + ": " + document.path("metadata").path("name").asText("document " + (i + 1));
      if (!document.path("apiVersion").asText().equals(GradingEnvironment.GROUP + "/" + GradingEnvironment.VERSION)) {
        problems.add(where + ": apiVersion must be " + GradingEnvironment.GROUP + "/" + GradingEnvironment.VERSION);
        continue;
      }
      GradingEnvironment environment;
      try {
        environment = STRICT.treeToValue(document, GradingEnvironment.class);
      } catch (UnrecognizedPropertyException e) {
        problems.add(where + ": unknown field " + path(e) + " (known: " + e.getKnownPropertyIds().stream()
            .map(String::valueOf).sorted().collect(Collectors.joining(", ")) + ")");
        continue;
      } catch (JsonMappingException e) {
        problems.add(where + ": invalid value at " + path(e) + ": " + e.getOriginalMessage().split("\n")[0]);
        continue;
      } catch (JsonProcessingException e) {
        problems.add(where + ": " + e.getOriginalMessage());
        continue;
      }
      if (environment.getMetadata().getNamespace() == null) {
        environment.getMetadata().setNamespace("default");
      }
      GradingEnvironmentValidator.validate(environment).forEach(p -> problems.add(where + ": " + p));
      environments.add(environment);
    }
  }

  private static String path(JsonMappingException e) {
    return e.getPath().stream()
        .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
        .collect(Collectors.joining("."));
  }
}
