package org.inginious.grading.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.Reader;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * YAML documents as kubectl reads them (YAML 1.1, as sigs.k8s.io/yaml): anchors, aliases and merge
 * keys work, a duplicate key is an error, and every value becomes JSON. Limits stop hostile input:
 * SnakeYAML's (50 aliases of collections, nesting 50 deep, 3 MB), and a bound on what the aliases
 * expand to, since a handful of aliases can stand for millions of values.
 */
final class YamlDocuments {
  /** Values one file may expand to: far above any manifest, far below an alias bomb. */
  static final int MAX_VALUES = 100_000;

  /** SnakeYAML bounds nesting in the text; an alias can still nest a value inside itself. */
  static final int MAX_DEPTH = 64;

  /** Why a file cannot be read, as one line. */
  static final class Unreadable extends Exception {
    Unreadable(String message) {
      super(message);
    }
  }

  private YamlDocuments() {}

  /** Every document of the file, null for empty ones. */
  static List<JsonNode> read(Path file) throws IOException, Unreadable {
    LoaderOptions options = new LoaderOptions();
    options.setAllowDuplicateKeys(false);
    SafeConstructor constructor =
        new SafeConstructor(options) {
          {
            // as sigs.k8s.io/yaml does: a date stays the text it was written as
            yamlConstructors.put(Tag.TIMESTAMP, yamlConstructors.get(Tag.STR));
          }
        };
    List<JsonNode> documents = new ArrayList<>();
    int[] budget = {MAX_VALUES};
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      for (Object document : new Yaml(constructor).loadAll(reader)) {
        documents.add(document == null ? null : toJson(document, 0, budget));
      }
    } catch (MarkedYAMLException e) {
      throw new Unreadable(
          "not valid YAML: "
              + e.getProblem()
              + (e.getProblemMark() == null
                  ? ""
                  : " (line "
                      + (e.getProblemMark().getLine() + 1)
                      + ", column "
                      + (e.getProblemMark().getColumn() + 1)
                      + ")"));
    } catch (YAMLException e) {
      throw new Unreadable("not valid YAML: " + firstLine(e.getMessage()));
    }
    return documents;
  }

  private static JsonNode toJson(Object value, int depth, int[] budget) throws Unreadable {
    if (--budget[0] < 0) {
      throw new Unreadable(
          "not accepted: its aliases expand to more than " + MAX_VALUES + " values");
    }
    if (depth > MAX_DEPTH) {
      throw new Unreadable(
          "not accepted: nested more than " + MAX_DEPTH + " levels deep (an alias inside itself?)");
    }
    JsonNodeFactory nodes = JsonNodeFactory.instance;
    if (value == null) {
      return nodes.nullNode();
    }
    if (value instanceof Map<?, ?> map) {
      ObjectNode object = nodes.objectNode();
      for (Map.Entry<?, ?> entry : map.entrySet()) {
        object.set(String.valueOf(entry.getKey()), toJson(entry.getValue(), depth + 1, budget));
      }
      return object;
    }
    if (value instanceof Iterable<?> list) {
      ArrayNode array = nodes.arrayNode();
      for (Object item : list) {
        array.add(toJson(item, depth + 1, budget));
      }
      return array;
    }
    if (value instanceof String text) {
      return nodes.textNode(text);
    }
    if (value instanceof Boolean bool) {
      return nodes.booleanNode(bool);
    }
    if (value instanceof Integer || value instanceof Long) {
      return nodes.numberNode(((Number) value).longValue());
    }
    if (value instanceof BigInteger big) {
      return nodes.numberNode(big);
    }
    if (value instanceof Double number) {
      if (number.isInfinite() || number.isNaN()) {
        throw new Unreadable("not accepted: " + number + " has no JSON form");
      }
      return nodes.numberNode(number);
    }
    if (value instanceof byte[] bytes) {
      return nodes.textNode(
          Base64.getEncoder().encodeToString(bytes)); // !!binary, as JSON writes bytes
    }
    return nodes.textNode(String.valueOf(value));
  }

  private static String firstLine(String message) {
    return message == null ? "" : message.strip().lines().findFirst().orElse("");
  }
}
