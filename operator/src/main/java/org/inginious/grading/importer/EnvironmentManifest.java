package org.inginious.grading.importer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.util.StringQuotingChecker;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.inginious.grading.api.GradingEnvironment;

/**
 * The GradingEnvironment YAML of one imported environment, written field by field in a fixed order
 * (stable output: a second import writes the same bytes), with where it came from and its warnings
 * as comments on top.
 */
final class EnvironmentManifest {
  static final String SOURCE_ANNOTATION = "grading.inginious.org/imported-from";
  static final ObjectMapper YAML =
      new ObjectMapper(
          YAMLFactory.builder()
              .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
              .disable(YAMLGenerator.Feature.SPLIT_LINES)
              .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
              .enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR)
              .stringQuotingChecker(new PlainOnlyWhenSafe())
              .build());

  /**
   * Plain scalars only for what every YAML reader takes as a string (names, paths, image
   * references); quotes for the rest: "0644", "1e3", "on", "null", "a: b" would otherwise come back
   * as numbers, booleans, nulls or maps.
   */
  static final class PlainOnlyWhenSafe extends StringQuotingChecker {
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z_/][A-Za-z0-9_./:@+=-]*");
    private static final Set<String> RESERVED =
        Set.of("y", "n", "yes", "no", "on", "off", "true", "false", "null");

    @Override
    public boolean needToQuoteName(String name) {
      return needsQuotes(name);
    }

    @Override
    public boolean needToQuoteValue(String value) {
      return needsQuotes(value);
    }

    private static boolean needsQuotes(String text) {
      return !PLAIN.matcher(text).matches()
          || text.endsWith(":")
          || RESERVED.contains(text.toLowerCase(Locale.ROOT));
    }
  }

  private EnvironmentManifest() {}

  static String yaml(Candidate candidate, ImportOptions options) {
    Map<String, Object> metadata = new LinkedHashMap<>();
    metadata.put("name", candidate.metadataName);
    if (options.namespace() != null) {
      metadata.put("namespace", options.namespace());
    }
    metadata.put("annotations", Map.of(SOURCE_ANNOTATION, candidate.source()));

    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put("environmentName", candidate.environmentName);
    spec.put(
        "image",
        Map.of("repository", options.repositoryPrefix() + "/env-" + candidate.metadataName));
    spec.put("build", build(candidate));
    Map<String, Object> grading = new LinkedHashMap<>();
    if (candidate.needRoot) {
      grading.put("needRoot", true);
    }
    if (candidate.gpu) {
      grading.put("gpu", Map.of("count", 1));
    }
    if (!grading.isEmpty()) {
      spec.put("grading", grading);
    }

    Map<String, Object> document = new LinkedHashMap<>();
    document.put("apiVersion", GradingEnvironment.GROUP + "/" + GradingEnvironment.VERSION);
    document.put("kind", "GradingEnvironment");
    document.put("metadata", metadata);
    document.put("spec", spec);
    try {
      return header(candidate) + YAML.writeValueAsString(document);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Map<String, Object> build(Candidate candidate) {
    Map<String, Object> build = new LinkedHashMap<>();
    if (candidate.baseEnvironment != null) {
      build.put("base", Map.of("environment", candidate.baseEnvironment));
    } else if (candidate.baseImage != null) {
      build.put("base", Map.of("image", candidate.baseImage));
    }
    if (candidate.layers != null) {
      Map<String, Object> layers = new LinkedHashMap<>();
      List<Object> files = new ArrayList<>();
      for (LayersMapping.Files entry : candidate.layers.files()) {
        Map<String, Object> file = new LinkedHashMap<>();
        file.put("configMapRef", Map.of("name", entry.configMap()));
        file.put("path", entry.path());
        file.put("mode", entry.mode());
        files.add(file);
      }
      if (!files.isEmpty()) {
        layers.put("files", files);
      }
      if (!candidate.layers.env().isEmpty()) {
        layers.put("env", candidate.layers.env());
      }
      if (candidate.layers.workingDir() != null) {
        layers.put("workingDir", candidate.layers.workingDir());
      }
      build.put("layers", layers);
    } else {
      Map<String, Object> dockerfile = new LinkedHashMap<>();
      String context = candidate.contextConfigMap.name();
      Map<String, Object> reference = new LinkedHashMap<>();
      reference.put("name", context);
      reference.put("key", DockerfileMapping.DOCKERFILE_KEY);
      dockerfile.put("configMapRef", reference);
      dockerfile.put("contextConfigMapRef", Map.of("name", context));
      if (!candidate.buildArgs.isEmpty()) {
        dockerfile.put("buildArgs", candidate.buildArgs);
      }
      if (candidate.target != null) {
        dockerfile.put("target", candidate.target);
      }
      build.put("dockerfile", dockerfile);
    }
    return build;
  }

  private static String header(Candidate candidate) {
    StringBuilder header =
        new StringBuilder(
            "# Imported from "
                + candidate.source()
                + " by `grading-environment-operator import`.\n");
    if (!candidate.warnings.isEmpty()) {
      header.append("# Warnings:\n");
      candidate.warnings.forEach(w -> header.append("# - ").append(w).append('\n'));
    }
    return header.toString();
  }

  static GradingEnvironment parse(String yaml) {
    return Serialization.unmarshal(yaml, GradingEnvironment.class);
  }
}
