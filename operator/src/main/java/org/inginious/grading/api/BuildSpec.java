package org.inginious.grading.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "[has(self.dockerfile), has(self.layers), has(self.prebuilt)].filter(x, x).size() == 1",
    message =
        "exactly one of spec.build.dockerfile, spec.build.layers or spec.build.prebuilt must be set")
@ValidationRule(
    value = "!has(self.prebuilt) || !has(self.base)",
    message = "spec.build.base applies to dockerfile and layers builds, not to prebuilt images")
public class BuildSpec {
  @JsonPropertyDescription("Build with a Dockerfile in a Kaniko Job (RUN steps allowed).")
  public DockerfileBuild dockerfile;

  @JsonPropertyDescription(
      "Build in-process with jib: files, env and labels on top of a base (no RUN).")
  public LayersBuild layers;

  @JsonPropertyDescription(
      "Use an existing image: the tag is resolved to a digest and its labels are checked.")
  public PrebuiltImage prebuilt;

  @JsonPropertyDescription("What dockerfile and layers builds start from.")
  public BaseSpec base;

  @JsonPropertyDescription("Build timeout, for example 30m.")
  @Pattern(Formats.DURATION)
  @Size(min = 1, max = 20)
  @ValidationRule(
      value = "self.matches('[1-9]')",
      message = "spec.build.timeout must be longer than 0s")
  public String timeout;

  @JsonPropertyDescription("Resources of build Jobs.")
  public Resources resources;

  /** Names of the ConfigMaps a build reads (layers files, Dockerfile, build context), once each. */
  public List<String> configMapNames() {
    Stream<String> names = Stream.empty();
    if (layers != null && layers.files != null) {
      names =
          layers.files.stream().filter(f -> f.configMapRef != null).map(f -> f.configMapRef.name);
    }
    if (dockerfile != null) {
      names =
          Stream.concat(
              names,
              Stream.of(
                  dockerfile.configMapRef == null ? null : dockerfile.configMapRef.name,
                  dockerfile.contextConfigMapRef == null
                      ? null
                      : dockerfile.contextConfigMapRef.name));
    }
    return names.filter(Objects::nonNull).distinct().toList();
  }
}
