package org.inginious.grading.cli;

import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import io.fabric8.kubernetes.api.model.ConfigMap;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.inginious.grading.api.GradingEnvironment;
import org.inginious.grading.api.GradingEnvironmentValidator;
import org.inginious.grading.api.ReadProblems;

/**
 * Reads GradingEnvironments from YAML files or directories of them, as kubectl and a strict API
 * server would: documents and the items of a `kind: List`, unknown fields and wrong values are
 * problems, and so are duplicate names, two environments with one environmentName in a namespace,
 * bases in a cycle, an unknown kind of our API group, and input without any GradingEnvironment.
 * ConfigMaps are kept (`render` shows what dockerfile builds make of them); other kinds are
 * skipped. Every problem is one line: file, document, field.
 */
public final class ManifestReader {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** As strict as the API server: no unknown fields, no scalar coercion. */
  private static final ObjectMapper STRICT =
      JsonMapper.builder()
          .enable(
              DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES,
              DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
          .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
          .withCoercionConfig(
              LogicalType.Textual,
              c ->
                  c.setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                      .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                      .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
          .withCoercionConfig(
              LogicalType.Boolean,
              c -> c.setCoercion(CoercionInputShape.Integer, CoercionAction.Fail))
          .addMixIn(io.fabric8.kubernetes.api.model.ObjectMeta.class, NoAdditionalProperties.class)
          .build();

  private static final String API_VERSION =
      GradingEnvironment.GROUP + "/" + GradingEnvironment.VERSION;

  /**
   * fabric8's model keeps unknown fields as "additional properties"; the API server rejects them.
   */
  private abstract static class NoAdditionalProperties {
    @JsonAnySetter(enabled = false)
    abstract void setAdditionalProperty(String name, Object value);
  }

  public record Result(
      List<GradingEnvironment> environments, List<String> problems, List<ConfigMap> configMaps) {
    public Result(List<GradingEnvironment> environments, List<String> problems) {
      this(environments, problems, List.of());
    }
  }

  /** An environment and where it was read: "file: document 2 (php)". */
  private record Read(GradingEnvironment environment, String where) {}

  private final List<Read> environments = new ArrayList<>();
  private final List<String> problems = new ArrayList<>();
  private final List<ConfigMap> configMaps = new ArrayList<>();
  private int environmentDocuments;

  private ManifestReader() {}

  public static Result read(List<Path> paths) {
    ManifestReader reader = new ManifestReader();
    for (Path file : reader.expand(paths)) {
      reader.readFile(file);
    }
    reader.checkAcrossObjects();
    if (reader.environmentDocuments == 0 && reader.problems.isEmpty()) {
      reader.problems.add(
          String.join(", ", paths.stream().map(Path::toString).toList())
              + ": no GradingEnvironment found (apiVersion "
              + API_VERSION
              + ", kind GradingEnvironment)");
    }
    return new Result(
        reader.environments.stream().map(Read::environment).toList(),
        reader.problems,
        reader.configMaps);
  }

  private List<Path> expand(List<Path> paths) {
    List<Path> files = new ArrayList<>();
    for (Path path : paths) {
      if (Files.isDirectory(path)) {
        try (Stream<Path> walk = Files.walk(path)) {
          walk.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
              .sorted()
              .forEach(files::add);
        } catch (IOException | java.io.UncheckedIOException e) {
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

  private void readFile(Path file) {
    List<JsonNode> documents;
    try {
      documents = YamlDocuments.read(file);
    } catch (YamlDocuments.Unreadable e) {
      problems.add(file + ": " + e.getMessage());
      return;
    } catch (IOException | java.io.UncheckedIOException e) {
      problems.add(file + ": cannot be read: " + e.getMessage());
      return;
    }
    for (int i = 0; i < documents.size(); i++) {
      JsonNode document = documents.get(i);
      String where = file + ": document " + (i + 1);
      if (document == null
          || document.isNull()
          || document.isEmpty() && document.isContainerNode()) {
        continue;
      }
      if (isList(document)) {
        JsonNode items = document.get("items");
        for (int j = 0; j < items.size(); j++) {
          readObject(items.get(j), where + ", item " + (j + 1));
        }
      } else {
        readObject(document, where);
      }
    }
  }

  /**
   * `kind: List` (what `kubectl get -o yaml` prints) or a typed list such as
   * GradingEnvironmentList.
   */
  private static boolean isList(JsonNode document) {
    return document.isObject()
        && document.path("kind").asText().endsWith("List")
        && document.path("items").isArray();
  }

  private void readObject(JsonNode object, String where) {
    if (!object.isObject()
        || !object.path("apiVersion").isTextual()
        || !object.path("kind").isTextual()) {
      problems.add(where + ": not a Kubernetes object (a mapping with apiVersion and kind)");
      return;
    }
    String apiVersion = object.get("apiVersion").asText();
    String kind = object.get("kind").asText();
    String name = object.path("metadata").path("name").asText("");
    String named = name.isEmpty() ? where : where + " (" + name + ")";
    if (kind.equals("GradingEnvironment")) {
      environmentDocuments++;
      readEnvironment(object, named, apiVersion);
    } else if (apiVersion.startsWith(GradingEnvironment.GROUP + "/")) {
      problems.add(
          named
              + ": kind "
              + kind
              + " is not a kind of "
              + GradingEnvironment.GROUP
              + " (known: GradingEnvironment)");
    } else if (kind.equals("ConfigMap") && apiVersion.equals("v1")) {
      readConfigMap(object, named);
    }
  }

  private void readEnvironment(JsonNode document, String where, String apiVersion) {
    if (!apiVersion.equals(API_VERSION)) {
      problems.add(where + ": apiVersion must be " + API_VERSION);
      return;
    }
    dropNulls(document);
    List<String> quantityProblems = fractionalQuantities(document);
    if (!quantityProblems.isEmpty()) {
      quantityProblems.forEach(p -> problems.add(where + ": " + p));
      return;
    }
    GradingEnvironment environment = decode(STRICT, document, GradingEnvironment.class, where);
    if (environment == null) {
      return;
    }
    if (environment.getMetadata() != null && environment.getMetadata().getNamespace() == null) {
      environment.getMetadata().setNamespace("default");
    }
    GradingEnvironmentValidator.validate(environment).forEach(p -> problems.add(where + ": " + p));
    environments.add(new Read(environment, where));
  }

  /** The document as {@code type}, or null with a problem naming the field. */
  private <T> T decode(ObjectMapper mapper, JsonNode document, Class<T> type, String where) {
    try {
      return mapper.treeToValue(document, type);
    } catch (JsonMappingException e) {
      problems.add(where + ": " + ReadProblems.describe(e));
    } catch (JsonProcessingException | IllegalArgumentException e) {
      problems.add(where + ": " + e.getMessage());
    }
    return null;
  }

  private void readConfigMap(JsonNode document, String where) {
    ConfigMap configMap = decode(JSON, document, ConfigMap.class, where);
    if (configMap == null
        || configMap.getMetadata() == null
        || configMap.getMetadata().getName() == null) {
      return;
    }
    // the API server decodes binaryData as base64 (Go's decoder skips line breaks); so do the
    // builds
    if (configMap.getBinaryData() != null) {
      configMap
          .getBinaryData()
          .forEach(
              (key, value) -> {
                if (!isBase64(value)) {
                  problems.add(where + ": binaryData." + key + ": not base64");
                }
              });
    }
    if (configMap.getMetadata().getNamespace() == null) {
      configMap.getMetadata().setNamespace("default");
    }
    configMaps.add(configMap);
  }

  private static boolean isBase64(String value) {
    try {
      Base64.getDecoder().decode(value == null ? "" : value.replace("\r", "").replace("\n", ""));
      return value != null;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** Rules no single object can break: what the cluster would make of this set of manifests. */
  private void checkAcrossObjects() {
    Map<String, Read> byName = new HashMap<>();
    Map<String, Read> byEnvironmentName = new HashMap<>();
    for (Read read : environments) {
      GradingEnvironment environment = read.environment();
      if (environment.getMetadata() == null || environment.getMetadata().getName() == null) {
        continue;
      }
      String namespace = environment.getMetadata().getNamespace();
      Read same = byName.putIfAbsent(namespace + "/" + environment.getMetadata().getName(), read);
      if (same != null) {
        problems.add(
            read.where()
                + ": metadata.name: "
                + namespace
                + "/"
                + environment.getMetadata().getName()
                + " is also "
                + same.where());
        continue;
      }
      Read sharing =
          byEnvironmentName.putIfAbsent(namespace + "/" + environment.environmentName(), read);
      if (sharing != null) {
        problems.add(
            read.where()
                + ": spec.environmentName: '"
                + environment.environmentName()
                + "' is also the environment"
                + " name of "
                + sharing.where()
                + " in namespace "
                + namespace
                + " (the grader could not tell them apart)");
      }
    }
    for (Read read : environments) {
      String cycle = baseCycle(read.environment(), byName);
      if (cycle != null) {
        problems.add(
            read.where()
                + ": spec.build.base.environment: the chain of bases is a cycle: "
                + cycle);
      }
    }
  }

  /**
   * The cycle this environment's bases run into, among the manifests read ("a -> b -> a"), or null.
   */
  private static String baseCycle(GradingEnvironment environment, Map<String, Read> byName) {
    if (environment.getMetadata() == null || environment.getMetadata().getName() == null) {
      return null;
    }
    String namespace = environment.getMetadata().getNamespace();
    Map<String, Integer> seen = new LinkedHashMap<>();
    GradingEnvironment current = environment;
    while (current != null) {
      String name = current.getMetadata().getName();
      if (seen.putIfAbsent(name, seen.size()) != null) {
        // a cycle through this environment (its own base is the validator's); one it only leads
        // into is not its
        return seen.get(name) == 0 && seen.size() > 1
            ? String.join(" -> ", seen.keySet()) + " -> " + name
            : null;
      }
      String base =
          current.getSpec() == null
                  || current.getSpec().build == null
                  || current.getSpec().build.base == null
              ? null
              : current.getSpec().build.base.environment;
      Read next = base == null ? null : byName.get(namespace + "/" + base);
      current = next == null ? null : next.environment();
    }
    return null;
  }

  /**
   * As the API server does before it validates: a null field or map entry is not there (list items
   * stay).
   */
  private static void dropNulls(JsonNode node) {
    if (node.isObject()) {
      node.fields().forEachRemaining(field -> dropNulls(field.getValue()));
      ((com.fasterxml.jackson.databind.node.ObjectNode) node)
          .properties()
          .removeIf(field -> field.getValue().isNull());
    } else if (node.isArray()) {
      node.forEach(ManifestReader::dropNulls);
    }
  }

  /**
   * Quantities are int-or-string: the API server rejects `cpu: 0.5` (write "500m"); fabric8 would
   * accept it.
   */
  private static List<String> fractionalQuantities(JsonNode document) {
    List<String> problems = new ArrayList<>();
    for (String section : List.of("grading", "build")) {
      for (String kind : List.of("limits", "requests")) {
        JsonNode quantities = document.path("spec").path(section).path("resources").path(kind);
        quantities
            .fields()
            .forEachRemaining(
                e -> {
                  if (e.getValue().isNumber() && !e.getValue().isIntegralNumber()) {
                    problems.add(
                        "invalid value at spec."
                            + section
                            + ".resources."
                            + kind
                            + "."
                            + e.getKey()
                            + ": "
                            + e.getValue()
                            + " must be an integer or a string such as \"500m\"");
                  }
                });
      }
    }
    return problems;
  }
}
