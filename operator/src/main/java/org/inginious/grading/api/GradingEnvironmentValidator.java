package org.inginious.grading.api;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The CRD's schema and CEL rules, checked again in Java: for `validate`/`render` offline, for API
 * servers that skipped them, and for the mock server in tests. Each problem names its field.
 */
public final class GradingEnvironmentValidator {
  private static final Pattern ENVIRONMENT_NAME = Pattern.compile(GradingEnvironmentSpec.ENVIRONMENT_NAME_PATTERN);
  private static final Pattern DURATION = Pattern.compile(BuildSpec.DURATION_PATTERN);
  private static final Pattern MODE = Pattern.compile("^0?[0-7]{3}$");

  private GradingEnvironmentValidator() {}

  public static List<String> validate(GradingEnvironment environment) {
    List<String> problems = new ArrayList<>();
    if (environment.getMetadata() == null || environment.getMetadata().getName() == null) {
      problems.add("metadata.name: required");
    }
    GradingEnvironmentSpec spec = environment.getSpec();
    if (spec == null) {
      problems.add("spec: required");
      return problems;
    }
    if (spec.environmentName != null && !ENVIRONMENT_NAME.matcher(spec.environmentName).matches()) {
      problems.add("spec.environmentName: '" + spec.environmentName + "' is not a lowercase environment id"
          + " (letters, digits, '.', '_', '-', at most 63 characters)");
    } else if (spec.environmentName == null && environment.getMetadata() != null
        && environment.getMetadata().getName() != null
        && !ENVIRONMENT_NAME.matcher(environment.getMetadata().getName()).matches()) {
      problems.add("spec.environmentName: metadata.name '" + environment.getMetadata().getName()
          + "' is not a valid environment id; set spec.environmentName");
    }
    validateBuild(spec, problems);
    validateGrading(spec.grading, problems);
    return problems;
  }

  private static void validateBuild(GradingEnvironmentSpec spec, List<String> problems) {
    BuildSpec build = spec.build;
    if (build == null) {
      problems.add("spec.build: required (one of dockerfile, layers or prebuilt)");
      return;
    }
    int sources = (build.dockerfile != null ? 1 : 0) + (build.layers != null ? 1 : 0) + (build.prebuilt != null ? 1 : 0);
    if (sources != 1) {
      problems.add("spec.build: exactly one of spec.build.dockerfile, spec.build.layers or spec.build.prebuilt must be set"
          + " (found " + sources + ")");
    }
    if (build.prebuilt != null) {
      if (blank(build.prebuilt.image)) {
        problems.add("spec.build.prebuilt.image: required");
      }
      if (build.base != null) {
        problems.add("spec.build.base: applies to dockerfile and layers builds, not to prebuilt images");
      }
    } else if (sources == 1 && (spec.image == null || blank(spec.image.repository))) {
      problems.add("spec.image.repository: required for dockerfile and layers builds (the image is pushed there)");
    }
    if (build.dockerfile != null && (build.dockerfile.inline == null) == (build.dockerfile.configMapRef == null)) {
      problems.add("spec.build.dockerfile: exactly one of spec.build.dockerfile.inline or"
          + " spec.build.dockerfile.configMapRef must be set");
    }
    if (build.layers != null && build.layers.files != null) {
      for (int i = 0; i < build.layers.files.size(); i++) {
        LayerFiles files = build.layers.files.get(i);
        String field = "spec.build.layers.files[" + i + "]";
        if (files.configMapRef == null || blank(files.configMapRef.name)) {
          problems.add(field + ".configMapRef.name: required");
        }
        if (files.path == null || !files.path.startsWith("/")) {
          problems.add(field + ".path: must be an absolute path");
        }
        if (files.mode != null && !MODE.matcher(files.mode).matches()) {
          problems.add(field + ".mode: '" + files.mode + "' is not an octal mode such as 0644");
        }
      }
    }
    if (build.layers != null && build.layers.env != null) {
      for (String name : LayersBuild.OPERATOR_ENV) {
        if (build.layers.env.containsKey(name)) {
          problems.add("spec.build.layers.env[" + name + "]: must not be set: the operator writes it for GPU environments,"
              + " and which GPUs a grading pod sees is the device plugin's choice");
        }
      }
    }
    if (build.base != null && (build.base.environment == null) == (build.base.image == null)) {
      problems.add("spec.build.base: exactly one of spec.build.base.environment or spec.build.base.image must be set");
    }
    if (build.timeout != null && (build.timeout.isEmpty() || !DURATION.matcher(build.timeout).matches())) {
      problems.add("spec.build.timeout: '" + build.timeout + "' is not a duration such as 30m or 1h30m");
    }
  }

  private static void validateGrading(GradingSpec grading, List<String> problems) {
    if (grading == null) {
      return;
    }
    Runtime runtime = grading.runtimeOrDefault();
    if (grading.needsRoot() && runtime != Runtime.AUTO && runtime != Runtime.KATA) {
      problems.add("spec.grading.needRoot: allowed only with runtime auto or kata (runtime is " + runtime.id() + ")");
    }
    if (grading.gpu != null && runtime != Runtime.AUTO && runtime != Runtime.NVIDIA) {
      problems.add("spec.grading.gpu: allowed only with runtime auto or nvidia (runtime is " + runtime.id() + ")");
    }
    if (grading.gpu != null && grading.needsRoot()) {
      problems.add("spec.grading.needRoot: cannot be combined with spec.grading.gpu (kata and nvidia are different runtimes)");
    }
    if (grading.gpu != null && grading.gpu.count != null && grading.gpu.count < 1) {
      problems.add("spec.grading.gpu.count: must be at least 1 (was " + grading.gpu.count + ")");
    }
    if (grading.activeDeadlineSeconds != null && grading.activeDeadlineSeconds < 1) {
      problems.add("spec.grading.activeDeadlineSeconds: must be at least 1 (was " + grading.activeDeadlineSeconds + ")");
    }
  }

  private static boolean blank(String value) {
    return value == null || value.isBlank();
  }
}
