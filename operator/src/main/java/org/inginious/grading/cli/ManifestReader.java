package org.inginious.grading.cli;

import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ResourceClaim;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Toleration;
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
 * wrong values are problems, as a strict API server would report them. ConfigMaps are kept as they
 * are (`render` shows what dockerfile builds make of them); other kinds are skipped.
 */
public final class ManifestReader {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  /** As strict as the API server: no unknown fields (also inside fabric8 types), no scalar coercion. */
  private static final ObjectMapper STRICT = JsonMapper.builder()
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
      .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
      .withCoercionConfig(LogicalType.Textual, c -> c.setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
          .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
          .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
      .withCoercionConfig(LogicalType.Boolean, c -> c.setCoercion(CoercionInputShape.Integer, CoercionAction.Fail))
      .addMixIn(ResourceRequirements.class, NoAdditionalProperties.class)
      .addMixIn(Toleration.class, NoAdditionalProperties.class)
      .addMixIn(ResourceClaim.class, NoAdditionalProperties.class)
      .build();

  /** fabric8's model keeps unknown fields as "additional properties"; the API server rejects them. */
  private abstract static class NoAdditionalProperties {
    @JsonAnySetter(enabled = false)
    abstract void setAdditionalProperty(String name, Object value);
  }

  public record Result(List<GradingEnvironment> environments, List<String> problems, List<ConfigMap> configMaps) {
    public Result(List<GradingEnvironment> environments, List<String> problems) {
      this(environments, problems, List.of());
    }
  }

  private ManifestReader() {}

  public static Result read(List<Path> paths) {
    List<GradingEnvironment> environments = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    List<ConfigMap> configMaps = new ArrayList<>();
    for (Path file : expand(paths, problems)) {
      readFile(file, environments, problems, configMaps);
    }
    return new Result(environments, problems, configMaps);
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

  private static void readFile(Path file, List<GradingEnvironment> environments, List<String> problems,
      List<ConfigMap> configMaps) {
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
      if ("ConfigMap".equals(document.path("kind").asText()) && "v1".equals(document.path("apiVersion").asText())) {
        try {
          ConfigMap configMap = YAML.treeToValue(document, ConfigMap.class);
          if (configMap.getMetadata() != null && configMap.getMetadata().getName() != null) {
            if (configMap.getMetadata().getNamespace() == null) {
              configMap.getMetadata().setNamespace("default");
            }
            configMaps.add(configMap);
          }
        } catch (JsonProcessingException e) {
          problems.add(file + ": ConfigMap " + document.path("metadata").path("name").asText("document " + (i + 1)) + ": "
              + e.getOriginalMessage());
        }
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
      List<String> quantityProblems = fractionalQuantities(document);
      if (!quantityProblems.isEmpty()) {
        quantityProblems.forEach(p -> problems.add(where + ": " + p));
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

  /** Quantities are int-or-string: the API server rejects `cpu: 0.5` (write "500m"); fabric8 would accept it. */
  private static List<String> fractionalQuantities(JsonNode document) {
    List<String> problems = new ArrayList<>();
    for (String section : List.of("grading", "build")) {
      for (String kind : List.of("limits", "requests")) {
        JsonNode quantities = document.path("spec").path(section).path("resources").path(kind);
        quantities.fields().forEachRemaining(e -> {
          if (e.getValue().isNumber() && !e.getValue().isIntegralNumber()) {
            problems.add("invalid value at spec." + section + ".resources." + kind + "." + e.getKey() + ": "
                + e.getValue() + " must be an integer or a string such as \"500m\"");
          }
        });
      }
    }
    return problems;
  }

  private static String path(JsonMappingException e) {
    return e.getPath().stream()
        .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
        .collect(Collectors.joining("."));
  }
}
