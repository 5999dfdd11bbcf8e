package org.inginious.grading.config;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;
import org.inginious.grading.api.Formats;
import org.inginious.grading.api.ReadProblems;
import org.inginious.grading.api.Runtime;

/**
 * The operator's own configuration (Helm values -> a mounted config.yaml). Every key is optional;
 * what is absent takes the defaults of DESIGN.md, and a runtime given in the file is merged over
 * its default entry.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record OperatorConfig(
    String defaultRuntime,
    Map<String, RuntimeConfig> runtimes,
    BuildsConfig builds,
    GradingConfig grading,
    PrePullConfig prePull) {

  private static final ObjectMapper YAML =
      new ObjectMapper(new YAMLFactory())
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(
              JsonParser.Feature
                  .STRICT_DUPLICATE_DETECTION); // a key given twice is a mistake, not "the last

  // wins"

  public static OperatorConfig defaults() {
    return new OperatorConfig(
        "runc",
        defaultRuntimes(),
        BuildsConfig.defaults(),
        GradingConfig.defaults(),
        PrePullConfig.defaults());
  }

  private static Map<String, RuntimeConfig> defaultRuntimes() {
    Map<String, RuntimeConfig> runtimes = new LinkedHashMap<>();
    runtimes.put("runc", new RuntimeConfig("runc", "runc", true, null));
    runtimes.put(
        "crun",
        new RuntimeConfig("crun", "crun", true, Map.of("grading.inginious.org/crun", "true")));
    runtimes.put("kata", new RuntimeConfig("kata-qemu", null, false, null));
    runtimes.put("nvidia", new RuntimeConfig("nvidia", null, false, null));
    return runtimes;
  }

  /**
   * Reads and validates a config file; every problem is an {@link InvalidConfigException} naming
   * the key.
   */
  public static OperatorConfig load(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw new InvalidConfigException(file + ": cannot be read: " + e.getMessage());
    }
    return parse(text, file.toString());
  }

  public static OperatorConfig parse(String yaml, String source) {
    OperatorConfig read;
    try {
      read = yaml.isBlank() ? null : YAML.readValue(yaml, OperatorConfig.class);
    } catch (UnrecognizedPropertyException e) {
      throw new InvalidConfigException(
          source + ": unknown key '" + path(e) + "' (known: " + e.getKnownPropertyIds() + ")");
    } catch (JsonMappingException e) {
      throw new InvalidConfigException(
          source + ": invalid value at '" + path(e) + "': " + ReadProblems.message(e));
    } catch (JsonProcessingException e) {
      throw new InvalidConfigException(
          source
              + ": not valid YAML: "
              + e.getOriginalMessage().strip().lines().findFirst().orElse("")
              + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")"));
    }
    if (read != null && read.runtimes != null) {
      read.runtimes.forEach(
          (name, given) -> {
            if (given == null) {
              throw new InvalidConfigException(
                  source + ": 'runtimes." + name + "' is empty: give its runtimeClassName");
            }
          });
    }
    OperatorConfig merged = read == null ? defaults() : defaults().overlay(read);
    merged.validate(source);
    return merged;
  }

  private static String path(JsonMappingException e) {
    return e.getPath().stream()
        .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
        .collect(Collectors.joining("."));
  }

  private OperatorConfig overlay(OperatorConfig other) {
    Map<String, RuntimeConfig> mergedRuntimes = new LinkedHashMap<>(runtimes);
    if (other.runtimes != null) {
      other.runtimes.forEach(
          (name, given) -> mergedRuntimes.merge(name, given, OperatorConfig::overlay));
    }
    BuildsConfig b = builds;
    BuildsConfig o = other.builds;
    BuildsConfig mergedBuilds =
        o == null
            ? b
            : new BuildsConfig(
                o.kanikoImage() != null ? o.kanikoImage() : b.kanikoImage(),
                o.jib() == null
                    ? b.jib()
                    : new BuildsConfig.JibConfig(
                        o.jib().maxConcurrent() != null
                            ? o.jib().maxConcurrent()
                            : b.jib().maxConcurrent(),
                        o.jib().cacheDir() != null ? o.jib().cacheDir() : b.jib().cacheDir()),
                o.successfulHistory() != null ? o.successfulHistory() : b.successfulHistory(),
                o.failedHistory() != null ? o.failedHistory() : b.failedHistory());
    return new OperatorConfig(
        other.defaultRuntime != null ? other.defaultRuntime : defaultRuntime,
        mergedRuntimes,
        mergedBuilds,
        grading.overlay(other.grading),
        prePull.overlay(other.prePull));
  }

  private static RuntimeConfig overlay(RuntimeConfig base, RuntimeConfig given) {
    return new RuntimeConfig(
        given.runtimeClassName() != null ? given.runtimeClassName() : base.runtimeClassName(),
        given.handler() != null ? given.handler() : base.handler(),
        given.managed() != null ? given.managed() : base.managed(),
        given.nodeSelector().isEmpty() ? base.nodeSelector() : given.nodeSelector());
  }

  private void validate(String source) {
    for (String name : runtimes.keySet()) {
      if (!name.equals("runc")
          && !name.equals("crun")
          && !name.equals("kata")
          && !name.equals("nvidia")) {
        throw new InvalidConfigException(
            source + ": unknown key 'runtimes." + name + "' (known: runc, crun, kata, nvidia)");
      }
      RuntimeConfig runtime = runtimes.get(name);
      if (runtime.runtimeClassName() == null || runtime.runtimeClassName().isBlank()) {
        throw new InvalidConfigException(
            source + ": 'runtimes." + name + ".runtimeClassName' must be set");
      }
      if (!Formats.isDnsSubdomain(runtime.runtimeClassName())) {
        throw new InvalidConfigException(
            source
                + ": 'runtimes."
                + name
                + ".runtimeClassName' is not a valid"
                + " Kubernetes name: '"
                + runtime.runtimeClassName()
                + "'");
      }
      // the API server's rules for a RuntimeClass: the handler is a DNS label, the node selector
      // labels
      if (runtime.handler() != null
          && (runtime.handler().length() > 63
              || !Formats.matches(Formats.DNS_LABEL, runtime.handler()))) {
        throw new InvalidConfigException(
            source
                + ": 'runtimes."
                + name
                + ".handler' is not a DNS label (lowercase letters,"
                + " digits and '-', at most 63 characters): '"
                + runtime.handler()
                + "'");
      }
      runtime
          .nodeSelector()
          .forEach(
              (key, value) -> {
                if (!Formats.isLabelKey(key)) {
                  throw new InvalidConfigException(
                      source
                          + ": 'runtimes."
                          + name
                          + ".nodeSelector' key '"
                          + key
                          + "' is not a label key");
                }
                if (value == null
                    || value.length() > 63
                    || !Formats.matches(Formats.LABEL_VALUE, value)) {
                  throw new InvalidConfigException(
                      source
                          + ": 'runtimes."
                          + name
                          + ".nodeSelector."
                          + key
                          + "' is not a label"
                          + " value: '"
                          + value
                          + "'");
                }
              });
    }
    Map<String, String> runtimeOfClass = new LinkedHashMap<>();
    runtimes.forEach(
        (name, runtime) -> {
          String other = runtimeOfClass.putIfAbsent(runtime.runtimeClassName(), name);
          if (other != null && !sameClass(runtimes.get(other), runtime)) {
            // the operator would write the one RuntimeClass two ways, for ever
            throw new InvalidConfigException(
                source
                    + ": 'runtimes."
                    + name
                    + ".runtimeClassName' names RuntimeClass '"
                    + runtime.runtimeClassName()
                    + "' like 'runtimes."
                    + other
                    + "' but with another handler, managed flag or"
                    + " nodeSelector");
          }
        });
    String kaniko = builds.kanikoImage();
    if (kaniko == null
        || kaniko.length() > Formats.IMAGE_MAX
        || !Formats.matches(Formats.IMAGE_REFERENCE, kaniko)) {
      throw new InvalidConfigException(
          source + ": 'builds.kanikoImage' is not an image reference: '" + kaniko + "'");
    }
    requireImage(source, "prePull.pauseImage", prePull.pauseImage());
    requireImage(source, "prePull.helperImage", prePull.helperImage());
    String cacheDir = builds.jib().cacheDir();
    if (cacheDir == null || !Formats.matches(Formats.ABSOLUTE_PATH, cacheDir)) {
      throw new InvalidConfigException(
          source + ": 'builds.jib.cacheDir' must be an absolute path: '" + cacheDir + "'");
    }
    if (!defaultRuntime.equals("runc") && !defaultRuntime.equals("crun")) {
      throw new InvalidConfigException(
          source + ": 'defaultRuntime' must be runc or crun (was '" + defaultRuntime + "')");
    }
    if (builds.jib().maxConcurrent() < 1) {
      throw new InvalidConfigException(source + ": 'builds.jib.maxConcurrent' must be at least 1");
    }
    if (builds.successfulHistory() < 0 || builds.failedHistory() < 0) {
      throw new InvalidConfigException(
          source + ": 'builds.successfulHistory' and 'builds.failedHistory' must not be negative");
    }
  }

  private static void requireImage(String source, String key, String image) {
    if (image == null
        || image.isBlank()
        || image.length() > Formats.IMAGE_MAX
        || !Formats.matches(Formats.IMAGE_REFERENCE, image)) {
      throw new InvalidConfigException(
          source + ": '" + key + "' is not an image reference: '" + image + "'");
    }
  }

  private static boolean sameClass(RuntimeConfig a, RuntimeConfig b) {
    return a.handlerOrDefault().equals(b.handlerOrDefault())
        && a.isManaged() == b.isManaged()
        && a.nodeSelector().equals(b.nodeSelector());
  }

  /** The configured entry for a concrete runtime (never auto). */
  public RuntimeConfig runtime(Runtime runtime) {
    if (runtime == Runtime.AUTO) {
      throw new IllegalArgumentException("auto is resolved before looking up a runtime");
    }
    return runtimes.get(runtime.id());
  }

  public Runtime defaultRuntimeValue() {
    return Runtime.valueOf(defaultRuntime.toUpperCase(java.util.Locale.ROOT));
  }
}
